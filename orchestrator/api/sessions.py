"""Employee endpoints for video sessions: list, details, create and every action."""

from __future__ import annotations

from typing import Any

from orchestrator.actions import session_access, session_edits
from orchestrator.actions import sessions as actions
from orchestrator.actions.invites import do_create_invite
from orchestrator.api.qr import qr_data_url
from orchestrator.api.routing import Api, Call, Empty
from orchestrator.api.schemas import (
    CreateSessionIn,
    EmployeeIdIn,
    InviteOut,
    ReasonIn,
    SessionDetails,
    SessionListQuery,
    SessionPage,
    SetStatusIn,
    StatusChangeOut,
    TicketIdIn,
    VisibilityIn,
)
from orchestrator.queries.sessions import list_sessions, session_details, status_history

api = Api()
TAG = "sessions"
SESSION = "/api/sessions/{session_id:\\d+}"


@api.route(
    "GET",
    "/api/sessions",
    summary="List sessions (filter, search, keyset pages)",
    tag=TAG,
    query=SessionListQuery,
    response=SessionPage,
)
async def list_(call: Call[Empty, SessionListQuery]) -> SessionPage:
    async with call.uow.read() as db:
        return await list_sessions(db, call.employee, call.query)


@api.route(
    "POST",
    "/api/sessions",
    summary="Create a session (CONFIRMED)",
    tag=TAG,
    body=CreateSessionIn,
    response=SessionDetails,
    status=201,
)
async def create(call: Call[CreateSessionIn, Empty]) -> SessionDetails:
    body = call.body
    async with call.uow.transaction() as db:
        session = await actions.do_create_session(
            db,
            call.employee,
            title=body.title,
            reason=body.reason,
            device_id=body.device_id,
            ticket_id=body.ticket_id,
            visibility=body.visibility,
            responsible_ids=body.responsible_ids,
        )
        return await session_details(db, call.employee, session.id)


@api.route("GET", SESSION, summary="Session details", tag=TAG, response=SessionDetails)
async def details(call: Call[Empty, Empty]) -> SessionDetails:
    async with call.uow.read() as db:
        return await session_details(db, call.employee, call.path_id("session_id"))


async def _act(call: Call[Any, Any], action: Any, *args: Any, **kwargs: Any) -> SessionDetails:
    session_id = call.path_id("session_id")
    async with call.uow.transaction() as db:
        await action(db, call.employee, session_id, *args, **kwargs)
        return await session_details(db, call.employee, session_id)


@api.route(
    "POST",
    SESSION + "/confirm",
    summary="Confirm a requested session",
    tag=TAG,
    response=SessionDetails,
)
async def confirm(call: Call[Empty, Empty]) -> SessionDetails:
    return await _act(call, actions.do_confirm, expected_version=call.if_match())


@api.route(
    "POST",
    SESSION + "/cancel",
    summary="Cancel a session",
    tag=TAG,
    body=ReasonIn,
    response=SessionDetails,
)
async def cancel(call: Call[ReasonIn, Empty]) -> SessionDetails:
    return await _act(
        call, actions.do_cancel, expected_version=call.if_match(), reason=call.body.reason
    )


@api.route(
    "POST",
    SESSION + "/reopen",
    summary="Reopen a finished session",
    tag=TAG,
    response=SessionDetails,
)
async def reopen(call: Call[Empty, Empty]) -> SessionDetails:
    return await _act(call, actions.do_reopen, expected_version=call.if_match())


@api.route(
    "POST",
    SESSION + "/status",
    summary="Set the status by hand",
    tag=TAG,
    body=SetStatusIn,
    response=SessionDetails,
)
async def set_status(call: Call[SetStatusIn, Empty]) -> SessionDetails:
    return await _act(
        call,
        actions.do_set_status,
        call.body.status,
        expected_version=call.if_match(),
        reason=call.body.reason,
    )


@api.route(
    "PUT",
    SESSION + "/visibility",
    summary="Make a session internal or public",
    tag=TAG,
    body=VisibilityIn,
    response=SessionDetails,
)
async def visibility(call: Call[VisibilityIn, Empty]) -> SessionDetails:
    return await _act(
        call,
        session_edits.do_set_visibility,
        call.body.visibility,
        expected_version=call.if_match(),
    )


@api.route(
    "POST",
    SESSION + "/responsible",
    summary="Add a responsible employee",
    tag=TAG,
    body=EmployeeIdIn,
    response=SessionDetails,
)
async def add_responsible(call: Call[EmployeeIdIn, Empty]) -> SessionDetails:
    return await _act(
        call,
        session_edits.do_add_responsible,
        call.body.employee_id,
        expected_version=call.if_match(),
    )


@api.route(
    "DELETE",
    SESSION + "/responsible/{employee_id:\\d+}",
    summary="Remove a responsible employee",
    tag=TAG,
    response=SessionDetails,
)
async def remove_responsible(call: Call[Empty, Empty]) -> SessionDetails:
    return await _act(
        call,
        session_edits.do_remove_responsible,
        call.path_id("employee_id"),
        expected_version=call.if_match(),
    )


@api.route(
    "POST",
    SESSION + "/tickets",
    summary="Link a ticket",
    tag=TAG,
    body=TicketIdIn,
    response=SessionDetails,
)
async def link_ticket(call: Call[TicketIdIn, Empty]) -> SessionDetails:
    return await _act(call, session_edits.do_link_ticket, call.body.ticket_id)


@api.route(
    "DELETE",
    SESSION + "/tickets/{ticket_id:\\d+}",
    summary="Unlink a ticket",
    tag=TAG,
    response=SessionDetails,
)
async def unlink_ticket(call: Call[Empty, Empty]) -> SessionDetails:
    return await _act(call, session_edits.do_unlink_ticket, call.path_id("ticket_id"))


@api.route(
    "GET", SESSION + "/history", summary="Status history", tag=TAG, response=list[StatusChangeOut]
)
async def history(call: Call[Empty, Empty]) -> list[StatusChangeOut]:
    session_id = call.path_id("session_id")
    async with call.uow.read() as db:
        await session_access.load_session_for(db, call.employee, session_id)
        return await status_history(db, session_id)


@api.route(
    "POST",
    SESSION + "/invites",
    summary="Create an invite link for a code user",
    tag=TAG,
    response=InviteOut,
    status=201,
)
async def invite(call: Call[Empty, Empty]) -> InviteOut:
    async with call.uow.transaction() as db:
        created = await do_create_invite(
            db,
            call.employee,
            call.path_id("session_id"),
            valid_hours=call.settings.invite_valid_hours,
        )
    url = f"{call.settings.site_url.rstrip('/')}/i/{created.token}"
    return InviteOut(
        url=url, token=created.token, expires_at=created.expires_at, qr_data_url=qr_data_url(url)
    )
