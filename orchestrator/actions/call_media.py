"""Media bookkeeping of calls: legs from Janus events, and the session status they imply.

Janus's event handler reports, per publisher handle, that it joined a room (with
the participant token the orchestrator minted), that its media is or is not
received, and that it hung up or went away. Each report updates a
:class:`CallLeg`; :func:`do_evaluate_call` then applies the pure
:func:`~orchestrator.domain.calls.media_verdict`: both sides flowing starts the
call (CONFIRMED -> RUNNING), both gone or one gone past the grace period ends it
(RUNNING -> DONE). The sweeper re-evaluates active calls so that grace periods
and dead Janus nodes count even when no event arrives.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from orchestrator.actions.actors import SystemActor
from orchestrator.actions.call_records import stage_call_event
from orchestrator.actions.calls import end_call
from orchestrator.actions.clock import now
from orchestrator.actions.session_access import load_session_for
from orchestrator.actions.sessions import do_call_started
from orchestrator.db.models import Call, CallLeg
from orchestrator.domain.calls import (
    CallState,
    MediaPicture,
    media_verdict,
    parse_participant_key,
)
from orchestrator.domain.types import SessionStatus


def key_from_token(room_id: str, token: str) -> str | None:
    """The participant key inside a token ``<room id>.<key>.<random>`` of this room."""
    prefix = f"{room_id}."
    if not token.startswith(prefix):
        return None
    key, dot, _random = token[len(prefix) :].rpartition(".")
    return key if dot and key else None


async def do_leg_joined(
    db: AsyncSession,
    *,
    node: str,
    janus_session_id: int,
    handle_id: int,
    room_id: str,
    token: str,
) -> int | None:
    """A publisher joined ``room_id``: record its leg; the call's id, or None if not ours.

    The side comes from the token the orchestrator minted, not from the display
    name a browser chose, so a participant cannot pose as the other side.
    """
    key = key_from_token(room_id, token)
    parsed = parse_participant_key(key) if key else None
    call = await db.scalar(
        select(Call).where(
            Call.room_id == room_id, Call.janus_node == node, Call.state != CallState.ENDED
        )
    )
    if call is None or parsed is None or key is None:
        return None
    known = await db.scalar(
        select(CallLeg.id).where(CallLeg.call_id == call.id, CallLeg.handle_id == handle_id)
    )
    if known is None:
        db.add(
            CallLeg(
                call_id=call.id,
                janus_node=node,
                janus_session_id=janus_session_id,
                handle_id=handle_id,
                side=parsed[0],
                participant_key=key,
                receiving_mids=[],
                joined_at=now(),
            )
        )
    return call.id


async def _live_legs(db: AsyncSession, node: str, **where: int) -> list[CallLeg]:
    query = select(CallLeg).where(CallLeg.janus_node == node, CallLeg.left_at.is_(None))
    if "handle_id" in where:
        query = query.where(CallLeg.handle_id == where["handle_id"])
    if "janus_session_id" in where:
        query = query.where(CallLeg.janus_session_id == where["janus_session_id"])
    return list(await db.scalars(query))


async def do_leg_media(
    db: AsyncSession, *, node: str, handle_id: int, mid: str, receiving: bool
) -> list[int]:
    """Janus does (or no longer does) receive medium ``mid`` of a leg; affected call ids."""
    legs = await _live_legs(db, node, handle_id=handle_id)
    for leg in legs:
        mids = set(leg.receiving_mids)
        mids = mids | {mid} if receiving else mids - {mid}
        if mids != set(leg.receiving_mids):
            leg.receiving_mids = sorted(mids)
    return [leg.call_id for leg in legs]


async def do_leg_left(
    db: AsyncSession,
    *,
    node: str,
    handle_id: int | None = None,
    janus_session_id: int | None = None,
) -> list[int]:
    """A leg hung up, detached or lost its Janus session; affected call ids."""
    if handle_id is not None:
        legs = await _live_legs(db, node, handle_id=handle_id)
    elif janus_session_id is not None:
        legs = await _live_legs(db, node, janus_session_id=janus_session_id)
    else:
        return []
    at = now()
    for leg in legs:
        leg.left_at = at
        leg.receiving_mids = []
    return [leg.call_id for leg in legs]


async def _room_legs(db: AsyncSession, call: Call) -> list[CallLeg]:
    """Live legs in the call's room, also those that joined during an earlier call of
    the session (a caller who stayed in the room after a decline)."""
    rows = await db.scalars(
        select(CallLeg)
        .join(Call, Call.id == CallLeg.call_id)
        .where(
            Call.room_id == call.room_id,
            Call.janus_node == call.janus_node,
            CallLeg.left_at.is_(None),
        )
    )
    return list(rows)


class ActiveCallRoom(NamedTuple):
    """Where an active call's room lives, for the sweeper's health view."""

    call_id: int
    node: str
    room_id: str
    answered_at: datetime | None


async def active_call_nodes(db: AsyncSession) -> list[ActiveCallRoom]:
    """Node and room of every active call, for the sweeper."""
    rows = await db.execute(
        select(Call.id, Call.janus_node, Call.room_id, Call.answered_at).where(
            Call.state == CallState.ACTIVE
        )
    )
    return [ActiveCallRoom(int(row[0]), str(row[1]), str(row[2]), row[3]) for row in rows]


async def do_evaluate_call(
    db: AsyncSession,
    call_id: int,
    *,
    node_healthy: bool,
    grace: timedelta,
    at: datetime | None = None,
) -> None:
    """Start or end an active call according to its legs (see the module docstring)."""
    call = await db.get(Call, call_id, populate_existing=True)
    if call is None or call.state is not CallState.ACTIVE or call.answered_at is None:
        return
    legs = await _room_legs(db, call)
    at = at or now()
    verdict = media_verdict(
        MediaPicture(
            flowing=frozenset(leg.side for leg in legs if leg.receiving_mids),
            present=frozenset(leg.side for leg in legs),
            node_healthy=node_healthy,
            answered_at=call.answered_at,
            media_started_at=call.media_started_at,
            media_lost_at=call.media_lost_at,
        ),
        now=at,
        grace=grace,
        setup=timedelta(seconds=call.ring_timeout_seconds),
    )
    actor = SystemActor()
    session = await load_session_for(db, actor, call.session_id)
    if verdict.start:
        call.media_started_at = at
        await db.flush()
        participants = sorted({leg.participant_key for leg in legs if leg.receiving_mids})
        if session.status is SessionStatus.CONFIRMED:
            await do_call_started(db, session.id, participants=participants, call_id=call.id)
        else:
            await stage_call_event(
                db, "call.started", session, actor, call, participants=participants
            )
        return
    if call.media_started_at is not None and call.media_lost_at != verdict.lost_since:
        call.media_lost_at = verdict.lost_since
    if verdict.end_reason is not None:
        await end_call(db, session, call, verdict.end_reason, actor)
