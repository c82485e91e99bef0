"""Who is calling: an employee (session cookie) or a code user (bearer token).

Employees authenticate with an HttpOnly cookie, so every state-changing request of
theirs must also carry the CSRF token in ``X-CSRF-Token``. Code users send their
token in ``Authorization: Bearer``, which a foreign site cannot add, so they need none.
"""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from orchestrator.actions.actors import CodeUserActor
from orchestrator.actions.auth import EmployeeIdentity, code_user_by_token, employee_by_token
from orchestrator.api.keys import UOW_KEY
from orchestrator.auth.tokens import same
from orchestrator.domain.errors import CsrfFailed

SESSION_COOKIE = "fernblick_session"
CSRF_HEADER = "X-CSRF-Token"


@dataclass(frozen=True)
class Identity:
    employee: EmployeeIdentity | None = None
    code_user: CodeUserActor | None = None
    cookie_token: str | None = None


_IDENTITY = web.RequestKey("identity", Identity)


def bearer_token(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return None


async def identify(request: web.Request, *, query_token: bool = False) -> Identity:
    """Resolve the caller once per request; unknown or expired credentials mean anonymous."""
    cached: Identity | None = request.get(_IDENTITY)
    if cached is not None:
        return cached
    cookie = request.cookies.get(SESSION_COOKIE)
    token = bearer_token(request) or (request.query.get("token") if query_token else None)
    employee = code_user = None
    if cookie or token:
        async with request.app[UOW_KEY].read() as db:
            if cookie and len(cookie) < 200:
                employee = await employee_by_token(db, cookie)
            if token and len(token) < 200:
                code_user = await code_user_by_token(db, token)
    identity = Identity(employee, code_user, cookie if employee else None)
    request[_IDENTITY] = identity
    return identity


def require_csrf(request: web.Request, identity: Identity) -> None:
    """Cookie-authenticated, state-changing requests must echo the CSRF token."""
    if identity.employee is None:
        return
    sent = request.headers.get(CSRF_HEADER, "")
    if not sent or not same(sent, identity.employee.csrf_token):
        raise CsrfFailed(f"send the CSRF token from /api/auth/me in the {CSRF_HEADER} header")
