"""The outbox relay: moves committed events from the outbox table to the bus and fan-out.

One background task per orchestrator process. Each pass claims the oldest
unpublished rows, publishes them one by one in id order (each publish waits for the
broker's confirm), hands each to the fan-out and marks them published, all in the
claim's transaction. When a publish fails, the events confirmed before it are still
marked and the rest stay in the outbox for the next pass: nothing is lost or
skipped. An event whose confirm was lost may be published twice; consumers dedupe
by event id. Errors are logged and retried with backoff; the task only ends when
stopped.

Action functions call ``wake()`` after commit so events leave at once; polling every
``poll_seconds`` is the fallback (for events committed by other processes, and
after errors).

On PostgreSQL several orchestrators relay from one outbox. A transaction-scoped
advisory lock lets one relay work at a time, so events reach the bus in outbox order
(a consumer sees ``session.confirmed`` before the ``session.status_changed`` that
followed it); the rows are also claimed with SKIP LOCKED. On SQLite (one process)
run a single relay.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import zlib

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from orchestrator.events.bus import MessageBus
from orchestrator.events.outbox import claim_unpublished, mark_published, row_to_event
from orchestrator.lifecycle import cancel_and_wait
from orchestrator.realtime.fanout import Fanout

log = logging.getLogger(__name__)

RELAY_LOCK_KEY = zlib.crc32(b"fernblick.outbox_relay")
"""The PostgreSQL advisory lock that serialises relays (a stable 32-bit key)."""


class OutboxRelay:
    """Publishes outbox rows until stopped; ``start``/``stop`` bracket its task."""

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        bus: MessageBus,
        fanout: Fanout | None,
        poll_seconds: float = 0.5,
        *,
        batch_size: int = 100,
        min_backoff: float = 0.2,
        max_backoff: float = 10.0,
        stop_timeout: float = 10.0,
    ) -> None:
        self._session_factory = session_factory
        self._bus = bus
        self._fanout = fanout
        self._poll_seconds = poll_seconds
        self._batch_size = batch_size
        self._min_backoff = min_backoff
        self._max_backoff = max_backoff
        self._stop_timeout = stop_timeout
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def wake(self) -> None:
        """Ask for a pass now (call after a commit that wrote events)."""
        self._wake.set()

    async def start(self) -> None:
        if self._task is not None:
            raise RuntimeError("the relay is already running")
        self._stopping.clear()
        self._task = asyncio.create_task(self._run(), name="outbox-relay")

    async def stop(self) -> None:
        """Let the current batch finish (up to ``stop_timeout``), then end the task."""
        if self._task is None:
            return
        self._stopping.set()
        self._wake.set()
        task, self._task = self._task, None
        try:
            await asyncio.wait_for(asyncio.shield(task), self._stop_timeout)
        except TimeoutError:
            log.warning("outbox relay did not stop within %.0fs; cancelling", self._stop_timeout)
            await cancel_and_wait(task)

    async def relay_once(self) -> int:
        """Publish one batch; return how many events it held (0 when idle)."""
        failure: Exception | None = None
        async with self._session_factory() as db, db.begin():
            if db.get_bind().dialect.name == "postgresql":
                await db.execute(select(func.pg_advisory_xact_lock(RELAY_LOCK_KEY)))
            rows = await claim_unpublished(db, self._batch_size)
            published: list[int] = []
            for row in rows:
                event = row_to_event(row)
                try:
                    await self._bus.publish(event)
                except Exception as exc:
                    failure = exc
                    break
                if self._fanout is not None:
                    await self._fanout.publish(event)
                published.append(row.id)
            # The confirmed prefix is marked even when a later publish failed, so a
            # flaky broker still lets the outbox drain.
            await mark_published(db, published)
        if failure is not None:
            raise failure
        if rows:
            log.debug("outbox relay published %d events", len(rows))
        return len(rows)

    async def _run(self) -> None:
        backoff = self._min_backoff
        while not self._stopping.is_set():
            self._wake.clear()
            try:
                published = await self.relay_once()
            except Exception:
                log.exception("outbox relay failed; retrying in %.1fs", backoff)
                # Wake-ups do not shorten a backoff: busy actions must not turn a
                # broker outage into a tight retry loop.
                await _wait(self._stopping, backoff)
                backoff = min(backoff * 2, self._max_backoff)
                continue
            backoff = self._min_backoff
            if published < self._batch_size:
                await _wait(self._wake, self._poll_seconds)


async def _wait(event: asyncio.Event, seconds: float) -> None:
    """Wait until ``event`` is set or ``seconds`` have passed."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(event.wait(), seconds)
