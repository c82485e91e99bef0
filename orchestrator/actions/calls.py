"""Call actions: START, accept, decline, hang-up, ring timeout (``docs/calls.md``).

Each ``do_*`` runs inside the caller's transaction and touches the database only;
the Janus requests (open the room, admit a participant) happen around them in
``call_flow.py``, outside any transaction. Either side may start a call; the
other side accepts or declines it, and a call nobody answers ends as missed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from orchestrator.actions.actors import CodeUserActor, EmployeeActor, SystemActor
from orchestrator.actions.call_records import (
    add_retired_room,
    close_call,
    duration_seconds,
    open_call,
    room_of,
    stage_call_event,
)
from orchestrator.actions.clock import now
from orchestrator.actions.session_access import load_session_for
from orchestrator.actions.sessions import do_call_ended
from orchestrator.db.models import (
    Call,
    CodeUser,
    Employee,
    Participant,
    VideoSession,
)
from orchestrator.domain.calls import (
    CallEndReason,
    CallSide,
    CallState,
    participant_key,
)
from orchestrator.domain.errors import Conflict, NotFound, VersionConflict
from orchestrator.domain.session_state import CALLABLE
from orchestrator.domain.types import ParticipantKind, SessionStatus
from orchestrator.janus.rooms import RoomInfo

CallActor = EmployeeActor | CodeUserActor


def side_of(actor: CallActor) -> CallSide:
    return CallSide.EMPLOYEE if isinstance(actor, EmployeeActor) else CallSide.CODE_USER


def key_of(actor: CallActor) -> str:
    """The actor's Janus display and token name (``employee:7``, ``code_user:3``)."""
    if isinstance(actor, EmployeeActor):
        return participant_key(CallSide.EMPLOYEE, actor.employee_id)
    return participant_key(CallSide.CODE_USER, actor.code_user_id)


@dataclass(frozen=True)
class CallPlan:
    """What a START will do, decided before any Janus request is made."""

    room: RoomInfo | None
    """The session's room; None when START must open one first."""
    answer_call_id: int | None
    """The other side is ringing us: START accepts this call instead."""


async def load_callable(db: AsyncSession, actor: CallActor, session_id: int) -> VideoSession:
    """The session if ``actor`` may see it and it can be called now (CONFIRMED/RUNNING)."""
    session = await load_session_for(db, actor, session_id)
    if session.status not in CALLABLE:
        raise Conflict(
            f"a session that is {session.status.value} cannot be called",
            code="not_callable",
            data={"status": session.status.value},
        )
    return session


def _in_progress(call: Call) -> Conflict:
    return Conflict(
        "a call of this session is already ringing or active",
        code="call_in_progress",
        data={"call_id": call.id, "state": call.state.value},
    )


async def plan_start(db: AsyncSession, actor: CallActor, session_id: int) -> CallPlan:
    """Check a START: callable, and no call of ours ringing or active."""
    session = await load_callable(db, actor, session_id)
    call = await open_call(db, session.id)
    if call is not None:
        if call.state is CallState.RINGING and call.started_by is not side_of(actor):
            return CallPlan(room=room_of(session), answer_call_id=call.id)
        raise _in_progress(call)
    return CallPlan(room=room_of(session), answer_call_id=None)


