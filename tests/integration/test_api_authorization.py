"""Each denial: code users see only their own public sessions, employees only their
organisation's, and roles guard administration."""

from __future__ import annotations

from aiohttp.test_utils import TestClient

from tests.support.world import World, assert_problem, bearer, login, open_device


async def _request(client: TestClient, world: World, token: str) -> int:
    response = await client.post(
        "/api/code-user/sessions",
        json={"device_id": world.device_id, "reason": "help", "contact": "me@example.org"},
        headers=bearer(token),
    )
    assert response.status == 201
    return int((await response.json())["id"])


async def test_code_user_sees_only_own_sessions(client: TestClient, world: World) -> None:
    alice, _ = await open_device(client, world.device_code)
    bob, _ = await open_device(client, world.device_code)
    assert alice != bob
    session_id = await _request(client, world, alice)
    await assert_problem(await client.get(f"/api/code-user/sessions/{session_id}", headers=bearer(bob)), 404)
    await assert_problem(await client.post(f"/api/code-user/sessions/{session_id}/withdraw", headers=bearer(bob)), 404)
    assert await (await client.get("/api/code-user/sessions", headers=bearer(bob))).json() == []
    # a code user cannot use employee endpoints
    await assert_problem(await client.get(f"/api/sessions/{session_id}", headers=bearer(alice)), 401)
    # the same token on another organisation's device gives a new identity there
    foreign_token, _ = await open_device(client, world.foreign_device_code, alice)
    assert foreign_token != alice
    await assert_problem(
        await client.get(f"/api/code-user/sessions/{session_id}", headers=bearer(foreign_token)), 404
    )


async def test_employee_sees_only_own_organisation(client: TestClient, world: World) -> None:
    alice, _ = await open_device(client, world.device_code)
    session_id = await _request(client, world, alice)
    csrf = await login(client, "foreign")
    await assert_problem(await client.get(f"/api/sessions/{session_id}"), 404)
    await assert_problem(await client.post(f"/api/sessions/{session_id}/confirm", headers=csrf), 404)
    assert (await (await client.get("/api/sessions")).json())["items"] == []
    await assert_problem(await client.get(f"/api/devices/{world.device_id}"), 404)
    await assert_problem(await client.get(f"/api/tickets/{world.ticket_id}"), 404)
    await assert_problem(
        await client.post("/api/sessions", json={"device_id": world.device_id}, headers=csrf), 404
    )
    await assert_problem(
        await client.post(f"/api/sessions/{session_id}/responsible", json={"employee_id": world.admin.employee_id}, headers=csrf), 404
    )
    own = await (await client.get("/api/employees")).json()
    assert [e["email"] for e in own] == ["foreign@example.net"]


async def test_roles_guard_administration(client: TestClient, world: World) -> None:
    csrf = await login(client, "employee")
    await assert_problem(await client.post("/api/devices", json={"name": "X"}, headers=csrf), 403, "permission_denied")
    await assert_problem(await client.patch("/api/organisation", json={"name": "X"}, headers=csrf), 403)
    await assert_problem(
        await client.post("/api/employees", json={"name": "X", "email": "x@example.org", "password": "longenough"}, headers=csrf), 403
    )
    await assert_problem(
        await client.patch(f"/api/employees/{world.admin.employee_id}", json={"role": "employee"}, headers=csrf), 403
    )
    own = await client.patch(f"/api/employees/{world.employee.employee_id}", json={"language": "en"}, headers=csrf)
    assert (await own.json())["language"] == "en"
    await assert_problem(await client.post("/api/teams", json={"name": "T"}, headers=csrf), 403)
    created = await (await client.post("/api/sessions", json={"title": "mine"}, headers=csrf)).json()
    moderator_added = await client.post(
        f"/api/sessions/{created['id']}/responsible", json={"employee_id": world.moderator.employee_id}, headers=csrf
    )
    assert moderator_added.status == 200  # responsible employees may add others
    csrf = await login(client, "admin")
    assert (await client.post("/api/devices", json={"name": "Mixer"}, headers=csrf)).status == 201
    await assert_problem(
        await client.patch(f"/api/employees/{world.admin.employee_id}", json={"active": False}, headers=csrf), 409, "self_lockout"
    )


async def test_plain_employee_cannot_change_responsibility_of_foreign_session(client: TestClient, world: World) -> None:
    csrf = await login(client, "admin")
    created = await (await client.post("/api/sessions", json={"title": "admin's"}, headers=csrf)).json()
    csrf = await login(client, "employee")
    denied = await client.post(
        f"/api/sessions/{created['id']}/responsible", json={"employee_id": world.employee.employee_id}, headers=csrf
    )
    await assert_problem(denied, 403)
    csrf = await login(client, "moderator")
    allowed = await client.post(
        f"/api/sessions/{created['id']}/responsible", json={"employee_id": world.moderator.employee_id}, headers=csrf
    )
    assert allowed.status == 200  # moderators add themselves
