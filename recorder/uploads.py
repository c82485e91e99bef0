"""Upload jobs: ``artifact.upload`` events move a spooled file into storage.

Idempotent: a job for an artifact that is already stored does nothing, and a put
replaces an earlier partial one. A failed attempt is counted on the artifact (its
own transaction, so the count survives the job's failure), waits an exponential
backoff and raises, so the bus redelivers it. After ``upload_max_attempts`` failures
the artifact is FAILED and every further delivery of that job fails at once, so the
bus moves it to the dead-letter queue (``uploads.dead``) without touching storage
again. A job that names no artifact (malformed, or one that does not exist) is
dead-lettered at once with that reason (``Unprocessable``). An administrator lists the
failed uploads and retries them (``POST /api/admin/uploads/{id}/retry``), which sends
a fresh job through the outbox.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from orchestrator.actions.artifacts import do_artifact_stored, do_upload_failed, do_upload_started
from orchestrator.actions.unit_of_work import UnitOfWork
from orchestrator.domain.errors import NotFound
from orchestrator.domain.types import ArtifactState
from orchestrator.events.bus import MessageBus, Unprocessable
from orchestrator.events.schemas import Event
from orchestrator.observability.metrics import job_failed
from orchestrator.settings import Settings
from recorder.storage import Storage, sha256_of

log = logging.getLogger(__name__)

UPLOAD_QUEUE = "uploads"
UPLOAD_BINDINGS = ("artifact.upload",)


class UploadGivenUp(Exception):
    """The job used up its attempts; raised so that the bus dead-letters it."""


def job_artifact_id(event: Event) -> int:
    """The artifact an upload job names; a job without a usable one is dead-lettered."""
    value = event.payload.data.get("artifact_id")
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).isdigit():
        raise Unprocessable(f"upload job {event.id} has no valid artifact_id: {value!r:.100}")
    return int(value)


def backoff_seconds(attempt: int, base: float, cap: float) -> float:
    """Exponential backoff after the ``attempt``-th failure (1-based), capped."""
    return float(min(cap, base * 2 ** max(0, attempt - 1)))


class UploadWorker:
    def __init__(self, uow: UnitOfWork, storage: Storage, settings: Settings) -> None:
        self.uow = uow
        self.storage = storage
        self.settings = settings

    @property
    def spool(self) -> Path:
        return self.settings.storage_dir / "spool"

    async def attach(self, bus: MessageBus, queue: str = UPLOAD_QUEUE) -> None:
        await bus.consume(queue, UPLOAD_BINDINGS, self.consume)

    async def consume(self, event: Event) -> None:
        """Handle one job; raising asks the bus for a redelivery (or the dead letters)."""
        artifact_id = job_artifact_id(event)
        async with self.uow.transaction() as db:
            try:
                artifact = await do_upload_started(db, artifact_id)
            except NotFound as exc:
                raise Unprocessable(f"upload job {event.id}: {exc.detail}") from exc
            if artifact is None:
                return  # stored already: a duplicate job
            if artifact.state is ArtifactState.FAILED:
                raise UploadGivenUp(f"artifact {artifact_id}: {artifact.last_error}")
            key, content_type = artifact.storage_key, artifact.content_type
            known_checksum = artifact.checksum
        source = self.spool / key
        try:
            if not source.is_file():
                raise FileNotFoundError(f"spooled file {source} is missing")
            await self.storage.put(key, source, content_type)
        except Exception as exc:
            await self._failed(artifact_id, exc)
            raise
        # The recorder summed the file when it finalized it; a screenshot is summed here.
        checksum = known_checksum or await asyncio.to_thread(sha256_of, source)
        async with self.uow.transaction() as db:
            await do_artifact_stored(
                db, artifact_id, size_bytes=source.stat().st_size, checksum=checksum
            )
        source.unlink(missing_ok=True)  # stored: the spooled copy is redundant

    async def _failed(self, artifact_id: int, exc: Exception) -> None:
        limit = self.settings.upload_max_attempts
        async with self.uow.transaction() as db:
            attempts = await do_upload_failed(db, artifact_id, str(exc), max_attempts=limit)
        job_failed("upload", final=attempts >= limit)
        log.warning(
            "upload of artifact %s failed (%d of %d): %s", artifact_id, attempts, limit, exc
        )
        if attempts < limit:
            await asyncio.sleep(
                backoff_seconds(
                    attempts,
                    self.settings.upload_retry_base_seconds,
                    self.settings.upload_retry_max_seconds,
                )
            )
