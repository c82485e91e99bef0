"""Call endpoints for both sides (``docs/calls.md``): START, accept, decline, hang-up, rejoin.

The employee routes live under ``/api/sessions/{id}/call``, the code user's under
``/api/code-user/sessions/{id}/call``; both run the same :class:`CallFlow`.
"""

from __future__ import annotations

from aiohttp import web

from orchestrator.actions.call_flow import CallFlow, CallTicket
from orchestrator.actions.calls import CallActor
from orchestrator.api.routing import Api, Auth, Call, Empty
from orchestrator.api.schemas import CallOut, CallStateOut, CallTicketOut
from orchestrator.db.models import Call as CallRow

api = Api()
TAG = "calls"
CALL_FLOW_KEY = web.AppKey("call_flow", CallFlow)

SIDES: dict[str, tuple[Auth, str]] = {
    "employee": ("employee", "/api/sessions/{session_id:\\d+}/call"),
    "code user": ("code_user", "/api/code-user/sessions/{session_id:\\d+}/call"),
}


def _actor(call: Call[Empty, Empty], auth: Auth) -> CallActor:
    return call.employee if auth == "employee" else call.code_user


def _flow(call: Call[Empty, Empty]) -> CallFlow:
    return call.request.app[CALL_FLOW_KEY]


def _with_ticket(result: CallTicket) -> CallTicketOut:
    return CallTicketOut(call=CallOut.model_validate(result.call), ticket=result.ticket)


def _state(row: CallRow) -> CallStateOut:
    return CallStateOut(call=CallOut.model_validate(row))


def _register(side: str, auth: Auth, base: str) -> None:
    """The five call routes of one side."""

    @api.route(
        "POST",
        base,
        summary=f"START a call ({side}); accepts instead if the other side rings you",
        tag=TAG,
        auth=auth,
        response=CallTicketOut,
        status=201,
        other_statuses={200: "The other side was ringing you: its call is accepted"},
    )
    async def start(call: Call[Empty, Empty]) -> web.Response | CallTicketOut:
        result = await _flow(call).start(_actor(call, auth), call.path_id("session_id"))
        if result.created:
            return _with_ticket(result)
        return web.json_response(_with_ticket(result).model_dump(mode="json"), status=200)

    @api.route(
        "POST",
        base + "/accept",
        summary=f"Accept the ringing call ({side})",
        tag=TAG,
        auth=auth,
        response=CallTicketOut,
    )
    async def accept(call: Call[Empty, Empty]) -> CallTicketOut:
        result = await _flow(call).accept(_actor(call, auth), call.path_id("session_id"))
        return _with_ticket(result)

    @api.route(
        "POST",
        base + "/decline",
        summary=f"Decline the ringing call ({side})",
        tag=TAG,
        auth=auth,
        response=CallStateOut,
    )
    async def decline(call: Call[Empty, Empty]) -> CallStateOut:
        return _state(await _flow(call).decline(_actor(call, auth), call.path_id("session_id")))

    @api.route(
        "POST",
        base + "/hangup",
        summary=f"Hang up ({side}); a RUNNING session becomes DONE",
        tag=TAG,
        auth=auth,
        response=CallStateOut,
    )
    async def hangup(call: Call[Empty, Empty]) -> CallStateOut:
        return _state(await _flow(call).hangup(_actor(call, auth), call.path_id("session_id")))

    @api.route(
        "GET",
        base,
        summary=f"The current call and a fresh join ticket ({side}; rejoin after a reload)",
        tag=TAG,
        auth=auth,
        response=CallTicketOut,
    )
    async def current(call: Call[Empty, Empty]) -> CallTicketOut:
        result = await _flow(call).current(_actor(call, auth), call.path_id("session_id"))
        return _with_ticket(result)


for _side, (_auth, _base) in SIDES.items():
    _register(_side, _auth, _base)
