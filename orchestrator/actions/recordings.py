"""Recording actions: consent, start, stop, and the recording's hand-over to an upload.

Like every action they only write the database inside the caller's transaction and
stage events in the outbox; the recorder (``recorder/worker.py``) reacts to
``recording.start`` / ``recording.stop`` after commit, so a rolled-back start never
runs ffmpeg.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from orchestrator.actions.actors import CodeUserActor, EmployeeActor, SystemActor
from orchestrator.actions.artifacts import do_add_artifact
from orchestrator.actions.call_records import open_call
from orchestrator.actions.clock import now
from orchestrator.actions.organisation import load_organisation
from orchestrator.actions.session_access import load_session_for, stage_event
from orchestrator.db.models import Artifact, Recording, VideoSession
from orchestrator.domain.calls import CallState
from orchestrator.domain.errors import Conflict, NotFound, PermissionDenied
from orchestrator.domain.org_settings import OrganisationSettings
from orchestrator.domain.recording import RecordingState, RecordingStopReason, refusal
from orchestrator.domain.types import ArtifactKind


async def recording_allowed(db: AsyncSession, organisation_id: int) -> bool:
    """Whether the organisation's video-session module allows recording."""
    org = await load_organisation(db, organisation_id)
    return OrganisationSettings.model_validate(org.settings or {}).recording_allowed


async def open_recording(db: AsyncSession, session_id: int) -> Recording | None:
    """The session's running recording, if any (fresh from the database)."""
    found: Recording | None = await db.scalar(
        select(Recording)
        .where(Recording.open_session_id == session_id)
        .execution_options(populate_existing=True)
    )
    return found


async def do_give_consent(db: AsyncSession, actor: CodeUserActor, session_id: int) -> VideoSession:
    """The code user agrees to be recorded (on the call screen); stored with its time.

    Giving it twice keeps the first time: the consent is a fact, not a toggle.
    """
    session = await load_session_for(db, actor, session_id)
    if not await recording_allowed(db, session.organisation_id):
        raise PermissionDenied(
            "this organisation does not record video sessions", code="recording_not_allowed"
        )
    if session.recording_consent:
        return session
    session.recording_consent = True
    session.recording_consent_at = now()
    session.updated_at = now()
    await db.flush()
    await stage_event(db, "session.updated", session, actor, changes=["recording_consent"])
    return session


async def do_start_recording(db: AsyncSession, actor: EmployeeActor, session_id: int) -> Recording:
    """Start recording the running call, if the organisation and the code user allow it."""
    session = await load_session_for(db, actor, session_id)
    call = await open_call(db, session.id)
    problem = refusal(
        recording_allowed=await recording_allowed(db, session.organisation_id),
        consent=session.recording_consent,
        status=session.status,
        call_active=call is not None and call.state is CallState.ACTIVE,
        already_recording=await open_recording(db, session.id) is not None,
    )
    if problem is not None:
        raise problem
    assert call is not None  # refusal() checked it
    recording = Recording(
        session_id=session.id,
        open_session_id=session.id,
        call_id=call.id,
        state=RecordingState.RECORDING,
        started_by_id=actor.employee_id,
        started_at=now(),
    )
    db.add(recording)
    await db.flush()
    await stage_event(
        db,
        "recording.start",
        session,
        actor,
        data={"recording_id": recording.id, "call_id": call.id},
    )
    return recording


async def do_stop_recording(
    db: AsyncSession,
    actor: EmployeeActor | SystemActor,
    session_id: int,
    reason: RecordingStopReason = RecordingStopReason.STOPPED,
) -> Recording | None:
    """Stop the running recording; the recorder finalizes it on ``recording.stop``.

    The system (call ended, recorder failed) stopping nothing is not an error; an
    employee pressing stop when nothing records gets 409 ``not_recording``.
    """
    session = await load_session_for(db, actor, session_id)
    recording = await open_recording(db, session.id)
    if recording is None:
        if isinstance(actor, SystemActor):
            return None
        raise Conflict("the call is not being recorded", code="not_recording")
    recording.state = RecordingState.STOPPED
    recording.open_session_id = None
    recording.stopped_at = now()
    recording.stop_reason = reason
    await db.flush()
    await stage_event(
        db,
        "recording.stop",
        session,
        actor,
        reason=reason.value,
        data={"recording_id": recording.id, "call_id": recording.call_id},
    )
    return recording


def recording_key(session_id: int, recording_id: int) -> str:
    """Where a recording lives in storage (and in the spool before its upload)."""
    return f"sessions/{session_id}/recording-{recording_id}.mkv"


async def do_recording_finalized(
    db: AsyncSession,
    recording_id: int,
    *,
    size_bytes: int,
    duration_ms: int | None,
    checksum: str,
) -> Artifact:
    """The recorder wrote the final file to the spool: an artifact and its upload job.

    Idempotent: a second call for the same recording returns the artifact it made.
    """
    recording = await db.get(Recording, recording_id, populate_existing=True)
    if recording is None:
        raise NotFound(f"recording {recording_id} not found")
    if recording.artifact_id is not None:
        existing = await db.get(Artifact, recording.artifact_id)
        if existing is not None:
            return existing
    artifact = await do_add_artifact(
        db,
        recording.session_id,
        kind=ArtifactKind.RECORDING,
        storage_key=recording_key(recording.session_id, recording.id),
        content_type="video/x-matroska",
        size_bytes=size_bytes,
        duration_ms=duration_ms,
        checksum=checksum,
    )
    recording.artifact_id = artifact.id
    return artifact
