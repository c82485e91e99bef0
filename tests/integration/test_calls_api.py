"""Calls over the REST API with real Janus rooms: START, accept, decline, hang-up, who may join."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp
import pytest
from sqlalchemy import select

from orchestrator.app import create_app
from orchestrator.db.models import Participant, VideoSession
from orchestrator.domain.types import ParticipantKind
from orchestrator.janus.admin import VIDEOROOM_PLUGIN
from orchestrator.janus.client import JanusClient
from orchestrator.janus.videoroom import VideoRoom
from orchestrator.settings import JanusNode, Settings
from tests.support.calls import (
    EVENT_AUTH,
    CallEnv,
    CallEnvFactory,
    call_env_fixture,  # noqa: F401
    confirmed_session,
)
from tests.support.events import wait_until
from tests.support.janus_server import (
    TEST_SECRETS,
    JanusFactory,
    RunningJanus,
    janus_factory_fixture,  # noqa: F401
)
from tests.support.ports import free_port
from tests.support.world import World, assert_problem, bearer, login, open_device

pytestmark = pytest.mark.janus


async def room_exists(node: RunningJanus, room_id: str, http: aiohttp.ClientSession) -> bool:
    """Ask the node itself, with the orchestrator's credentials."""
    client = JanusClient(node.url, http=http, api_secret=TEST_SECRETS.api_secret)
    session = await client.create_session()
    try:
        handle = await session.attach(VIDEOROOM_PLUGIN)
        return await VideoRoom(handle, TEST_SECRETS.videoroom_admin_key).exists(room_id)
    finally:
        await session.destroy()


async def started(env: CallEnv, by: str = "employee") -> dict[str, Any]:
    response = await (env.employee if by == "employee" else env.code_user)("POST")
    assert response.status == 201, await response.text()
    body: dict[str, Any] = await response.json()
    return body


async def test_start_accept_and_hang_up(call_env: CallEnvFactory) -> None:
    env = await call_env()
    body = await started(env)
    call, ticket = body["call"], body["ticket"]
    assert call["state"] == "ringing" and call["started_by"] == "employee"
    assert call["caller_name"] == "Employee" and call["ring_timeout_seconds"] == 30
    assert ticket["display"] == f"employee:{env.world.employee.employee_id}"
    assert ticket["janus_url"] == env.nodes[0].public_url
    assert await room_exists(env.nodes[0], ticket["room_id"], env.http)

    ringing_for_me = await (await env.code_user("GET")).json()
    assert ringing_for_me["call"]["id"] == call["id"] and ringing_for_me["ticket"] is None

    accepted = await env.code_user("POST", "/accept")
    assert accepted.status == 200, await accepted.text()
    answer = await accepted.json()
    assert answer["call"]["state"] == "active" and answer["call"]["answered_at"]
    assert answer["ticket"]["room_id"] == ticket["room_id"]
    assert answer["ticket"]["display"].startswith("code_user:")
    await env.join(answer["ticket"])  # the ticket really opens the room

    hung_up = await env.code_user("POST", "/hangup")
    assert (await hung_up.json())["call"]["end_reason"] == "hangup"
    assert await env.status() == "CONFIRMED"  # no media flowed from the employee
    events = await env.events()
    assert [e["type"] for e in events] == ["call.ringing", "call.accepted", "call.ended"]
    assert events[0]["data"] == {
        "call_id": call["id"],
        "from": "employee",
        "caller_name": "Employee",
        "ring_timeout_seconds": 30,
    }
    assert events[2]["data"]["reason"] == "hangup"
    await assert_problem(await env.employee("GET"), 404, "no_active_call")


async def test_start_while_the_other_side_rings_accepts_that_call(
    call_env: CallEnvFactory,
) -> None:
    env = await call_env()
    first = await started(env, by="code_user")
    assert first["call"]["started_by"] == "code_user"

    response = await env.employee("POST")
    assert response.status == 200, await response.text()
    body = await response.json()
    assert body["call"]["id"] == first["call"]["id"] and body["call"]["state"] == "active"
    assert body["ticket"]["display"] == f"employee:{env.world.employee.employee_id}"


