"""The request and session a log line belongs to, carried in context variables.

The request-id middleware sets the request id for everything the request's task
does; the route layer adds the session id once it has parsed one. Log records pick
both up through ``ContextFilter``, so no call site has to pass them along.
"""

from __future__ import annotations

import re
import uuid
from contextvars import ContextVar
from typing import Any

from aiohttp import web

REQUEST_ID_HEADER = "X-Request-ID"
REQUEST_ID_KEY = web.RequestKey("request_id", str)

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
session_id: ContextVar[int | None] = ContextVar("session_id", default=None)

# Accept a caller's id only when it is short and plain, so it cannot forge log lines.
_SAFE_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")


def incoming_request_id(request: web.BaseRequest) -> str:
    """The caller's ``X-Request-ID`` when it is safe to log, else a fresh one."""
    sent = request.headers.get(REQUEST_ID_HEADER, "")
    return sent if _SAFE_ID.fullmatch(sent) else uuid.uuid4().hex


def bind_session(value: int | None) -> None:
    """Mark the rest of this request (or consumer task) as concerning session ``value``."""
    session_id.set(value)


@web.middleware
async def request_id_middleware(request: web.Request, handler: Any) -> web.StreamResponse:
    """Give every request an id (the caller's or a new one) and echo it in the answer."""
    rid = incoming_request_id(request)
    request[REQUEST_ID_KEY] = rid
    rid_token = request_id.set(rid)
    session_token = session_id.set(None)
    try:
        response: web.StreamResponse = await handler(request)
    except web.HTTPException as exc:
        exc.headers[REQUEST_ID_HEADER] = rid
        raise
    finally:
        request_id.reset(rid_token)
        session_id.reset(session_token)
    response.headers[REQUEST_ID_HEADER] = rid
    return response
