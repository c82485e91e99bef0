"""The background task that applies call timers and destroys rooms of finished sessions.

Janus tells us when things happen, but not when nothing happens: a call that
nobody answers, a side that does not come back within the grace period, a node
that died (and so went silent). Each pass therefore

1. ends ringing calls past their ring time as missed,
2. re-evaluates active calls with the pool's view of their node's health, so a
   grace period runs out even without events (a crashed node ends its calls
   with ``janus_failed``; so does a node restarted so quickly that it looks
   healthy but no longer lists the call's room),
3. destroys the rooms of DONE and CANCELLED sessions (retired in the same
   transaction as the status change) and revokes their tokens.

Every step is an idempotent action, so several orchestrators may sweep at once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

from orchestrator.actions import call_media, call_records, calls
from orchestrator.actions.clock import now
from orchestrator.actions.unit_of_work import UnitOfWork
from orchestrator.domain.errors import FernblickError
from orchestrator.janus.pool import JanusPool
from orchestrator.janus.rooms import RoomInfo, RoomService
from orchestrator.lifecycle import cancel_and_wait
from orchestrator.settings import Settings

log = logging.getLogger(__name__)


def sweep_interval(settings: Settings) -> float:
    """Often enough that timers end within a fraction of their length, at most each second."""
    shortest = min(settings.call_grace_seconds, settings.call_ring_seconds)
    return min(1.0, max(0.1, shortest / 4))


class CallSweeper:
    """Runs :meth:`sweep_once` every ``interval`` seconds."""

    def __init__(
        self, uow: UnitOfWork, pool: JanusPool, rooms: RoomService, settings: Settings
    ) -> None:
        self.uow = uow
        self.pool = pool
        self.rooms = rooms
        self.grace = timedelta(seconds=settings.call_grace_seconds)
        self.interval = sweep_interval(settings)
        self._task: asyncio.Task[None] | None = None
        self._closing: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="call-sweeper")

    async def stop(self) -> None:
        await cancel_and_wait(self._task, self._closing)
        self._task = self._closing = None

    async def _run(self) -> None:
        while True:
            try:
                await self.sweep_once()
            except FernblickError as error:  # database unavailable: try again next pass
                log.warning("call sweep failed: %s", error.detail)
            except Exception:
                log.exception("call sweep failed")
            await asyncio.sleep(self.interval)

    async def sweep_once(self) -> None:
        """One pass; room destruction (Janus I/O) runs beside it, so a slow node
        never holds up the timers."""
        await self._ring_timeouts()
        await self._evaluate_active_calls()
        if self._closing is None or self._closing.done():
            self._closing = asyncio.create_task(
                self._close_retired_rooms(), name="call-sweeper-rooms"
            )

    async def _ring_timeouts(self) -> None:
        async with self.uow.read() as db:
            due = await calls.ringing_calls_due(db, now())
        for call_id in due:
            await self._quietly(self._ring_timeout, call_id)

    async def _ring_timeout(self, call_id: int) -> None:
        async with self.uow.transaction() as db:
            await calls.do_ring_timeout(db, call_id)

    async def _evaluate_active_calls(self) -> None:
        async with self.uow.read() as db:
            active = await call_media.active_call_nodes(db)
        for call in active:
            await self._quietly(self._evaluate, call.call_id, self._room_alive(call))

    async def _evaluate(self, call_id: int, healthy: bool) -> None:
        async with self.uow.transaction() as db:
            await call_media.do_evaluate_call(db, call_id, node_healthy=healthy, grace=self.grace)

    def _room_alive(self, call: call_media.ActiveCallRoom) -> bool:
        """The call's node is healthy and has not lost the call's room."""
        if not self._healthy(call.node):
            return False
        if call.answered_at is None:
            return True
        return not self.pool.node(call.node).lost_room(call.room_id, call.answered_at)

    def _healthy(self, node: str) -> bool:
        try:
            return self.pool.node(node).healthy
        except FernblickError:
            return False

    async def _close_retired_rooms(self) -> None:
        """Destroy retired rooms; errors are logged here (this runs as its own task)."""
        try:
            async with self.uow.read() as db:
                retired = [
                    (
                        row.id,
                        RoomInfo(
                            node=row.janus_node,
                            room_id=row.room_id,
                            secret=row.room_secret,
                            pin=row.room_pin,
                        ),
                    )
                    for row in await call_records.retired_rooms(db)
                ]
            for retired_id, room in retired:
                await self._close_room(retired_id, room)
        except FernblickError as error:
            log.warning("destroying retired rooms deferred: %s", error.detail)
        except Exception:
            log.exception("destroying retired rooms failed")

    async def _close_room(self, retired_id: int, room: RoomInfo) -> None:
        failure = None if self._healthy(room.node) else f"Janus node {room.node} is not healthy"
        if failure is None:
            try:
                await self.rooms.close_room(room)
            except FernblickError as error:
                failure = str(error)
        async with self.uow.transaction() as db:
            if failure is None:
                await call_records.do_room_closed(db, retired_id)
                return
            gave_up = await call_records.do_room_close_failed(db, retired_id, failure)
        if gave_up:
            log.warning("gave up destroying room %s on %s: %s", room.room_id, room.node, failure)

    @staticmethod
    async def _quietly(step: Callable[..., Awaitable[None]], *args: object) -> None:
        """Run one step; a conflict with a concurrent change is retried next pass."""
        try:
            await step(*args)
        except FernblickError as error:
            log.info("call sweep step deferred: %s", error.detail)
