"""The call steps that need Janus: database transactions around room and ticket requests.

A START opens the session's room on the least-loaded healthy node (first START
only) and admits the caller before the call row exists, so the other side never
rings for a call whose room could not be made. No Janus request runs inside a
transaction: a slow or dead node must not hold database locks.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass

from orchestrator.actions import calls
from orchestrator.actions.call_records import open_call, room_of
from orchestrator.actions.calls import CallActor
from orchestrator.actions.session_access import load_session_for
from orchestrator.actions.unit_of_work import UnitOfWork
from orchestrator.db.models import Call
from orchestrator.domain.errors import Conflict, FernblickError, NotFound
from orchestrator.domain.session_state import CALLABLE
from orchestrator.janus.errors import JanusRoomNotFound, JanusUnreachable
from orchestrator.janus.rooms import JoinTicket, RoomInfo, RoomService

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CallTicket:
    """A call and, when the asker belongs in its room now, their join ticket."""

    call: Call
    ticket: JoinTicket | None
    created: bool = False


class CallFlow:
    """START, accept, decline, hang-up and rejoin for one orchestrator process."""

    def __init__(self, uow: UnitOfWork, rooms: RoomService, *, ring_seconds: float) -> None:
        self.uow = uow
        self.rooms = rooms
        self.ring_seconds = max(1, round(ring_seconds))

    async def start(self, actor: CallActor, session_id: int) -> CallTicket:
        """START; accepts instead when the other side is already ringing us."""
        async with self.uow.read() as db:
            plan = await calls.plan_start(db, actor, session_id)
        if plan.answer_call_id is not None:
            return await self.accept(actor, session_id, call_id=plan.answer_call_id)
        room, ticket = await self._admitted(actor, session_id, plan.room)
        try:
            async with self.uow.transaction() as db:
                call = await calls.do_start_call(
                    db, actor, session_id, room=room, ring_seconds=self.ring_seconds
                )
        except Conflict:
            # Both sides pressed START at once and the other one won: accept its call.
            async with self.uow.read() as db:
                plan = await calls.plan_start(db, actor, session_id)
            if plan.answer_call_id is None:
                raise
            return await self.accept(actor, session_id, call_id=plan.answer_call_id)
        return CallTicket(call, ticket, created=True)

    async def _admitted(
        self, actor: CallActor, session_id: int, room: RoomInfo | None
    ) -> tuple[RoomInfo, JoinTicket]:
        """The session's room (opened on first START) and the caller's ticket for it."""
        if room is None:
            room = await self._open_room(session_id)
            return room, await self.rooms.admit(room, calls.key_of(actor))
        try:
            return room, await self.rooms.admit(room, calls.key_of(actor))
        except (JanusRoomNotFound, JanusUnreachable):
            # The room died with its node (restart, crash): no call runs in it, so
            # the session simply moves to a new room on a healthy node.
            async with self.uow.transaction() as db:
                await calls.do_detach_room(db, session_id, room)
            room = await self._open_room(session_id)
            return room, await self.rooms.admit(room, calls.key_of(actor))

    async def _open_room(self, session_id: int) -> RoomInfo:
        """A new room for the session; if another START stored one first, use that."""
        room = await self.rooms.open_room(f"session-{session_id}")
        try:
            async with self.uow.transaction() as db:
                stored = await calls.do_attach_room(db, session_id, room)
        except FernblickError:
            await self._discard(room)
            raise
        if stored != room:
            await self._discard(room)
        return stored

    async def _discard(self, room: RoomInfo) -> None:
        with contextlib.suppress(FernblickError):
            await self.rooms.close_room(room)

    async def accept(
        self, actor: CallActor, session_id: int, *, call_id: int | None = None
    ) -> CallTicket:
        """Accept the ringing call: admitted first, then the caller hears ``call.accepted``."""
        async with self.uow.read() as db:
            session = await calls.load_callable(db, actor, session_id)
            room = room_of(session)
            ringing = await calls.ringing_call_for(db, actor, session, call_id)
        if room is None:
            raise calls.not_ringing()
        ticket = await self.rooms.admit(room, calls.key_of(actor))
        async with self.uow.transaction() as db:
            call = await calls.do_accept_call(db, actor, session_id, call_id=ringing.id)
        return CallTicket(call, ticket)

    async def decline(self, actor: CallActor, session_id: int) -> Call:
        async with self.uow.transaction() as db:
            return await calls.do_decline_call(db, actor, session_id)

    async def hangup(self, actor: CallActor, session_id: int) -> Call:
        async with self.uow.transaction() as db:
            return await calls.do_hangup(db, actor, session_id)

    async def current(self, actor: CallActor, session_id: int) -> CallTicket:
        """The open call and a fresh ticket (a reload rejoins with it).

        A session that cannot be called has no open call: 404 (a read names no
        conflict).
        """
        async with self.uow.read() as db:
            session = await load_session_for(db, actor, session_id)
            room = room_of(session)
            call = await open_call(db, session_id)
        if call is None or room is None or session.status not in CALLABLE:
            raise NotFound("there is no ringing or active call", code="no_active_call")
        if not calls.may_join(call, actor):
            return CallTicket(call, None)
        ticket = await self.rooms.admit(room, calls.key_of(actor))
        async with self.uow.transaction() as db:
            await calls.record_participant(db, actor, session_id)
        return CallTicket(call, ticket)
