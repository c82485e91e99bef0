"""Edits of a video session that keep its status: visibility, who is responsible, linked
tickets, the receipt of a request, the code user's rating.

Each ``do_*`` function runs inside the caller's transaction (``UnitOfWork``), checks
permissions, writes with an optimistic version check where the client sent one, and
stages a ``session.updated`` event in the outbox.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from orchestrator.actions.actors import AnyActor, CodeUserActor, EmployeeActor
from orchestrator.actions.clock import now
from orchestrator.actions.session_access import (
    check_employees,
    check_version,
    load_session_for,
    load_ticket,
    responsible_ids,
    stage_event,
)
from orchestrator.db.models import (
    Rating,
    SessionRecipient,
    SessionResponsible,
    SessionTicket,
    VideoSession,
)
from orchestrator.domain.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from orchestrator.domain.types import SessionStatus, Visibility


async def _touch(
    db: AsyncSession,
    actor: AnyActor,
    session: VideoSession,
    expected_version: int | None,
    change: str,
) -> VideoSession:
    check_version(session, expected_version)
    session.updated_at = now()
    await db.flush()
    await stage_event(db, "session.updated", session, actor, changes=[change])
    return session


async def do_set_visibility(
    db: AsyncSession,
    actor: EmployeeActor,
    session_id: int,
    visibility: Visibility,
    *,
    expected_version: int | None = None,
) -> VideoSession:
    session = await load_session_for(db, actor, session_id)
    if session.visibility is visibility:
        return session
    session.visibility = visibility
    return await _touch(db, actor, session, expected_version, "visibility")


async def _may_change_responsible(
    db: AsyncSession, actor: EmployeeActor, session: VideoSession, employee_id: int
) -> None:
    if actor.is_moderator_or_admin:
        return
    if actor.employee_id in await responsible_ids(db, session.id):
        return
    raise PermissionDenied(
        "only responsible employees, moderators and administrators may change who is responsible"
    )


async def do_add_responsible(
    db: AsyncSession,
    actor: EmployeeActor,
    session_id: int,
    employee_id: int,
    *,
    expected_version: int | None = None,
) -> VideoSession:
    session = await load_session_for(db, actor, session_id)
    await _may_change_responsible(db, actor, session, employee_id)
    await check_employees(db, actor.organisation_id, [employee_id])
    if employee_id in await responsible_ids(db, session.id):
        return session
    db.add(SessionResponsible(session_id=session.id, employee_id=employee_id))
    return await _touch(db, actor, session, expected_version, "responsible")


async def do_remove_responsible(
    db: AsyncSession,
    actor: EmployeeActor,
    session_id: int,
    employee_id: int,
    *,
    expected_version: int | None = None,
) -> VideoSession:
    session = await load_session_for(db, actor, session_id)
    await _may_change_responsible(db, actor, session, employee_id)
    current = await responsible_ids(db, session.id)
    if employee_id not in current:
        raise NotFound(f"employee {employee_id} is not responsible", field="employee_id")
    await db.execute(
        delete(SessionResponsible).where(
            SessionResponsible.session_id == session.id,
            SessionResponsible.employee_id == employee_id,
        )
    )
    return await _touch(db, actor, session, expected_version, "responsible")


async def do_link_ticket(
    db: AsyncSession, actor: EmployeeActor, session_id: int, ticket_id: int
) -> VideoSession:
    session = await load_session_for(db, actor, session_id)
    ticket = await load_ticket(db, actor.organisation_id, ticket_id)
    linked = await db.scalar(
        select(
            exists().where(
                SessionTicket.session_id == session.id, SessionTicket.ticket_id == ticket.id
            )
        )
    )
    if linked:
        return session
    db.add(SessionTicket(session_id=session.id, ticket_id=ticket.id))
    return await _touch(db, actor, session, None, "tickets")


async def do_unlink_ticket(
    db: AsyncSession, actor: EmployeeActor, session_id: int, ticket_id: int
) -> VideoSession:
    session = await load_session_for(db, actor, session_id)
    result = await db.execute(
        delete(SessionTicket).where(
            SessionTicket.session_id == session.id, SessionTicket.ticket_id == ticket_id
        )
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        raise NotFound(f"ticket {ticket_id} is not linked to this session", field="ticket_id")
    return await _touch(db, actor, session, None, "tickets")


async def do_record_receipt(
    db: AsyncSession, session_id: int, employee_id: int, *, at: datetime | None = None
) -> bool:
    """Note that an employee received a request; True if this is the first receipt."""
    seen = await db.get(SessionRecipient, (session_id, employee_id))
    if seen is not None:
        return False
    db.add(
        SessionRecipient(session_id=session_id, employee_id=employee_id, received_at=at or now())
    )
    return True


async def do_rate(
    db: AsyncSession, actor: CodeUserActor, session_id: int, *, stars: int, comment: str = ""
) -> Rating:
    session = await load_session_for(db, actor, session_id)
    if session.status is not SessionStatus.DONE:
        raise Conflict("only a finished session can be rated", code="not_finished")
    if not 1 <= stars <= 5:
        raise InvalidInput("stars must be between 1 and 5", field="stars")
    existing = await db.scalar(
        select(Rating).where(
            Rating.session_id == session.id, Rating.code_user_id == actor.code_user_id
        )
    )
    if existing is not None:
        raise Conflict("you have already rated this session", code="already_rated")
    rating = Rating(
        session_id=session.id,
        code_user_id=actor.code_user_id,
        stars=stars,
        comment=comment.strip(),
        created_at=now(),
    )
    db.add(rating)
    await db.flush()
    return rating
