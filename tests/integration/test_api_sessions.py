"""The session lifecycle through the REST API, as code users and employees use it."""

from __future__ import annotations

import base64

from aiohttp.test_utils import TestClient

from orchestrator.actions import sessions as actions
from orchestrator.actions.unit_of_work import UnitOfWork
from orchestrator.api.qr import qr_svg
from tests.support.world import World, assert_problem, bearer, login, open_device


async def request_session(client: TestClient, world: World, token: str, **extra: object) -> dict:
    body = {
        "device_id": world.device_id,
        "reason": "The press leaks oil",
        "contact": "+49 170 1234567",
        "name": "Kim",
        "labels": ["fault"],
        "recording_consent": True,
        **extra,
    }
    response = await client.post("/api/code-user/sessions", json=body, headers=bearer(token))
    assert response.status == 201, await response.text()
    return await response.json()


async def test_request_confirm_cancel_through_the_api(client: TestClient, world: World) -> None:
    token, opened = await open_device(client, world.device_code)
    assert token.startswith("cu_") and opened["device"]["name"] == "Press P-1"
    assert opened["request_flow"]["may_request"] is True
    requested = await request_session(client, world, token)
    assert requested["status"] == "REQUESTED" and requested["recording_consent"] is True

    csrf = await login(client, "employee")
    listing = await (await client.get("/api/sessions?status=REQUESTED")).json()
    assert [s["id"] for s in listing["items"]] == [requested["id"]]
    details = await (await client.get(f"/api/sessions/{requested['id']}")).json()
    responsible = {r["name"] for r in details["responsible"]}
    assert responsible == {"Moderator", "Employee"}  # named employee + team member
    assert details["requester"]["name"] == "Kim" and details["labels"] == ["fault"]
    assert details["allowed_actions"] == ["confirm", "cancel", "set_status"]
    assert details["recording_consent_at"] is not None

    stale = await client.post(
        f"/api/sessions/{requested['id']}/confirm", headers={**csrf, "If-Match": '"7"'}
    )
    await assert_problem(stale, 409, "version_conflict")
    confirmed = await client.post(
        f"/api/sessions/{requested['id']}/confirm",
        headers={**csrf, "If-Match": f'"{details["version"]}"'},
    )
    assert confirmed.status == 200
    body = await confirmed.json()
    assert body["status"] == "CONFIRMED" and confirmed.headers["ETag"] == f'"{body["version"]}"'

    withdraw = await client.post(
        f"/api/code-user/sessions/{requested['id']}/withdraw", headers=bearer(token)
    )
    await assert_problem(withdraw, 409, "invalid_transition")
    cancelled = await client.post(
        f"/api/sessions/{requested['id']}/cancel", json={"reason": "solved by phone"}, headers=csrf
    )
    assert (await cancelled.json())["status"] == "CANCELLED"
    history = await (await client.get(f"/api/sessions/{requested['id']}/history")).json()
    assert [(h["from_status"], h["to_status"], h["actor_kind"]) for h in history] == [
        (None, "REQUESTED", "code_user"),
        ("REQUESTED", "CONFIRMED", "employee"),
        ("CONFIRMED", "CANCELLED", "employee"),
    ]
    assert history[2]["reason"] == "solved by phone" and history[2]["actor_name"] == "Employee"
    own = await (await client.get("/api/code-user/sessions", headers=bearer(token))).json()
    assert [(s["id"], s["status"]) for s in own] == [(requested["id"], "CANCELLED")]


async def test_code_user_withdraws_a_request(client: TestClient, world: World) -> None:
    token, _ = await open_device(client, world.device_code)
    requested = await request_session(client, world, token)
    response = await client.post(
        f"/api/code-user/sessions/{requested['id']}/withdraw", headers=bearer(token)
    )
    assert (await response.json())["status"] == "CANCELLED"


async def test_employee_creates_from_device_and_ticket(client: TestClient, world: World) -> None:
    csrf = await login(client, "moderator")
    from_device = await client.post("/api/sessions", json={"device_id": world.other_device_id}, headers=csrf)
    assert from_device.status == 201
    body = await from_device.json()
    assert body["status"] == "CONFIRMED" and body["device"]["name"] == "Lathe L-2"
    assert [r["name"] for r in body["responsible"]] == ["Moderator"]
    from_ticket = await client.post("/api/sessions", json={"ticket_id": world.ticket_id}, headers=csrf)
    body = await from_ticket.json()
    assert body["title"] == "Press leaks oil" and body["device"]["name"] == "Press P-1"
    assert [t["id"] for t in body["tickets"]] == [world.ticket_id]
    unlink = await client.delete(f"/api/sessions/{body['id']}/tickets/{world.ticket_id}", headers=csrf)
    assert (await unlink.json())["tickets"] == []
    relink = await client.post(f"/api/sessions/{body['id']}/tickets", json={"ticket_id": world.ticket_id}, headers=csrf)
    assert len((await relink.json())["tickets"]) == 1


