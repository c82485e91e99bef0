"""Tracking markers: the employee places one, either side removes one.

Markers live only as long as the call. The action checks who may act, keeps which
markers of the call are placed and not removed (``CallMarker``, to refuse one beyond
``MAX_MARKERS`` with a problem document rather than let the worker drop it) and stages
``marker.placed`` / ``marker.removed``; after commit the tracker worker
(``tracker/worker.py``) starts or stops following the marker, numbers it and publishes
its positions on the session's channel.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from orchestrator.actions.actors import CodeUserActor, EmployeeActor
from orchestrator.actions.call_records import open_call
from orchestrator.actions.session_access import load_session_for, stage_event
from orchestrator.actions.unit_of_work import UnitOfWork
from orchestrator.db.models import Call, CallMarker, utcnow
from orchestrator.domain.calls import CallState
from orchestrator.domain.errors import Conflict, MarkerSlotTaken
from orchestrator.domain.types import SessionStatus
from orchestrator.realtime.tool_messages import MAX_MARKERS


@dataclass(frozen=True)
class MarkerSpot:
    """Where a new marker goes: frame point (x, y) of the frame with ``rtp_timestamp``,
    which shows ``patch`` around it (``tracker/placement.py``)."""

    x: float
    y: float
    rtp_timestamp: int | None
    patch: list[int] = field(default_factory=list)


async def do_place_marker(
    db: AsyncSession, actor: EmployeeActor, session_id: int, spot: MarkerSpot
) -> str:
    """A new marker at ``spot``; its id.

    The call's row is locked first, so on PostgreSQL placements in one call count the
    live markers one after the other. On SQLite two can count the same free slot; the
    slot's unique index refuses the second with ``MarkerSlotTaken``, and the caller
    places it again in a new transaction (``place_marker``).
    """
    session = await load_session_for(db, actor, session_id)
    call = await open_call(db, session.id, lock=True)
    if (
        session.status is not SessionStatus.RUNNING
        or call is None
        or (call.state is not CallState.ACTIVE)
    ):
        raise Conflict(
            "markers can only be placed in a running call",
            code="call_not_running",
            data={"status": session.status.value},
        )
    marker_id = uuid.uuid4().hex
    slot = await _free_slot(db, call.id)
    db.add(CallMarker(marker_id=marker_id, call_id=call.id, slot=slot, placed_at=utcnow()))
    try:
        await db.flush()
    except IntegrityError as exc:
        raise MarkerSlotTaken("another marker was placed at the same moment: try again") from exc
    await stage_event(
        db,
        "marker.placed",
        session,
        actor,
        data={
            "marker_id": marker_id,
            "x": spot.x,
            "y": spot.y,
            "rtp_timestamp": spot.rtp_timestamp,
            "patch": spot.patch,
        },
    )
    return marker_id


async def do_remove_marker(
    db: AsyncSession, actor: EmployeeActor | CodeUserActor, session_id: int, marker_id: str
) -> None:
    """Take a marker away (idempotent: an unknown or removed marker stays away)."""
    session = await load_session_for(db, actor, session_id)
    await db.execute(
        update(CallMarker)
        .where(
            CallMarker.marker_id == marker_id,
            CallMarker.removed_at.is_(None),
            CallMarker.call_id.in_(select(Call.id).where(Call.session_id == session.id)),
        )
        .values(removed_at=utcnow())
    )
    await stage_event(db, "marker.removed", session, actor, data={"marker_id": marker_id})


async def _free_slot(db: AsyncSession, call_id: int) -> int:
    """The lowest of the call's marker slots that no live marker holds."""
    taken = set(
        await db.scalars(
            select(CallMarker.slot).where(
                CallMarker.call_id == call_id, CallMarker.removed_at.is_(None)
            )
        )
    )
    free = [slot for slot in range(1, MAX_MARKERS + 1) if slot not in taken]
    if not free:
        raise Conflict(
            f"at most {MAX_MARKERS} markers at once: remove one to place another",
            code="too_many_markers",
            data={"max": MAX_MARKERS},
        )
    return free[0]


async def place_marker(
    uow: UnitOfWork, actor: EmployeeActor, session_id: int, spot: MarkerSpot
) -> str:
    """``do_place_marker`` in its own transaction, again while a racing placement took its
    slot: each lost race means another marker filled a slot, so a placement loses at most
    ``MAX_MARKERS`` times, and the attempt after that places it or finds the call full
    (``too_many_markers``). Giving up after ``MAX_MARKERS`` attempts answered a placement
    that had lost every slot with ``marker_slot_taken`` instead (fourteen at once, seen
    once in CI on SQLite)."""
    attempts_left = MAX_MARKERS + 1
    while True:
        try:
            async with uow.transaction() as db:
                return await do_place_marker(db, actor, session_id, spot)
        except MarkerSlotTaken:
            attempts_left -= 1
            if attempts_left == 0:
                raise
