"""In-call tools over the live WebSocket, with a real call (real Janus room): only the
call's participants join; tool frames reach the others stamped with the sender; a
flood, a malformed or an oversized frame costs its sender an error frame and nobody
else anything; the end of the call closes the tools; two orchestrator instances
relay through the real Redis."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient

from orchestrator.app import create_app
from orchestrator.settings import Settings
from tests.support.calls import (
    CallEnv,
    CallEnvFactory,
    call_env_fixture,  # noqa: F401
)
from tests.support.janus_server import janus_factory_fixture  # noqa: F401
from tests.support.world import login, open_device

pytestmark = pytest.mark.janus

BURST = 20


@pytest.fixture(name="settings")
def tool_settings(settings: Settings) -> Settings:
    """A small burst and rate, so that a flood is quick to make."""
    return settings.model_copy(
        update={"call_tool_burst": BURST, "call_tool_messages_per_second": 2.0}
    )


async def frame_of(socket: aiohttp.ClientWebSocketResponse, *kinds: str) -> dict[str, Any]:
    """The next frame of one of ``kinds``, skipping live events and snapshots."""
    async with asyncio.timeout(20):
        while True:
            frame: dict[str, Any] = await socket.receive_json()
            if frame["type"] in kinds:
                return frame
            assert frame["type"] in ("snapshot", "event"), frame


def stroke(stroke_id: str, *points: tuple[float, float], done: bool = False) -> dict[str, Any]:
    return {
        "kind": "stroke",
        "stroke_id": stroke_id,
        "points": [list(p) for p in points],
        "done": done,
    }


def tool(session_id: int, body: dict[str, Any]) -> dict[str, Any]:
    return {"type": "call.tool", "session_id": session_id, "tool": body}


async def active_call(env: CallEnv) -> None:
    started = await env.employee("POST")
    assert started.status == 201, await started.text()
    accepted = await env.code_user("POST", "/accept")
    assert accepted.status == 200, await accepted.text()


async def joined(
    client: TestClient, session_id: int, token: str | None = None
) -> tuple[aiohttp.ClientWebSocketResponse, dict[str, Any]]:
    socket = await client.ws_connect("/api/ws" + (f"?token={token}" if token else ""))
    await socket.send_json({"type": "call.join", "session_id": session_id})
    return socket, await frame_of(socket, "call.joined", "error")


async def test_participants_draw_to_each_other(call_env: CallEnvFactory) -> None:
    env = await call_env()
    await active_call(env)
    code_user_ws, mine = await joined(env.client, env.session_id, env.code_user_token)
    employee_ws, theirs = await joined(env.client, env.session_id)
    assert mine["sender"]["role"] == "code_user" and mine["boards"] == []
    assert theirs["sender"] == {
        "role": "employee",
        "key": f"employee:{env.world.employee.employee_id}",
    }

    await code_user_ws.send_json(tool(env.session_id, stroke("s1", (0.25, 0.5), (0.3, 0.52))))
    relayed = await frame_of(employee_ws, "call.tool")
    assert relayed["sender"] == mine["sender"]
    assert relayed["tool"]["points"] == [[0.25, 0.5], [0.3, 0.52]]
    assert relayed["tool"]["stroke_id"] == "s1" and relayed["tool"]["done"] is False

    await employee_ws.send_json(tool(env.session_id, stroke("e1", (0.9, 0.1), done=True)))
    back = await frame_of(code_user_ws, "call.tool")
    assert back["sender"]["role"] == "employee" and back["tool"]["done"] is True
    # the sender hears no echo of its own frame: a ping is answered first
    await employee_ws.send_json({"type": "ping"})
    assert (await employee_ws.receive_json(timeout=10))["type"] == "pong"

    hung_up = await env.code_user("POST", "/hangup")
    assert hung_up.status == 200
    for socket in (code_user_ws, employee_ws):
        closed = await frame_of(socket, "call.closed")
        assert closed == {
            "type": "call.closed",
            "session_id": env.session_id,
            "reason": "call.ended",
        }
    await code_user_ws.send_json(tool(env.session_id, stroke("s2", (0.1, 0.1))))
    assert (await frame_of(code_user_ws, "error"))["code"] == "not_joined"
    for socket in (code_user_ws, employee_ws):
        await socket.close()


async def test_only_the_calls_participants_join(call_env: CallEnvFactory) -> None:
    env = await call_env()
    stranger, _ = await open_device(env.client, env.world.device_code)  # same device, other person
    early, too_early = await joined(env.client, env.session_id, env.code_user_token)
    assert too_early["code"] == "no_active_call"  # nothing rings yet

    await active_call(env)
    outsider, refused = await joined(env.client, env.session_id, stranger)
    assert refused["type"] == "error" and refused["status"] == 404
    await login(env.client, "moderator")  # same organisation, but not in the call
    moderator, not_in_call = await joined(env.client, env.session_id)
    assert not_in_call["code"] == "not_in_call" and not_in_call["status"] == 403
    await outsider.send_json(tool(env.session_id, stroke("x", (0.5, 0.5))))
    assert (await frame_of(outsider, "error"))["code"] == "not_joined"
    for socket in (early, outsider, moderator):
        await socket.close()


async def test_bad_frames_cost_only_their_sender(call_env: CallEnvFactory) -> None:
    env = await call_env()
    await active_call(env)
    code_user_ws, _ = await joined(env.client, env.session_id, env.code_user_token)
    employee_ws, _ = await joined(env.client, env.session_id)

    await code_user_ws.send_json(tool(env.session_id, {"kind": "stroke", "stroke_id": "s"}))
    malformed = await frame_of(code_user_ws, "error")
    assert malformed["code"] == "malformed_message" and malformed["field"] == "tool.stroke.points"
    await code_user_ws.send_json(tool(env.session_id, stroke("s", (float("nan"), 0.5))))
    assert (await frame_of(code_user_ws, "error"))["code"] == "malformed_message"
    await code_user_ws.send_json(
        {"type": "call.tool", "session_id": env.session_id, "tool": "x" * 20_000}
    )
    oversized = await frame_of(code_user_ws, "error")
    assert oversized["code"] == "message_too_large" and oversized["status"] == 413

    # a flood: the burst minus the three frames above passes, the rest is refused
    for n in range(60):
        await code_user_ws.send_json(tool(env.session_id, stroke(f"f{n}", (0.5, 0.5))))
    answers = [await frame_of(code_user_ws, "error") for _ in range(60 - (BURST - 3))]
    assert {a["code"] for a in answers} == {"rate_limited"} and answers[0]["status"] == 429
    received = [await frame_of(employee_ws, "call.tool") for _ in range(BURST - 3)]
    assert [f["tool"]["stroke_id"] for f in received] == [f"f{n}" for n in range(BURST - 3)]

    # the other side heard nothing else, and both sockets still work
    await employee_ws.send_json(tool(env.session_id, stroke("e", (0.1, 0.9))))
    assert (await frame_of(code_user_ws, "call.tool"))["tool"]["stroke_id"] == "e"
    await employee_ws.send_json({"type": "ping"})
    assert (await employee_ws.receive_json(timeout=10))["type"] == "pong"
    for socket in (code_user_ws, employee_ws):
        await socket.close()


@pytest.mark.redis
async def test_two_instances_relay_through_redis(
    call_env: CallEnvFactory, aiohttp_client: Any
) -> None:
    env = await call_env()
    await active_call(env)
    shared = env.settings.model_copy(
        update={
            "redis_url": "redis://127.0.0.1:6379/0",
            # a private fan-out per test run, so parallel runs do not hear each other
            "redis_channel_prefix": f"fernblick-test-{uuid.uuid4().hex[:8]}",
        }
    )
    one = await aiohttp_client(create_app(shared.model_copy(update={"instance_name": "one"})))
    two = await aiohttp_client(create_app(shared.model_copy(update={"instance_name": "two"})))
    await login(two, "employee")
    code_user_ws, _ = await joined(one, env.session_id, env.code_user_token)
    employee_ws, me = await joined(two, env.session_id)
    assert me["type"] == "call.joined"

    await code_user_ws.send_json(tool(env.session_id, stroke("a", (0.2, 0.4))))
    assert (await frame_of(employee_ws, "call.tool"))["tool"]["points"] == [[0.2, 0.4]]
    await employee_ws.send_json(tool(env.session_id, stroke("b", (0.6, 0.7), done=True)))
    assert (await frame_of(code_user_ws, "call.tool"))["sender"]["role"] == "employee"
    await employee_ws.send_str(json.dumps({"type": "call.leave", "session_id": env.session_id}))
    await code_user_ws.send_json(tool(env.session_id, stroke("c", (0.2, 0.4))))
    await employee_ws.send_json({"type": "ping"})
    assert (await frame_of(employee_ws, "call.tool", "pong"))["type"] == "pong"
    for socket in (code_user_ws, employee_ws):
        await socket.close()