async def test_decline_then_a_new_call(call_env: CallEnvFactory) -> None:
    env = await call_env()
    first = await started(env)
    await assert_problem(await env.employee("POST"), 409, "call_in_progress")
    await assert_problem(await env.employee("POST", "/accept"), 409, "not_ringing")

    declined = await env.code_user("POST", "/decline")
    assert (await declined.json())["call"]["end_reason"] == "declined"
    await assert_problem(await env.code_user("POST", "/hangup"), 404, "no_active_call")

    second = await started(env, by="code_user")
    assert second["call"]["id"] != first["call"]["id"]
    assert second["ticket"]["room_id"] == first["ticket"]["room_id"]  # one room per session
    assert [e["type"] for e in await env.events()] == [
        "call.ringing",
        "call.declined",
        "call.ringing",
    ]


async def test_join_tickets_only_for_the_sessions_participants(
    call_env: CallEnvFactory, world: World
) -> None:
    env = await call_env()
    await started(env)
    client = env.client
    stranger_token, _ = await open_device(client, world.device_code)  # a new code user
    for method in ("GET", "POST"):
        response = await client.request(method, env.code_user_url(), headers=bearer(stranger_token))
        await assert_problem(response, 404)
    foreign_token, _ = await open_device(client, world.foreign_device_code)
    await assert_problem(await client.get(env.code_user_url(), headers=bearer(foreign_token)), 404)

    jar = aiohttp.CookieJar(unsafe=True)
    async with aiohttp.ClientSession(str(client.make_url("/")), cookie_jar=jar) as foreign:
        csrf = await login(foreign, "foreign")  # type: ignore[arg-type]
        for method in ("GET", "POST"):
            response = await foreign.request(method, env.employee_url(), headers=csrf)
            await assert_problem(response, 404)


async def test_no_tickets_for_sessions_that_cannot_be_called(
    call_env: CallEnvFactory, world: World
) -> None:
    env = await call_env()
    client = env.client
    token, _ = await open_device(client, world.device_code)
    requested = await client.post(
        "/api/code-user/sessions",
        json={"device_id": world.device_id, "reason": "noise", "contact": "kim@example.org"},
        headers=bearer(token),
    )
    session_id = (await requested.json())["id"]
    start = await client.post(f"/api/sessions/{session_id}/call", headers=env.csrf)
    await assert_problem(start, 409, "not_callable")
    start = await client.post(f"/api/code-user/sessions/{session_id}/call", headers=bearer(token))
    await assert_problem(start, 409, "not_callable")

    await started(env)
    cancelled = await client.post(
        f"/api/sessions/{env.session_id}/cancel", json={"reason": "no"}, headers=env.csrf
    )
    assert cancelled.status == 200
    await assert_problem(await env.code_user("POST"), 409, "not_callable")
    await assert_problem(await env.employee("GET"), 404, "no_active_call")
    ended = (await env.events())[-1]
    assert ended["type"] == "call.ended" and ended["data"]["reason"] == "cancelled"


async def test_a_join_ticket_carries_no_server_secret(call_env: CallEnvFactory) -> None:
    env = await call_env()
    texts = [await (await env.employee("POST")).text()]
    texts.append(await (await env.code_user("POST", "/accept")).text())
    texts.append(await (await env.employee("GET")).text())
    async with env.uow.read() as db:
        session = await db.get(VideoSession, env.session_id)
        assert session is not None and session.room_secret
        room_secret = session.room_secret
    for text in texts:
        assert json.loads(text)["ticket"]["token"]
        for secret in (
            TEST_SECRETS.api_secret,
            TEST_SECRETS.admin_secret,
            TEST_SECRETS.videoroom_admin_key,
            room_secret,
            EVENT_AUTH[1],
            env.nodes[0].admin_url,
        ):
            assert secret not in text


async def test_an_unanswered_call_is_missed(call_env: CallEnvFactory) -> None:
    env = await call_env(ring=1.0)
    call = (await started(env))["call"]
    assert call["ring_timeout_seconds"] == 1

    async def missed() -> bool:
        return [e["type"] for e in await env.events()] == ["call.ringing", "call.missed"]

    await wait_until(missed, "call.missed", within=20)
    await assert_problem(await env.code_user("POST", "/accept"), 409, "not_ringing")
    assert (await env.events())[-1]["data"] == {
        "call_id": call["id"],
        "reason": "missed",
        "from": "employee",
    }


async def test_a_finished_session_loses_its_room(call_env: CallEnvFactory) -> None:
    env = await call_env()
    room_id = (await started(env))["ticket"]["room_id"]
    cancelled = await env.client.post(
        f"/api/sessions/{env.session_id}/cancel", json={"reason": "solved"}, headers=env.csrf
    )
    assert cancelled.status == 200

    async def destroyed() -> bool:
        return not await room_exists(env.nodes[0], room_id, env.http)

    await wait_until(destroyed, "the room destroyed", within=20)


