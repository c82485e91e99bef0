"""Tracking markers: the employee places one, either side removes one.

Markers live only as long as the call and are not stored: the action checks who may
act and stages ``marker.placed`` / ``marker.removed``; after commit the tracker
worker (``tracker/worker.py``) starts or stops following the marker, numbers it and
publishes its positions on the session's channel.
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from orchestrator.actions.actors import CodeUserActor, EmployeeActor
from orchestrator.actions.call_records import open_call
from orchestrator.actions.session_access import load_session_for, stage_event
from orchestrator.domain.calls import CallState
from orchestrator.domain.errors import Conflict
from orchestrator.domain.types import SessionStatus


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
    marker_id = uuid.uuid4().hex
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
    await stage_event(db, "marker.removed", session, actor, data={"marker_id": marker_id})
