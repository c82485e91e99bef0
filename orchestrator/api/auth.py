"""Employee login, logout and the current employee."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from orchestrator.actions.audit import write_entry
from orchestrator.actions.auth import do_login, do_logout
from orchestrator.actions.organisation import load_organisation
from orchestrator.api.identity import SESSION_COOKIE
from orchestrator.api.routing import Api, Call, Empty, request_audit
from orchestrator.api.schemas import EmployeeOut, LoginIn, MeOut
from orchestrator.db.models import Employee
from orchestrator.security.rate_limit import login_attempt

api = Api()


def employee_out(employee: Employee) -> EmployeeOut:
    return EmployeeOut(
        id=employee.id,
        name=employee.name,
        email=employee.email,
        role=employee.role,
        language=employee.language,
        active=employee.active,
        team_ids=sorted(t.id for t in employee.teams),
    )


async def _me(db: AsyncSession, employee: Employee, csrf_token: str) -> MeOut:
    await db.refresh(employee, ["teams"])
    org = await load_organisation(db, employee.organisation_id)
    return MeOut(
        employee=employee_out(employee),
        organisation_id=org.id,
        organisation_name=org.name,
        csrf_token=csrf_token,
    )


@api.route(
    "POST",
    "/api/auth/login",
    summary="Log in",
    tag="auth",
    auth="public",
    body=LoginIn,
    response=MeOut,
    rate_limited=False,
)
async def login(call: Call[LoginIn, Empty]) -> web.Response:
    async with login_attempt(call.request, call.body.email), call.uow.transaction() as db:
        result = await do_login(
            db, call.body.email, call.body.password, hours=call.settings.login_session_hours
        )
        audit = request_audit(
            call.request,
            organisation_id=result.employee.organisation_id,
            employee_id=result.employee.id,
            email=result.employee.email,
            action="auth.login",
        )
        write_entry(db, audit)
        me = await _me(db, result.employee, result.csrf_token)
    response = web.json_response(me.model_dump(mode="json"))
    response.set_cookie(
        SESSION_COOKIE,
        result.token,
        httponly=True,
        secure=call.settings.secure_cookies,
        samesite="Lax",
        path="/",
        max_age=call.settings.login_session_hours * 3600,
    )
    return response


@api.route("POST", "/api/auth/logout", summary="Log out", tag="auth", status=204)
async def logout(call: Call[Empty, Empty]) -> web.Response:
    token = call.identity.cookie_token
    if token:
        async with call.uow.transaction() as db:
            await do_logout(db, token)
    response = web.Response(status=204)
    response.del_cookie(SESSION_COOKIE, path="/")
    return response


@api.route(
    "GET",
    "/api/auth/me",
    summary="The logged-in employee and the CSRF token",
    tag="auth",
    response=MeOut,
)
async def me(call: Call[Empty, Empty]) -> MeOut:
    identity = call.identity.employee
    assert identity is not None
    async with call.uow.read() as db:
        employee = await db.get(Employee, identity.employee.id)
        assert employee is not None
        return await _me(db, employee, identity.csrf_token)
