"""Artifact actions: the upload job's bookkeeping, an administrator's retry, access.

The upload worker (``recorder/uploads.py``) calls these around each attempt, each in
its own short transaction, so the attempt count and last error survive a rollback of
the job and show in the back office while the job is still being retried.
"""

from __future__ import annotations

from typing import Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from orchestrator.actions.actors import AnyActor, EmployeeActor, SystemActor
from orchestrator.actions.clock import now
from orchestrator.actions.session_access import load_session_for, stage_event
from orchestrator.db.models import Artifact, VideoSession
from orchestrator.domain.errors import Conflict, NotFound
from orchestrator.domain.types import ArtifactKind, ArtifactState, Role


async def stage_artifact_event(
    db: AsyncSession,
    event_type: Literal["artifact.upload", "artifact.stored"],
    artifact: Artifact,
    actor: AnyActor,
) -> None:
    """``artifact.upload`` (the job) / ``artifact.stored``: ``payload.data`` names the artifact."""
    session = await load_session_for(db, SystemActor(), artifact.session_id)
    await stage_event(
        db,
        event_type,
        session,
        actor,
        data={
            "artifact_id": artifact.id,
            "kind": artifact.kind.value,
            "storage_key": artifact.storage_key,
            "state": artifact.state.value,
        },
    )


async def do_add_artifact(
    db: AsyncSession,
    session_id: int,
    *,
    kind: ArtifactKind,
    storage_key: str,
    content_type: str,
    size_bytes: int,
    duration_ms: int | None = None,
    checksum: str = "",
) -> Artifact:
    """A file is waiting in the spool under ``storage_key``: its artifact and upload job.

    Used by the recorder for recordings and meant for screenshots alike.
    """
    artifact = Artifact(
        session_id=session_id,
        kind=kind,
        storage_key=storage_key,
        content_type=content_type,
        size_bytes=size_bytes,
        duration_ms=duration_ms,
        checksum=checksum,
        state=ArtifactState.PENDING,
        created_at=now(),
        upload_attempts=0,
        last_error="",
    )
    db.add(artifact)
    await db.flush()
    await stage_artifact_event(db, "artifact.upload", artifact, SystemActor())
    return artifact


async def load_artifact(db: AsyncSession, artifact_id: int) -> Artifact:
    artifact = await db.get(Artifact, artifact_id, populate_existing=True)
    if artifact is None:
        raise NotFound(f"artifact {artifact_id} not found", data={"artifact_id": artifact_id})
    return artifact


async def load_artifact_for(
    db: AsyncSession, actor: AnyActor, session_id: int, artifact_id: int
) -> Artifact:
    """The artifact if ``actor`` may see its session (employees of the organisation, the
    session's code users for public sessions); NotFound otherwise, leaking nothing."""
    await load_session_for(db, actor, session_id)
    artifact = await db.get(Artifact, artifact_id)
    if artifact is None or artifact.session_id != session_id:
        raise NotFound(f"artifact {artifact_id} not found", data={"artifact_id": artifact_id})
    return artifact


async def do_upload_started(db: AsyncSession, artifact_id: int) -> Artifact | None:
    """Mark an attempt as running; None when the artifact is already stored (a duplicate).

    A FAILED artifact stays FAILED: its job has used up its attempts.
    """
    artifact = await load_artifact(db, artifact_id)
    if artifact.state is ArtifactState.STORED:
        return None
    if artifact.state is not ArtifactState.FAILED:
        artifact.state = ArtifactState.UPLOADING
    return artifact


async def do_upload_failed(
    db: AsyncSession, artifact_id: int, error: str, *, max_attempts: int
) -> int:
    """Count a failed attempt; after ``max_attempts`` the artifact is FAILED. The count."""
    artifact = await load_artifact(db, artifact_id)
    artifact.upload_attempts += 1
    artifact.last_error = error[:2000]
    artifact.state = (
        ArtifactState.FAILED if artifact.upload_attempts >= max_attempts else ArtifactState.PENDING
    )
    return artifact.upload_attempts


async def do_artifact_stored(
    db: AsyncSession, artifact_id: int, *, size_bytes: int, checksum: str
) -> Artifact:
    """The file is in storage: STORED, and ``artifact.stored`` for both sides' screens."""
    artifact = await load_artifact(db, artifact_id)
    if artifact.state is ArtifactState.STORED:
        return artifact
    artifact.state = ArtifactState.STORED
    artifact.size_bytes = size_bytes
    artifact.checksum = checksum
    artifact.last_error = ""
    artifact.stored_at = now()
    await db.flush()
    await stage_artifact_event(db, "artifact.stored", artifact, SystemActor())
    return artifact


async def do_retry_upload(db: AsyncSession, actor: EmployeeActor, artifact_id: int) -> Artifact:
    """An administrator sends a failed upload again: a fresh job through the outbox."""
    actor.require_role(Role.ADMINISTRATOR)
    artifact = await load_artifact(db, artifact_id)
    await load_session_for(db, actor, artifact.session_id)  # same organisation only
    if artifact.state is not ArtifactState.FAILED:
        raise Conflict(
            "only a failed upload can be retried",
            code="upload_not_failed",
            data={"state": artifact.state.value},
        )
    artifact.state = ArtifactState.PENDING
    artifact.upload_attempts = 0
    await db.flush()
    await stage_artifact_event(db, "artifact.upload", artifact, actor)
    return artifact


async def failed_uploads(db: AsyncSession, actor: EmployeeActor) -> list[Artifact]:
    """The organisation's given-up uploads (their jobs are in the dead-letter queue)."""
    actor.require_role(Role.ADMINISTRATOR)
    rows = await db.scalars(
        select(Artifact)
        .join(VideoSession, VideoSession.id == Artifact.session_id)
        .where(
            VideoSession.organisation_id == actor.organisation_id,
            Artifact.state == ArtifactState.FAILED,
        )
        .order_by(Artifact.id)
        .limit(500)
    )
    return list(rows)
