"""Actions on tickets (the organisation's support cases, linkable to sessions)."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from orchestrator.actions.actors import EmployeeActor
from orchestrator.db.models import Device, Organisation, Ticket
from orchestrator.domain.errors import InvalidInput, NotFound
from orchestrator.domain.types import TicketStatus


async def load_ticket(db: AsyncSession, actor: EmployeeActor, ticket_id: int) -> Ticket:
    ticket = await db.get(Ticket, ticket_id)
    if ticket is None or ticket.organisation_id != actor.organisation_id:
        raise NotFound(f"ticket {ticket_id} not found")
    return ticket


async def _check_device(db: AsyncSession, actor: EmployeeActor, device_id: int | None) -> None:
    if device_id is None:
        return
    device = await db.get(Device, device_id)
    if device is None or device.organisation_id != actor.organisation_id:
        raise NotFound(f"device {device_id} not found", field="device_id")


async def do_create_ticket(
    db: AsyncSession,
    actor: EmployeeActor,
    *,
    title: str,
    description: str = "",
    device_id: int | None = None,
) -> Ticket:
    if not title.strip():
        raise InvalidInput("a ticket needs a title", field="title")
    await _check_device(db, actor, device_id)
    number = await db.scalar(
        update(Organisation)
        .where(Organisation.id == actor.organisation_id)
        .values(next_ticket_number=Organisation.next_ticket_number + 1)
        .returning(Organisation.next_ticket_number - 1)
    )
    ticket = Ticket(
        organisation_id=actor.organisation_id,
        number=int(number or 0),
        title=title.strip(),
        description=description.strip(),
        device_id=device_id,
        created_by_id=actor.employee_id,
        status=TicketStatus.OPEN,
    )
    db.add(ticket)
    await db.flush()
    return ticket


async def do_update_ticket(
    db: AsyncSession,
    actor: EmployeeActor,
    ticket_id: int,
    *,
    title: str | None = None,
    description: str | None = None,
    status: TicketStatus | None = None,
    device_id: int | None = None,
) -> Ticket:
    ticket = await load_ticket(db, actor, ticket_id)
    if title is not None:
        if not title.strip():
            raise InvalidInput("a ticket needs a title", field="title")
        ticket.title = title.strip()
    if description is not None:
        ticket.description = description.strip()
    if status is not None:
        ticket.status = status
    if device_id is not None:
        await _check_device(db, actor, device_id)
        ticket.device_id = device_id
    await db.flush()
    return ticket
