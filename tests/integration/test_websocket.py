"""The live WebSocket: a snapshot first, then numbered events for that user only."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import ClientWebSocketResponse, WSMsgType
from aiohttp.test_utils import TestClient

from tests.support.world import World, assert_problem, bearer, login, open_device


async def next_frame(socket: ClientWebSocketResponse, kind: str | None = None) -> dict[str, Any]:
    while True:
        message = await asyncio.wait_for(socket.receive(), 10)
        assert message.type is WSMsgType.TEXT, message
        frame = message.json()
        if kind is None or frame["type"] == kind:
            return frame


async def test_snapshot_then_sequenced_events(client: TestClient, world: World) -> None:
    await login(client, "employee")
    employee_ws = await client.ws_connect("/api/ws")
    snapshot = await next_frame(employee_ws)
    assert snapshot["type"] == "snapshot" and snapshot["seq"] == 0
    assert snapshot["data"]["sessions"] == []

    token, _ = await open_device(client, world.device_code)
    other, _ = await open_device(client, world.device_code)
    code_user_ws = await client.ws_connect(f"/api/ws?token={token}")
    other_ws = await client.ws_connect(f"/api/ws?token={other}")
    assert (await next_frame(code_user_ws))["type"] == "snapshot"
    assert (await next_frame(other_ws))["type"] == "snapshot"

    created = await client.post(
        "/api/code-user/sessions",
        json={"device_id": world.device_id, "reason": "help", "contact": "c"},
        headers=bearer(token),
    )
    session_id = (await created.json())["id"]
    event = await next_frame(employee_ws, "event")
    assert event["seq"] == 1 and event["event"]["type"] == "session.requested"
    assert event["event"]["payload"]["session"]["id"] == session_id
    mine = await next_frame(code_user_ws, "event")
    assert mine["seq"] == 1 and mine["event"]["payload"]["session"]["status"] == "REQUESTED"
    assert "responsible_ids" not in mine["event"]["payload"]["session"]

    csrf = await login(client, "employee")
    await client.post(f"/api/sessions/{session_id}/confirm", headers=csrf)
    confirmed = await next_frame(employee_ws, "event")
    assert confirmed["seq"] == 2 and confirmed["event"]["type"] == "session.confirmed"
    assert (await next_frame(code_user_ws, "event"))["event"]["payload"]["session"]["status"] == "CONFIRMED"

    await employee_ws.send_json({"type": "snapshot"})
    again = await next_frame(employee_ws, "snapshot")
    assert again["seq"] == 2 and [s["id"] for s in again["data"]["sessions"]] == [session_id]
    await other_ws.send_json({"type": "ping"})
    assert (await next_frame(other_ws))["type"] == "pong"  # nothing of the other's session came first
    await other_ws.send_str("not json")
    assert (await next_frame(other_ws))["code"] == "malformed_message"
    for socket in (employee_ws, code_user_ws, other_ws):
        await socket.close()


async def test_websocket_needs_an_identity(client: TestClient) -> None:
    await assert_problem(await client.get("/api/ws"), 401)
    await assert_problem(await client.get("/api/ws?token=cu_unknown"), 401)


async def test_foreign_organisation_hears_nothing(client: TestClient, world: World) -> None:
    await login(client, "foreign")
    foreign_ws = await client.ws_connect("/api/ws")
    await next_frame(foreign_ws, "snapshot")
    token, _ = await open_device(client, world.device_code)
    await client.post(
        "/api/code-user/sessions",
        json={"device_id": world.device_id, "reason": "help", "contact": "c"},
        headers=bearer(token),
    )
    await asyncio.sleep(0.5)
    await foreign_ws.send_json({"type": "ping"})
    assert (await next_frame(foreign_ws))["type"] == "pong"
    await foreign_ws.close()


async def test_invited_code_user_hears_their_session(client: TestClient, world: World) -> None:
    csrf = await login(client, "employee")
    created = await (await client.post("/api/sessions", json={"title": "invited"}, headers=csrf)).json()
    link = await (await client.post(f"/api/sessions/{created['id']}/invites", headers=csrf)).json()
    accepted = await (
        await client.post("/api/code-user/invites/accept", json={"token": link["token"]})
    ).json()
    invitee_ws = await client.ws_connect(f"/api/ws?token={accepted['token']}")
    snapshot = await next_frame(invitee_ws, "snapshot")
    assert [s["id"] for s in snapshot["data"]["sessions"]] == [created["id"]]
    await client.post(f"/api/sessions/{created['id']}/cancel", json={}, headers=csrf)
    event = await next_frame(invitee_ws, "event")
    if event["event"]["type"] == "session.updated":
        # The acceptance's own event may reach the socket after the snapshot that
        # already shows it (the snapshot's contract: later frames may repeat it).
        assert event["event"]["payload"]["session"]["status"] == "CONFIRMED"
        event = await next_frame(invitee_ws, "event")
    assert event["event"]["type"] == "session.status_changed"
    assert event["event"]["payload"]["session"]["status"] == "CANCELLED"
    await invitee_ws.close()