async def test_calls_answer_503_without_a_healthy_janus(
    aiohttp_client: Any, settings: Settings, world: World
) -> None:
    port = free_port()  # nothing listens there
    down = JanusNode(
        name="janus-down",
        url=f"http://127.0.0.1:{port}/janus",
        admin_url=f"http://127.0.0.1:{port}/admin",
        public_url=f"ws://127.0.0.1:{port}/",
    )
    client = await aiohttp_client(create_app(settings.model_copy(update={"janus_nodes": [down]})))
    csrf, _token, session_id = await confirmed_session(client, world)
    response = await client.post(f"/api/sessions/{session_id}/call", headers=csrf)
    await assert_problem(response, 503, "service_unavailable")


async def test_janus_events_need_the_event_credentials(call_env: CallEnvFactory) -> None:
    env = await call_env()
    for headers in ({}, {"Authorization": aiohttp.encode_basic_auth(EVENT_AUTH[0], "wrong")}):
        response = await env.client.post("/janus/events", json=[], headers=headers)
        await assert_problem(response, 401)
    good = {"Authorization": aiohttp.encode_basic_auth(*EVENT_AUTH)}
    accepted = await env.client.post("/janus/events", json=[], headers=good)
    assert accepted.status == 200


async def next_event(socket: aiohttp.ClientWebSocketResponse, event_type: str) -> dict[str, Any]:
    async with asyncio.timeout(20):
        while True:
            frame = await socket.receive_json()
            if frame["type"] == "event" and frame["event"]["type"] == event_type:
                event: dict[str, Any] = frame["event"]
                return event


async def test_both_sides_hear_the_call_on_their_websocket(call_env: CallEnvFactory) -> None:
    env = await call_env()
    code_user_ws = await env.client.ws_connect(f"/api/ws?token={env.code_user_token}")
    employee_ws = await env.client.ws_connect("/api/ws")
    for socket in (code_user_ws, employee_ws):  # the snapshot says we are registered
        assert (await socket.receive_json(timeout=20))["type"] == "snapshot"
    call_id = (await started(env))["call"]["id"]

    ringing = await next_event(code_user_ws, "call.ringing")
    assert ringing["payload"]["data"] == {
        "call_id": call_id,
        "from": "employee",
        "caller_name": "Employee",
        "ring_timeout_seconds": 30,
    }
    assert ringing["payload"]["session"]["status"] == "CONFIRMED"
    assert "responsible_ids" not in ringing["payload"]["session"]
    await env.code_user("POST", "/accept")
    accepted = await next_event(employee_ws, "call.accepted")
    assert accepted["payload"]["data"]["call_id"] == call_id
    await code_user_ws.close()
    await employee_ws.close()


async def test_employees_who_join_become_participants(call_env: CallEnvFactory) -> None:
    env = await call_env()
    await started(env)
    async with env.uow.read() as db:
        employees = await db.scalars(
            select(Participant.employee_id).where(
                Participant.session_id == env.session_id,
                Participant.kind == ParticipantKind.EMPLOYEE,
            )
        )
        assert list(employees) == [env.world.employee.employee_id]


async def test_both_sides_pressing_start_at_once_make_one_call(call_env: CallEnvFactory) -> None:
    env = await call_env()
    responses = await asyncio.gather(env.employee("POST"), env.code_user("POST"))
    assert sorted(r.status for r in responses) == [200, 201]
    bodies = [await r.json() for r in responses]
    assert bodies[0]["call"]["id"] == bodies[1]["call"]["id"]
    assert {b["call"]["state"] for b in bodies} <= {"ringing", "active"}
    current = await (await env.employee("GET")).json()
    assert current["call"]["state"] == "active"


async def test_a_restarted_node_lost_the_room_so_start_opens_a_new_one(
    call_env: CallEnvFactory, janus_factory: JanusFactory
) -> None:
    env = await call_env()
    first = await started(env)
    await env.code_user("POST", "/decline")
    janus_factory.restart(env.nodes[0])  # a fresh Janus: no rooms, no tokens

    async def start_again() -> bool:
        response = await env.employee("POST")
        if response.status == 503:  # the pool has not seen the node come back yet
            return False
        assert response.status == 201, await response.text()
        second = await response.json()
        assert second["ticket"]["room_id"] != first["ticket"]["room_id"]
        assert await room_exists(env.nodes[0], second["ticket"]["room_id"], env.http)
        return True

    await wait_until(start_again, "a START on the restarted node", within=20)
