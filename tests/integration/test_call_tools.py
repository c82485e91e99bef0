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
import cv2
import numpy as np
import pytest
from aiohttp.test_utils import TestClient
from redis.asyncio import Redis
from sqlalchemy import select

from orchestrator.app import create_app
from orchestrator.db.models import Artifact
from orchestrator.domain.types import ArtifactState
from orchestrator.settings import Settings
from tests.support.calls import (
    CallEnv,
    CallEnvFactory,
    call_env_fixture,  # noqa: F401
)
from tests.support.events import wait_until
from tests.support.janus_server import janus_factory_fixture  # noqa: F401
from tests.support.world import assert_problem, bearer, login, open_device, table_counts

pytestmark = pytest.mark.janus

BURST = 20
REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture(name="settings")
def tool_settings(settings: Settings) -> Settings:
    """A small burst and rate, so that a flood is quick to make."""
    return settings.model_copy(
        update={"call_tool_burst": BURST, "call_tool_messages_per_second": 2.0}
    )


async def frame_of(socket: aiohttp.ClientWebSocketResponse, *kinds: str) -> dict[str, Any]:
    """The next frame of one of ``kinds``, skipping live events, snapshots and in-app
    notifications (the notifier delivers the session's request notice whenever it gets
    to it, which can be in the middle of the call)."""
    async with asyncio.timeout(20):
        while True:
            frame: dict[str, Any] = await socket.receive_json()
            if frame["type"] in kinds:
                return frame
            assert frame["type"] in ("snapshot", "event", "notification"), frame


def stroke(stroke_id: str, *points: tuple[float, float], done: bool = False) -> dict[str, Any]:
    return {
        "kind": "stroke",
        "stroke_id": stroke_id,
        "points": [list(p) for p in points],
        "done": done,
    }


def tool(session_id: int, body: dict[str, Any]) -> dict[str, Any]:
    return {"type": "call.tool", "session_id": session_id, "tool": body}


def on_redis(settings: Settings) -> Settings:
    """``settings`` with the real Redis as fan-out, on a channel prefix of its own, so
    parallel test runs do not hear each other."""
    return settings.model_copy(
        update={
            "redis_url": REDIS_URL,
            "redis_channel_prefix": f"fernblick-test-{uuid.uuid4().hex[:8]}",
        }
    )


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
    shared = on_redis(env.settings)
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


@pytest.mark.redis
async def test_joins_at_the_same_moment_share_one_subscription(
    call_env: CallEnvFactory, aiohttp_client: Any
) -> None:
    env = await call_env()
    await active_call(env)
    settings = on_redis(env.settings)
    client = await aiohttp_client(create_app(settings))
    await login(client, "employee")
    redis = Redis.from_url(REDIS_URL)
    # both sides join at once, while Redis holds back every command for a moment: the
    # second join arrives while the first one's subscription is still on its way
    await redis.execute_command("CLIENT", "PAUSE", 300, "ALL")
    (code_user_ws, mine), (employee_ws, theirs) = await asyncio.gather(
        joined(client, env.session_id, env.code_user_token), joined(client, env.session_id)
    )
    assert mine["type"] == theirs["type"] == "call.joined"

    await code_user_ws.send_json(tool(env.session_id, stroke("a", (0.2, 0.4))))
    assert (await frame_of(employee_ws, "call.tool"))["tool"]["stroke_id"] == "a"
    # delivered once: the next frame is the answer to a ping, not the stroke again
    await employee_ws.send_json({"type": "ping"})
    assert (await frame_of(employee_ws, "call.tool", "pong"))["type"] == "pong"

    for socket in (code_user_ws, employee_ws):
        await socket.close()
    channel = f"{settings.redis_channel_prefix}:session.{env.session_id}"

    async def unsubscribed() -> bool:
        return dict(await redis.pubsub_numsub(channel))[channel.encode()] == 0

    try:
        await wait_until(unsubscribed, "the session's channel to lose its last subscriber")
    finally:
        await redis.aclose()


def still(width: int = 640, height: int = 360) -> bytes:
    """A JPEG like a camera's: a gradient with a white square."""
    picture = np.zeros((height, width, 3), np.uint8)
    picture[:, :, 1] = np.linspace(0, 255, width, dtype=np.uint8)
    picture[100:200, 300:400] = 255
    ok, encoded = cv2.imencode(".jpg", picture)
    assert ok
    return bytes(encoded.tobytes())


def element(
    element_id: str, role: str, version: int = 1, nonce: int = 1, **extra: Any
) -> dict[str, Any]:
    return {
        "id": element_id,
        "version": version,
        "nonce": nonce,
        "shape": "rect",
        "role": role,
        "points": [[0.1, 0.1], [0.4, 0.5]],
        **extra,
    }


def edits(session_id: int, shot: str, *elements: dict[str, Any]) -> dict[str, Any]:
    return tool(session_id, {"kind": "elements", "screenshot_id": shot, "elements": list(elements)})


async def screenshot_rows(env: CallEnv) -> dict[str, int]:
    """The rows a screenshot upload would add (other tables change in the background)."""
    counts = await table_counts(env.uow)
    return {table: counts[table] for table in ("screenshots", "artifacts")}


