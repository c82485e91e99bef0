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

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from orchestrator.actions.actors import CodeUserActor, EmployeeActor
from orchestrator.actions.call_records import open_call
from orchestrator.actions.session_access import load_session_for, stage_event
from orchestrator.db.models import Call, CallMarker, utcnow
from orchestrator.domain.calls import CallState
from orchestrator.domain.errors import Conflict
from orchestrator.domain.types import SessionStatus
from orchestrator.realtime.tool_messages import MAX_MARKERS


async def do_place_marker(
    db: AsyncSession,
    actor: EmployeeActor,
    session_id: int,
    *,
    x: float,
    y: float,
    rtp_timestamp: int | None,
    patch: list[int] | None = None,
) -> str:
    """A new marker at frame point (x, y) of the frame with ``rtp_timestamp``, which shows
    ``patch`` around it (``tracker/placement.py``); its id."""
    session = await load_session_for(db, actor, session_id)
    call = await open_call(db, session.id)
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
    live = await db.scalar(
        select(func.count())
        .select_from(CallMarker)
        .where(CallMarker.call_id == call.id, CallMarker.removed_at.is_(None))
    )
    if (live or 0) >= MAX_MARKERS:
        raise Conflict(
            f"at most {MAX_MARKERS} markers at once: remove one to place another",
            code="too_many_markers",
            data={"max": MAX_MARKERS},
        )
    marker_id = uuid.uuid4().hex
    db.add(CallMarker(marker_id=marker_id, call_id=call.id, placed_at=utcnow()))
    await stage_event(
        db,
        "marker.placed",
        session,
        actor,
        data={
            "marker_id": marker_id,
            "x": x,
            "y": y,
            "rtp_timestamp": rtp_timestamp,
            "patch": patch or [],
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
