"""The audit log of employee actions: written with the action (and only when it
commits), secrets redacted, read by administrators page by page."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient
from sqlalchemy import func, select

from orchestrator.actions.unit_of_work import UnitOfWork
from orchestrator.db.models import AuditEntry
from tests.support.world import EMAILS, World, assert_problem, bearer, login, open_device


async def requested_session(client: TestClient[Any, Any], world: World) -> int:
    token, _ = await open_device(client, world.device_code)
    body = {"device_id": world.device_id, "reason": "Leak", "contact": "+49 170 2"}
    response = await client.post("/api/code-user/sessions", json=body, headers=bearer(token))
    assert response.status == 201, await response.text()
    return int((await response.json())["id"])


async def entries(
    client: TestClient[Any, Any], csrf: dict[str, str], query: str = ""
) -> list[dict[str, Any]]:
    response = await client.get(f"/api/audit-log{query}", headers=csrf)
    assert response.status == 200, await response.text()
    return list(await response.json())


async def count(uow: UnitOfWork) -> int:
    async with uow.read() as db:
        return int(await db.scalar(select(func.count()).select_from(AuditEntry)) or 0)


async def test_an_action_is_recorded_once_with_who_what_where(
    client: TestClient[Any, Any], world: World, uow: UnitOfWork
) -> None:
    session_id = await requested_session(client, world)
    assert await count(uow) == 0, "code users' actions are not employee actions"
    csrf = await login(client, "moderator")
    confirmed = await client.post(
        f"/api/sessions/{session_id}/confirm", headers={**csrf, "X-Request-ID": "ticket-81"}
    )
    assert confirmed.status == 200
    # The second confirm is refused (409): no entry, because nothing changed.
    await assert_problem(
        await client.post(f"/api/sessions/{session_id}/confirm", headers=csrf), 409
    )

    admin = await login(client, "admin")
    found = await entries(client, admin)
    assert [e["action"] for e in found] == ["auth.login", "sessions.confirm", "auth.login"]
    confirm = found[1]
    assert confirm["employee_id"] == world.moderator.employee_id
    assert confirm["employee_email"] == EMAILS["moderator"]
    assert confirm["session_id"] == session_id
    assert confirm["method"] == "POST" and confirm["path"] == f"/api/sessions/{session_id}/confirm"
    assert confirm["request_id"] == "ticket-81"
    assert confirm["client_address"] == "127.0.0.1"
    assert found[2]["employee_id"] == world.moderator.employee_id  # the moderator's login


async def test_refused_actions_and_failed_logins_leave_no_entry(
    client: TestClient[Any, Any], world: World, uow: UnitOfWork
) -> None:
    wrong = await client.post(
        "/api/auth/login", json={"email": EMAILS["employee"], "password": "not it"}
    )
    await assert_problem(wrong, 401)
    csrf = await login(client, "employee")
    refused = await client.patch("/api/organisation", json={"name": "Mine now"}, headers=csrf)
    await assert_problem(refused, 403)
    assert await count(uow) == 1  # the successful login only
    await assert_problem(await client.get("/api/audit-log", headers=csrf), 403)


async def test_new_devices_are_named_and_passwords_redacted(
    client: TestClient[Any, Any], world: World
) -> None:
    csrf = await login(client, "admin")
    device = await client.post("/api/devices", json={"name": "Lathe 7"}, headers=csrf)
    assert device.status == 201, await device.text()
    device_id = (await device.json())["id"]
    employee = await client.post(
        "/api/employees",
        json={"name": "New", "email": "new@example.org", "password": "sekret-password-1"},
        headers=csrf,
    )
    assert employee.status == 201, await employee.text()
    created_device, created_employee = (await entries(client, csrf))[1::-1]
    assert created_device["action"] == "devices.create_device"
    assert created_device["device_id"] == device_id
    assert created_device["details"] == {"name": "Lathe 7"}
    assert created_employee["details"]["password"] == "[redacted]"
    assert created_employee["details"]["email"] == "new@example.org"
    assert "sekret" not in str(created_employee)


async def test_pages_filters_and_organisations(client: TestClient[Any, Any], world: World) -> None:
    session_ids = [await requested_session(client, world) for _ in range(3)]
    csrf = await login(client, "admin")
    for session_id in session_ids:
        assert (
            await client.post(f"/api/sessions/{session_id}/confirm", headers=csrf)
        ).status == 200
    newest = await entries(client, csrf, "?limit=2")
    assert [e["session_id"] for e in newest] == session_ids[:0:-1]
    older = await entries(client, csrf, f"?limit=2&before_id={newest[-1]['id']}")
    assert [e["session_id"] for e in older] == [session_ids[0], None]
    assert [e["id"] for e in await entries(client, csrf, "?limit=2&offset=2")] == [
        e["id"] for e in older
    ]
    one = await entries(client, csrf, f"?session_id={session_ids[1]}")
    assert [e["action"] for e in one] == ["sessions.confirm"]
    await assert_problem(await client.get("/api/audit-log?limit=0", headers=csrf), 422)
    # Another organisation's administrator sees none of it.
    await client.post("/api/auth/logout", headers=csrf)
    foreign = await login(client, "foreign")
    assert [e["action"] for e in await entries(client, foreign)] == ["auth.login"]
