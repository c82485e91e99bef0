"""A session as an actor may see it, what it refers to, and the events that describe it.

Every action loads its session through `load_session_for` (no existence leak across
organisations or to code users who are not part of it) and stages its events through
`stage_event`, whose payload carries the session's audience (responsible employees,
code users) for the fan-out.
"""

from __future__ import annotations

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from orchestrator.actions.actors import AnyActor, EmployeeActor, SystemActor
from orchestrator.db.models import (
    Device,
    Employee,
    Participant,
    SessionResponsible,
    Ticket,
    VideoSession,
)
from orchestrator.domain.errors import InvalidInput, NotFound, VersionConflict
from orchestrator.domain.types import SessionStatus, Visibility
from orchestrator.events.outbox import add_event
from orchestrator.events.schemas import Event, EventType, SessionPayload, SessionRef


async def load_session_for(db: AsyncSession, actor: AnyActor, session_id: int) -> VideoSession:
    """The session if ``actor`` may see it; otherwise NotFound (no existence leak)."""
    session = await db.get(VideoSession, session_id, populate_existing=True)
    if session is None or not await can_see(db, actor, session):
        raise NotFound(f"video session {session_id} not found", data={"session_id": session_id})
    return session


async def can_see(db: AsyncSession, actor: AnyActor, session: VideoSession) -> bool:
    if isinstance(actor, SystemActor):
        return True
    if actor.organisation_id != session.organisation_id:
        return False
    if isinstance(actor, EmployeeActor):
        return True
    if session.visibility is not Visibility.PUBLIC:
        return False
    return await is_code_user_of(db, actor.code_user_id, session)


async def is_code_user_of(db: AsyncSession, code_user_id: int, session: VideoSession) -> bool:
    if session.requester_id == code_user_id:
        return True
    found = await db.scalar(
        select(
            exists().where(
                Participant.session_id == session.id, Participant.code_user_id == code_user_id
            )
        )
    )
    return bool(found)


async def responsible_ids(db: AsyncSession, session_id: int) -> list[int]:
    rows = await db.scalars(
        select(SessionResponsible.employee_id)
        .where(SessionResponsible.session_id == session_id)
        .order_by(SessionResponsible.employee_id)
    )
    return list(rows)


async def code_user_ids(db: AsyncSession, session: VideoSession) -> list[int]:
    """The requester and every code user admitted through an invite."""
    rows = await db.scalars(
        select(Participant.code_user_id).where(
            Participant.session_id == session.id, Participant.code_user_id.is_not(None)
        )
    )
    ids = {i for i in rows if i is not None}
    if session.requester_id is not None:
        ids.add(session.requester_id)
    return sorted(ids)


def check_version(session: VideoSession, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != session.version:
        raise VersionConflict(
            "the session was changed by someone else; reload it",
            data={"expected_version": expected_version, "current_version": session.version},
        )


async def load_device(db: AsyncSession, organisation_id: int, device_id: int) -> Device:
    device = await db.get(Device, device_id)
    if device is None or device.organisation_id != organisation_id:
        raise NotFound(f"device {device_id} not found", field="device_id")
    return device


async def load_ticket(db: AsyncSession, organisation_id: int, ticket_id: int) -> Ticket:
    ticket = await db.get(Ticket, ticket_id)
    if ticket is None or ticket.organisation_id != organisation_id:
        raise NotFound(f"ticket {ticket_id} not found", field="ticket_id")
    return ticket


async def check_employees(db: AsyncSession, organisation_id: int, ids: list[int]) -> set[int]:
    wanted = set(ids)
    found = set(
        await db.scalars(
            select(Employee.id).where(
                Employee.id.in_(wanted),
                Employee.organisation_id == organisation_id,
                Employee.active.is_(True),
            )
        )
    )
    missing = wanted - found
    if missing:
        raise InvalidInput(
            f"unknown employees: {', '.join(map(str, sorted(missing)))}",
            field="employee_ids",
        )
    return found


# --- events ------------------------------------------------------------------------


async def session_ref(db: AsyncSession, session: VideoSession) -> SessionRef:
    return SessionRef(
        id=session.id,
        organisation_id=session.organisation_id,
        number=session.number,
        title=session.title,
        status=session.status,
        visibility=session.visibility,
        device_id=session.device_id,
        requester_id=session.requester_id,
        responsible_ids=await responsible_ids(db, session.id),
        code_user_ids=await code_user_ids(db, session),
        version=session.version,
    )


async def stage_event(
    db: AsyncSession,
    event_type: EventType,
    session: VideoSession,
    actor: AnyActor,
    *,
    previous_status: SessionStatus | None = None,
    reason: str = "",
    changes: list[str] | None = None,
    data: dict[str, object] | None = None,
) -> Event:
    await db.flush()
    event = Event(
        type=event_type,
        payload=SessionPayload(
            session=await session_ref(db, session),
            previous_status=previous_status,
            actor=actor.as_event_actor(),
            reason=reason,
            changes=changes or [],
            data=dict(data or {}),
        ),
    )
    add_event(db, event)
    return event