async def test_reopen_rate_and_manual_status(client: TestClient, world: World, uow: UnitOfWork) -> None:
    token, _ = await open_device(client, world.device_code)
    requested = await request_session(client, world, token)
    csrf = await login(client, "employee")
    await client.post(f"/api/sessions/{requested['id']}/confirm", headers=csrf)
    async with uow.transaction() as db:
        await actions.do_call_started(db, requested["id"], participants=["code_user", "employee"])
        await actions.do_call_ended(db, requested["id"], duration_seconds=61.5)
    rated = await client.post(
        f"/api/code-user/sessions/{requested['id']}/rating", json={"stars": 5, "comment": "great"}, headers=bearer(token)
    )
    assert rated.status == 201 and (await rated.json())["rating"]["stars"] == 5
    again = await client.post(
        f"/api/code-user/sessions/{requested['id']}/rating", json={"stars": 1}, headers=bearer(token)
    )
    await assert_problem(again, 409, "already_rated")
    reopened = await client.post(f"/api/sessions/{requested['id']}/reopen", headers=csrf)
    assert (await reopened.json())["status"] == "CONFIRMED"
    manual = await client.post(f"/api/sessions/{requested['id']}/status", json={"status": "RUNNING"}, headers=csrf)
    assert (await manual.json())["status"] == "RUNNING"
    illegal = await client.post(f"/api/sessions/{requested['id']}/status", json={"status": "REQUESTED"}, headers=csrf)
    await assert_problem(illegal, 409, "invalid_transition")


async def test_responsible_and_visibility(client: TestClient, world: World) -> None:
    token, _ = await open_device(client, world.device_code)
    requested = await request_session(client, world, token)
    csrf = await login(client, "admin")
    added = await client.post(
        f"/api/sessions/{requested['id']}/responsible", json={"employee_id": world.admin.employee_id}, headers=csrf
    )
    assert "Admin" in [r["name"] for r in (await added.json())["responsible"]]
    removed = await client.delete(
        f"/api/sessions/{requested['id']}/responsible/{world.admin.employee_id}", headers=csrf
    )
    assert "Admin" not in [r["name"] for r in (await removed.json())["responsible"]]
    internal = await client.put(f"/api/sessions/{requested['id']}/visibility", json={"visibility": "internal"}, headers=csrf)
    assert (await internal.json())["visibility"] == "internal"
    hidden = await client.get(f"/api/code-user/sessions/{requested['id']}", headers=bearer(token))
    await assert_problem(hidden, 404)
    assert await (await client.get("/api/code-user/sessions", headers=bearer(token))).json() == []


async def test_invite_link_makes_the_opener_the_code_user(client: TestClient, world: World) -> None:
    csrf = await login(client, "employee")
    created = await (await client.post("/api/sessions", json={"title": "Remote help"}, headers=csrf)).json()
    invite = await client.post(f"/api/sessions/{created['id']}/invites", headers=csrf)
    assert invite.status == 201
    link = await invite.json()
    assert link["url"].endswith(f"/i/{link['token']}")
    svg = base64.b64decode(link["qr_data_url"].removeprefix("data:image/svg+xml;base64,"))
    assert svg.startswith(b"<svg") and svg == qr_svg(link["url"])
    accepted = await client.post("/api/code-user/invites/accept", json={"token": link["token"]})
    body = await accepted.json()
    assert body["session"]["id"] == created["id"] and body["token"].startswith("cu_")
    own = await (await client.get("/api/code-user/sessions", headers=bearer(body["token"]))).json()
    assert [s["id"] for s in own] == [created["id"]]
    again = await client.post("/api/code-user/invites/accept", json={"token": link["token"]}, headers=bearer(body["token"]))
    assert again.status == 200 and (await again.json())["token"] is None
    stranger = await client.post("/api/code-user/invites/accept", json={"token": link["token"]})
    await assert_problem(stranger, 409, "invite_used")
    details = await (await client.get(f"/api/sessions/{created['id']}")).json()
    assert details["requester"]["id"] == body["code_user_id"]


async def test_session_list_pages_filters_and_search(client: TestClient, world: World) -> None:
    csrf = await login(client, "employee")
    ids = []
    for i in range(23):
        response = await client.post(
            "/api/sessions",
            json={"title": f"Job {i}" + (" hydraulic" if i % 5 == 0 else ""), "device_id": world.device_id if i % 2 else None},
            headers=csrf,
        )
        ids.append((await response.json())["id"])
    seen: list[int] = []
    cursor = None
    while True:
        url = "/api/sessions?limit=10" + (f"&cursor={cursor}" if cursor else "")
        page = await (await client.get(url)).json()
        seen += [s["id"] for s in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(ids, reverse=True)
    ascending = await (await client.get("/api/sessions?limit=200&sort=number")).json()
    assert [s["id"] for s in ascending["items"]] == sorted(ids)
    hydraulic = await (await client.get("/api/sessions?q=HYDRAULIC")).json()
    assert len(hydraulic["items"]) == 5
    by_device = await (await client.get(f"/api/sessions?device_id={world.device_id}&limit=200")).json()
    assert len(by_device["items"]) == 11
    mine = await (await client.get("/api/sessions?mine=true&limit=200")).json()
    assert len(mine["items"]) == 23
    none_for_admin = await (await client.get(f"/api/sessions?responsible_id={world.admin.employee_id}")).json()
    assert none_for_admin["items"] == []
    two_statuses = await (await client.get("/api/sessions?status=REQUESTED&status=CONFIRMED&limit=1")).json()
    assert len(two_statuses["items"]) == 1 and two_statuses["next_cursor"]
    like_chars = await (await client.get("/api/sessions?q=%25_")).json()
    assert like_chars["items"] == []
