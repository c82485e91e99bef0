"""Tickets: list, create, edit (linking to sessions lives with the sessions)."""

from __future__ import annotations

from sqlalchemy import select

from orchestrator.actions.tickets import do_create_ticket, do_update_ticket, load_ticket
from orchestrator.api.routing import Api, Call, Empty
from orchestrator.api.schemas import ListQuery, TicketIn, TicketOut, TicketPatch
from orchestrator.db.models import Ticket

api = Api()
TAG = "tickets"
TICKET = "/api/tickets/{ticket_id:\\d+}"


@api.route(
    "GET",
    "/api/tickets",
    summary="List tickets",
    tag=TAG,
    query=ListQuery,
    response=list[TicketOut],
)
async def list_tickets(call: Call[Empty, ListQuery]) -> list[TicketOut]:
    async with call.uow.read() as db:
        rows = await db.scalars(
            select(Ticket)
            .where(Ticket.organisation_id == call.employee.organisation_id)
            .order_by(Ticket.number.desc())
            .limit(call.query.limit)
            .offset(call.query.offset)
        )
        return [TicketOut.model_validate(t) for t in rows]


@api.route(
    "POST",
    "/api/tickets",
    summary="Create a ticket",
    tag=TAG,
    body=TicketIn,
    response=TicketOut,
    status=201,
)
async def create_ticket(call: Call[TicketIn, Empty]) -> TicketOut:
    async with call.uow.transaction() as db:
        ticket = await do_create_ticket(
            db,
            call.employee,
            title=call.body.title,
            description=call.body.description,
            device_id=call.body.device_id,
        )
        return TicketOut.model_validate(ticket)


@api.route("GET", TICKET, summary="One ticket", tag=TAG, response=TicketOut)
async def get_ticket(call: Call[Empty, Empty]) -> TicketOut:
    async with call.uow.read() as db:
        return TicketOut.model_validate(
            await load_ticket(db, call.employee, call.path_id("ticket_id"))
        )


@api.route("PATCH", TICKET, summary="Edit a ticket", tag=TAG, body=TicketPatch, response=TicketOut)
async def update_ticket(call: Call[TicketPatch, Empty]) -> TicketOut:
    body = call.body
    async with call.uow.transaction() as db:
        ticket = await do_update_ticket(
            db,
            call.employee,
            call.path_id("ticket_id"),
            title=body.title,
            description=body.description,
            status=body.status,
            device_id=body.device_id,
        )
        return TicketOut.model_validate(ticket)
