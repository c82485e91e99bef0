"""Upload-job helpers: a real clip in the spool with its artifact and job, waiting for states.

The clip is a real two-second VP8 Matroska file made by ffmpeg; the artifact is made
through the action function, which stages its ``artifact.upload`` job in the outbox.
"""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path

from orchestrator.actions.artifacts import do_add_artifact
from orchestrator.actions.unit_of_work import UnitOfWork
from orchestrator.db.models import Artifact, OutboxEvent
from orchestrator.domain.types import ArtifactKind, ArtifactState
from orchestrator.events.outbox import row_to_event
from orchestrator.events.schemas import Event
from orchestrator.settings import Settings
from tests.support.events import wait_until

KEY = "sessions/{session_id}/recording-test.mkv"


def make_clip(path: Path) -> None:
    """A real two-second Matroska file (VP8 test pattern) to upload."""
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=15",
         "-t", "2", "-c:v", "libvpx", "-b:v", "300k", "-y", str(path)],
        check=True,
        timeout=60,
    )  # fmt: skip


async def spooled_artifact(uow: UnitOfWork, settings: Settings, session_id: int) -> int:
    """A file in the spool and its artifact, with the upload job in the outbox."""
    key = KEY.format(session_id=session_id)
    source = settings.storage_dir / "spool" / key
    await asyncio.to_thread(make_clip, source)
    async with uow.transaction() as db:
        artifact = await do_add_artifact(
            db,
            session_id,
            kind=ArtifactKind.RECORDING,
            storage_key=key,
            content_type="video/x-matroska",
            size_bytes=source.stat().st_size,
        )
        return artifact.id


async def artifact_row(uow: UnitOfWork, artifact_id: int) -> Artifact:
    async with uow.read() as db:
        artifact = await db.get(Artifact, artifact_id, populate_existing=True)
        assert artifact is not None
        return artifact


async def wait_for_state(uow: UnitOfWork, artifact_id: int, state: ArtifactState) -> Artifact:
    async def reached() -> bool:
        return (await artifact_row(uow, artifact_id)).state is state

    await wait_until(reached, f"artifact {artifact_id} {state.value}", within=60)
    return await artifact_row(uow, artifact_id)


async def outbox_event(uow: UnitOfWork, event_type: str) -> Event:
    """The newest staged event of ``event_type``."""
    async with uow.read() as db:
        rows = (await db.execute(OutboxEvent.__table__.select())).all()
    row = [r for r in rows if r.type == event_type][-1]
    return row_to_event(OutboxEvent(**row._asdict()))
