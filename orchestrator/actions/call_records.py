"""The call rows themselves: finding the open call, ending it, its events, retiring rooms.

Shared by the call actions (``calls.py``, ``call_media.py``) and by the session
actions, which end the open call and retire the room when a session becomes DONE
or CANCELLED. Everything here runs inside the caller's transaction.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from orchestrator.actions.actors import AnyActor
from orchestrator.actions.clock import now
from orchestrator.actions.session_access import stage_event
from orchestrator.db.models import Call, RetiredRoom, VideoSession
from orchestrator.domain.calls import CallEndReason, CallState
from orchestrator.domain.types import SessionStatus
from orchestrator.events.schemas import EventType
from orchestrator.janus.rooms import RoomInfo


async def open_calls_per_node(db: AsyncSession) -> dict[str, int]:
    """How many calls are open on each Janus node, whichever orchestrator placed them
    (the pool places new rooms by it)."""
    rows = await db.execute(
        select(Call.janus_node, func.count())
        .where(Call.open_session_id.is_not(None))
        .group_by(Call.janus_node)
    )
    return {str(node): int(count) for node, count in rows.all()}


async def open_call(db: AsyncSession, session_id: int, *, lock: bool = False) -> Call | None:
    """The session's ringing or active call, if any (fresh from the database); with
    ``lock``, its row stays locked until commit (PostgreSQL), so that changes to the
    call's parts made under the lock happen one after the other."""
    query = select(Call).where(Call.open_session_id == session_id)
    if lock:
        query = query.with_for_update()
    found: Call | None = await db.scalar(query.execution_options(populate_existing=True))
    return found


def duration_seconds(call: Call, at: datetime) -> float:
    """How long both sides talked: from the first flowing media to ``at``."""
    if call.media_started_at is None:
        return 0.0
    return max(0.0, (at - call.media_started_at).total_seconds())


def close_call(call: Call, reason: CallEndReason, at: datetime) -> None:
    """Mark ``call`` ended; the session may get a new call from now on."""
    call.state = CallState.ENDED
    call.open_session_id = None
    call.end_reason = reason
    call.ended_at = at


async def stage_call_event(
    db: AsyncSession,
    event_type: EventType,
    session: VideoSession,
    actor: AnyActor,
    call: Call,
    **data: object,
) -> None:
    """Stage a ``call.*`` event; ``payload.data`` always names the call."""
    await stage_event(db, event_type, session, actor, data={"call_id": call.id, **data})


async def finish_session_calls(db: AsyncSession, session: VideoSession, actor: AnyActor) -> None:
    """The session is DONE or CANCELLED: end its open call and retire its room.

    Runs inside the status change, before its flush, so the session row is
    written (and its version bumped) once.
    """
    with db.no_autoflush:  # the session's pending status change is flushed once, below
        call = await open_call(db, session.id)
    at = now()
    retire_room(db, session, at)
    if call is not None:
        reason = (
            CallEndReason.CANCELLED
            if session.status is SessionStatus.CANCELLED
            else CallEndReason.HANGUP
        )
        close_call(call, reason, at)
        await stage_call_event(
            db,
            "call.ended",
            session,
            actor,
            call,
            duration_seconds=round(duration_seconds(call, at), 3),
            reason=reason.value,
        )


def room_of(session: VideoSession) -> RoomInfo | None:
    if not (session.janus_node and session.room_id and session.room_secret and session.room_pin):
        return None
    return RoomInfo(
        node=session.janus_node,
        room_id=session.room_id,
        secret=session.room_secret,
        pin=session.room_pin,
    )


def retire_room(db: AsyncSession, session: VideoSession, at: datetime) -> None:
    """Hand the session's room to the sweeper for destruction; the session forgets it.

    The Janus requests happen later, outside any transaction; a reopened session
    gets a new room on a healthy node at its next START.
    """
    room = room_of(session)
    if room is None:
        return
    add_retired_room(db, session.id, room, at)
    session.janus_node = None
    session.room_id = None
    session.room_secret = None
    session.room_pin = None


def add_retired_room(db: AsyncSession, session_id: int, room: RoomInfo, at: datetime) -> None:
    """Queue ``room`` for destruction by the sweeper."""
    db.add(
        RetiredRoom(
            session_id=session_id,
            janus_node=room.node,
            room_id=room.room_id,
            room_secret=room.secret,
            room_pin=room.pin,
            retired_at=at,
            attempts=0,
            last_error="",
        )
    )


MAX_ROOM_CLOSE_ATTEMPTS = 10
"""After this many failed destroys the room is given up: its node is gone or restarted,
and a restarted Janus keeps neither rooms nor tokens."""


async def retired_rooms(db: AsyncSession, limit: int = 50) -> list[RetiredRoom]:
    return list(await db.scalars(select(RetiredRoom).order_by(RetiredRoom.id).limit(limit)))


async def do_room_closed(db: AsyncSession, retired_id: int) -> None:
    """The room is destroyed on Janus (or was already gone): forget it."""
    await db.execute(delete(RetiredRoom).where(RetiredRoom.id == retired_id))


async def do_room_close_failed(db: AsyncSession, retired_id: int, error: str) -> bool:
    """Count a failed destroy; True when the room is given up."""
    room = await db.get(RetiredRoom, retired_id)
    if room is None:
        return True
    room.attempts += 1
    room.last_error = error[:2000]
    if room.attempts >= MAX_ROOM_CLOSE_ATTEMPTS:
        await db.delete(room)
        return True
    return False