async def do_attach_room(db: AsyncSession, session_id: int, room: RoomInfo) -> RoomInfo:
    """Store a newly opened room on the session unless another START stored one first.

    A compare-and-set UPDATE (``room_id IS NULL``) that leaves the session's
    version alone: where a call's media runs is bookkeeping, not a change a
    user made, and must not turn their next edit into a version conflict.
    Returns the room the session has now (ours, or the one that won).
    """
    result = await db.execute(
        update(VideoSession)
        .where(VideoSession.id == session_id, VideoSession.room_id.is_(None))
        .values(
            janus_node=room.node,
            room_id=room.room_id,
            room_secret=room.secret,
            room_pin=room.pin,
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount:  # type: ignore[attr-defined]
        return room
    session = await db.get(VideoSession, session_id, populate_existing=True)
    stored = room_of(session) if session is not None else None
    if stored is None:
        raise NotFound(f"video session {session_id} not found", data={"session_id": session_id})
    return stored


async def do_detach_room(db: AsyncSession, session_id: int, room: RoomInfo) -> None:
    """Forget a room that is gone from its node (restarted or dead) so START opens another.

    The same version-neutral compare-and-set as :func:`do_attach_room`; the room
    is retired, so its tokens are cleaned up if the node still answers.
    """
    result = await db.execute(
        update(VideoSession)
        .where(VideoSession.id == session_id, VideoSession.room_id == room.room_id)
        .values(janus_node=None, room_id=None, room_secret=None, room_pin=None)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount:  # type: ignore[attr-defined]
        add_retired_room(db, session_id, room, now())


async def _caller_name(db: AsyncSession, actor: CallActor) -> str:
    if isinstance(actor, EmployeeActor):
        employee = await db.get(Employee, actor.employee_id)
        return employee.name if employee is not None else ""
    code_user = await db.get(CodeUser, actor.code_user_id)
    return code_user.name if code_user is not None else ""


async def record_participant(db: AsyncSession, actor: CallActor, session_id: int) -> None:
    """An employee who joins a call becomes a participant of the session (once)."""
    if not isinstance(actor, EmployeeActor):
        return
    known = await db.scalar(
        select(Participant.id).where(
            Participant.session_id == session_id, Participant.employee_id == actor.employee_id
        )
    )
    if known is None:
        db.add(
            Participant(
                session_id=session_id,
                kind=ParticipantKind.EMPLOYEE,
                employee_id=actor.employee_id,
                joined_at=now(),
            )
        )


async def do_start_call(
    db: AsyncSession, actor: CallActor, session_id: int, *, room: RoomInfo, ring_seconds: int
) -> Call:
    """START: a ringing call in ``room``; the other side gets ``call.ringing``."""
    session = await load_callable(db, actor, session_id)
    if room_of(session) != room:
        raise VersionConflict("the session's call room changed meanwhile; try again")
    existing = await open_call(db, session.id)
    if existing is not None:
        raise _in_progress(existing)
    side = side_of(actor)
    call = Call(
        session_id=session.id,
        open_session_id=session.id,
        janus_node=room.node,
        room_id=room.room_id,
        state=CallState.RINGING,
        started_by=side,
        caller_employee_id=actor.employee_id if isinstance(actor, EmployeeActor) else None,
        caller_code_user_id=actor.code_user_id if isinstance(actor, CodeUserActor) else None,
        caller_name=await _caller_name(db, actor),
        ring_timeout_seconds=ring_seconds,
        started_at=now(),
    )
    db.add(call)
    await record_participant(db, actor, session.id)
    await db.flush()
    await stage_call_event(
        db,
        "call.ringing",
        session,
        actor,
        call,
        **{
            "from": side.value,
            "caller_name": call.caller_name,
            "ring_timeout_seconds": ring_seconds,
        },
    )
    return call


async def ringing_call_for(
    db: AsyncSession, actor: CallActor, session: VideoSession, call_id: int | None
) -> Call:
    """The call ringing for ``actor`` (started by the other side), else ``not_ringing``."""
    call = await open_call(db, session.id)
    if (
        call is None
        or call.state is not CallState.RINGING
        or call.started_by is side_of(actor)
        or (call_id is not None and call.id != call_id)
    ):
        raise not_ringing()
    return call


def not_ringing() -> Conflict:
    return Conflict("there is no call ringing for you", code="not_ringing")


async def do_accept_call(
    db: AsyncSession, actor: CallActor, session_id: int, *, call_id: int | None = None
) -> Call:
    """Accept the call the other side started; the caller gets ``call.accepted``."""
    session = await load_callable(db, actor, session_id)
    call = await ringing_call_for(db, actor, session, call_id)
    call.state = CallState.ACTIVE
    call.answered_at = now()
    await record_participant(db, actor, session.id)
    await db.flush()
    await stage_call_event(db, "call.accepted", session, actor, call)
    return call


async def do_decline_call(db: AsyncSession, actor: CallActor, session_id: int) -> Call:
    """Decline the ringing call; the caller gets ``call.declined``."""
    session = await load_session_for(db, actor, session_id)
    call = await ringing_call_for(db, actor, session, None)
    close_call(call, CallEndReason.DECLINED, now())
    await db.flush()
    await stage_call_event(
        db, "call.declined", session, actor, call, reason=CallEndReason.DECLINED.value
    )
    return call


async def do_hangup(db: AsyncSession, actor: CallActor, session_id: int) -> Call:
    """Either side ends the call; a RUNNING session becomes DONE."""
    session = await load_session_for(db, actor, session_id)
    call = await open_call(db, session.id)
    if call is None:
        raise NotFound("there is no ringing or active call", code="no_active_call")
    await end_call(db, session, call, CallEndReason.HANGUP, actor)
    return call


async def end_call(
    db: AsyncSession,
    session: VideoSession,
    call: Call,
    reason: CallEndReason,
    actor: CallActor | SystemActor,
) -> None:
    """End ``call`` for ``reason`` and tell both sides (``call.ended``).

    A RUNNING session becomes DONE through ``do_call_ended`` (which destroys the
    room); a session whose call never got media stays CONFIRMED.
    """
    at = now()
    close_call(call, reason, at)
    await db.flush()  # before the session action re-reads open calls
    duration = round(duration_seconds(call, at), 3)
    if session.status is SessionStatus.RUNNING:
        await do_call_ended(
            db, session.id, duration_seconds=duration, reason=reason.value, call_id=call.id
        )
        return
    await stage_call_event(
        db, "call.ended", session, actor, call, duration_seconds=duration, reason=reason.value
    )


async def do_ring_timeout(db: AsyncSession, call_id: int, *, at: datetime | None = None) -> bool:
    """A call nobody answered in time is missed (``call.missed``); True if it was."""
    call = await db.get(Call, call_id, populate_existing=True)
    at = at or now()
    if call is None or call.state is not CallState.RINGING:
        return False
    if at < call.started_at + timedelta(seconds=call.ring_timeout_seconds):
        return False
    actor = SystemActor()
    session = await load_session_for(db, actor, call.session_id)
    close_call(call, CallEndReason.MISSED, at)
    await db.flush()
    await stage_call_event(
        db,
        "call.missed",
        session,
        actor,
        call,
        reason=CallEndReason.MISSED.value,
        **{"from": call.started_by.value},
    )
    return True


def may_join(call: Call, actor: CallActor) -> bool:
    """Whether ``actor``'s side belongs in the room now: the caller always, the callee once it accepted."""
    return call.started_by is side_of(actor) or call.state is CallState.ACTIVE


async def ringing_calls_due(db: AsyncSession, at: datetime) -> list[int]:
    """Ringing calls whose ring time has passed (checked again by ``do_ring_timeout``)."""
    rows = await db.execute(
        select(Call.id, Call.started_at, Call.ring_timeout_seconds).where(
            Call.state == CallState.RINGING
        )
    )
    return [
        int(call_id)
        for call_id, started_at, seconds in rows
        if at >= started_at + timedelta(seconds=seconds)
    ]