async def test_a_screenshot_is_annotated_together_and_stored_after_the_call(
    call_env: CallEnvFactory,
) -> None:
    env = await call_env()
    await active_call(env)
    code_user_ws, _ = await joined(env.client, env.session_id, env.code_user_token)
    employee_ws, _ = await joined(env.client, env.session_id)

    # the employee asks, the code user's browser uploads, both are told
    await code_user_ws.send_json(tool(env.session_id, {"kind": "capture", "screenshot_id": "x"}))
    assert (await frame_of(code_user_ws, "error"))["code"] == "employees_only"
    await employee_ws.send_json(tool(env.session_id, {"kind": "capture", "screenshot_id": "s1"}))
    asked = await frame_of(code_user_ws, "call.tool")
    assert asked["tool"] == {"kind": "capture", "screenshot_id": "s1"}
    url = f"/api/code-user/sessions/{env.session_id}/call/screenshots/s1"
    auth = {**bearer(env.code_user_token)}
    before = await screenshot_rows(env)
    not_image = await env.client.put(
        url, data=b"nope", headers={**auth, "Content-Type": "image/jpeg"}
    )
    await assert_problem(not_image, 422, "not_an_image")
    as_text = await env.client.put(
        url, data=still(), headers={**auth, "Content-Type": "text/plain"}
    )
    await assert_problem(as_text, 422, "not_an_image")
    assert await screenshot_rows(env) == before == {"screenshots": 0, "artifacts": 0}
    uploaded = await env.client.put(
        url, data=still(), headers={**auth, "Content-Type": "image/jpeg"}
    )
    assert uploaded.status == 201, await uploaded.text()
    for socket in (code_user_ws, employee_ws):
        shown = await frame_of(socket, "call.tool")
        assert shown["tool"] == {
            "kind": "screenshot",
            "screenshot_id": "s1",
            "width": 640,
            "height": 360,
        }
    again = await env.client.put(url, data=still(), headers={**auth, "Content-Type": "image/jpeg"})
    await assert_problem(again, 409, "screenshot_exists")
    image = await env.client.get(f"/api/sessions/{env.session_id}/call/screenshots/s1")
    assert image.status == 200 and await image.read() == still()

    # edits from both sides reach the other; stale and foreign-coloured ones do not
    await employee_ws.send_json(edits(env.session_id, "s1", element("e1", "employee")))
    assert (await frame_of(code_user_ws, "call.tool"))["tool"]["elements"][0]["id"] == "e1"
    await code_user_ws.send_json(edits(env.session_id, "s1", element("c1", "employee")))
    assert (await frame_of(code_user_ws, "error"))["code"] == "wrong_role"
    erase = element("e1", "employee", version=2, nonce=5, deleted=True)
    text = element("c1", "code_user", shape="text", text="Ventil", points=[[0.6, 0.2]])
    await code_user_ws.send_json(edits(env.session_id, "s1", erase, text))
    relayed = (await frame_of(employee_ws, "call.tool"))["tool"]["elements"]
    assert [(e["id"], e["deleted"]) for e in relayed] == [("e1", True), ("c1", False)]
    await employee_ws.send_json(edits(env.session_id, "s1", element("e1", "employee")))  # stale
    await employee_ws.send_json({"type": "ping"})
    assert (await frame_of(employee_ws, "pong", "error"))["type"] == "pong"

    # a reloading browser gets the merged board in its join answer
    reloaded, snapshot = await joined(env.client, env.session_id)
    [board] = snapshot["boards"]
    assert (board["screenshot_id"], board["width"], board["height"]) == ("s1", 640, 360)
    assert [(e["id"], e["version"], e["deleted"]) for e in board["elements"]] == [
        ("c1", 1, False),
        ("e1", 2, True),
    ]

    # after the call: the original and the rendered image are the session's artifacts
    assert (await env.code_user("POST", "/hangup")).status == 200

    async def stored() -> bool:
        async with env.uow.read() as db:
            rows = list(
                await db.scalars(select(Artifact).where(Artifact.session_id == env.session_id))
            )
        return len(rows) == 2 and all(a.state is ArtifactState.STORED for a in rows)

    await wait_until(stored, "two stored screenshot artifacts")
    async with env.uow.read() as db:
        artifacts = list(await db.scalars(select(Artifact).order_by(Artifact.id)))
    original, annotated = artifacts
    assert (
        original.storage_key.endswith("s1-original.jpg") and original.content_type == "image/jpeg"
    )
    assert annotated.content_type == "image/png"
    for artifact in artifacts:
        response = await env.client.get(
            f"/api/code-user/sessions/{env.session_id}/artifacts/{artifact.id}/content",
            headers=auth,
        )
        assert response.status == 200
    rendered = cv2.imdecode(np.frombuffer(await response.read(), np.uint8), cv2.IMREAD_COLOR)
    assert rendered.shape == (360, 640, 3)
    blue = rendered[:, :, 0].astype(int) - rendered[:, :, 2].astype(int)
    assert (blue > 150).sum() > 50  # the code user's blue text is drawn; e1 was erased
    for socket in (code_user_ws, employee_ws, reloaded):
        await socket.close()
