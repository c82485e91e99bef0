"""Markers in a real call: Janus forwards the code user's video to the tracker worker.

The code user's camera is a synthetic texture sliding at a known speed; the employee
places markers through the API; the positions arrive on the session's fan-out channel
stamped with the frame's RTP timestamp, from which the true position follows
(``tests/support/moving_texture.py``). Either side removes markers; with none left
the worker stops the forward.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import func, select

from orchestrator.app import FANOUT_KEY, TRACKER_KEY
from orchestrator.db.models import CallMarker
from orchestrator.realtime.fanout import session_channel
from orchestrator.realtime.tool_messages import MAX_MARKERS
from tests.support.calls import (  # noqa: F401
    CallEnv,
    CallEnvFactory,
    call_env_fixture,
    confirmed_session,
)
from tests.support.events import wait_until
from tests.support.janus_server import janus_factory_fixture  # noqa: F401
from tests.support.markers import errors_along_path, place, running_call
from tests.support.ports import FirstPortsTaken
from tests.support.world import bearer
from tracker import worker as tracker_worker

pytestmark = pytest.mark.janus

async def test_markers_follow_the_code_users_video_and_stop_with_the_last(
    call_env: CallEnvFactory,
) -> None:
    env = await call_env()
    url = f"/api/sessions/{env.session_id}/markers"
    early = await env.client.post(url, json={"x": 0.5, "y": 0.5}, headers=env.csrf)
    assert early.status == 409 and (await early.json())["code"] == "call_not_running"
    await running_call(env)
    messages: list[dict[str, Any]] = []
    fanout = env.client.app[FANOUT_KEY]
    subscription = await fanout.subscribe(
        session_channel(env.session_id),
        lambda _channel, message: messages.append(message["frame"]),
    )
    for body in (
        {"x": 1.5, "y": 0.5},
        {"x": 0.5, "y": 0.5, "patch": [128] * 10},  # a patch is whole or absent
        {"x": 0.5, "y": 0.5, "patch": [300] * 256},  # grey levels are bytes
    ):
        bad = await env.client.post(url, json=body, headers=env.csrf)
        assert bad.status == 422, await bad.text()
        assert (await bad.json())["field"].startswith(("x", "patch")), body

    first = await place(env, 0.75, 0.75)
    second = await place(env, 0.6, 0.6)

    def numbered() -> dict[str, int]:
        latest = messages[-1]["markers"] if messages else []
        return {m["id"]: m["number"] for m in latest}

    async def both_tracked() -> bool:
        return sum(len(m["markers"]) == 2 for m in messages) >= 91

    await wait_until(both_tracked, "91 frames with both markers", within=30)
    assert numbered() == {first: 1, second: 2}
    for marker_id in (first, second):
        errors = errors_along_path(messages, marker_id)
        assert len(errors) >= 90
        print(f"\nmarker {marker_id[:6]}: max error {max(errors):.2f} px over {len(errors)} frames")
        assert max(errors) < 2.0

    removed = await env.client.delete(
        f"/api/code-user/sessions/{env.session_id}/markers/{first}",
        headers=bearer(env.code_user_token),
    )
    assert removed.status == 204, await removed.text()

    async def first_gone() -> bool:
        return numbered() == {second: 2}

    await wait_until(first_gone, "marker 1 gone", within=10)

    worker = env.client.app[TRACKER_KEY]
    assert env.session_id in worker.sessions
    removed = await env.client.delete(f"{url}/{second}", headers=env.csrf)
    assert removed.status == 204, await removed.text()

    async def stopped() -> bool:
        return env.session_id not in worker.sessions

    await wait_until(stopped, "the worker stops", within=10)
    assert messages[-1]["markers"] == []
    count = len(messages)
    await asyncio.sleep(0.5)
    assert len(messages) == count  # nothing tracked or published any more
    await fanout.unsubscribe(subscription)


async def test_a_marker_beyond_the_limit_is_refused_until_one_is_removed(
    call_env: CallEnvFactory,
) -> None:
    """The tracker follows MAX_MARKERS markers, however many placements race for them; a
    further one gets a problem document and changes nothing, and a removal by either side
    makes room again."""
    env = await call_env()
    await running_call(env)
    url = f"/api/sessions/{env.session_id}/markers"

    async def attempt(i: int) -> tuple[int, dict[str, Any]]:
        response = await env.client.post(
            url, json={"x": 0.05 + 0.06 * i, "y": 0.5}, headers=env.csrf
        )
        return response.status, await response.json()

    burst = await asyncio.gather(*(attempt(i) for i in range(MAX_MARKERS + 5)))
    placed = [body["marker_id"] for status, body in burst if status == 202]
    turned_away = [(status, body["code"]) for status, body in burst if status != 202]
    assert len(placed) == MAX_MARKERS  # PostgreSQL serialises them, SQLite retries
    assert turned_away == [(409, "too_many_markers")] * 5
    async with env.uow.read() as db:
        slots = sorted(await db.scalars(select(CallMarker.slot)))
    assert slots == list(range(1, MAX_MARKERS + 1))
    worker = env.client.app[TRACKER_KEY]

    async def all_followed() -> bool:
        tracked = worker.sessions.get(env.session_id)
        return tracked is not None and len(tracked.markers.markers) == MAX_MARKERS

    await wait_until(all_followed, f"{MAX_MARKERS} markers followed", within=30)
    for _ in range(2):
        refused = await env.client.post(url, json={"x": 0.5, "y": 0.3}, headers=env.csrf)
        assert refused.status == 409, await refused.text()
        problem = await refused.json()
        assert (problem["code"], problem["max"]) == ("too_many_markers", MAX_MARKERS)
    async with env.uow.read() as db:  # the refusals stored nothing
        assert await db.scalar(select(func.count()).select_from(CallMarker)) == MAX_MARKERS

    for _ in range(2):  # the code user's removal, then again: it stays away
        removed = await env.client.delete(
            f"/api/code-user/sessions/{env.session_id}/markers/{placed[0]}",
            headers=bearer(env.code_user_token),
        )
        assert removed.status == 204, await removed.text()
    replacement = await place(env, 0.5, 0.3)

    async def replaced() -> bool:
        tracked = worker.sessions.get(env.session_id)
        return tracked is not None and set(tracked.markers.markers) == {*placed[1:], replacement}

    await wait_until(replaced, "the removed marker replaced", within=30)
    refused = await env.client.post(url, json={"x": 0.5, "y": 0.7}, headers=env.csrf)
    assert refused.status == 409, await refused.text()


async def test_one_worker_tracks_several_sessions_at_once(call_env: CallEnvFactory) -> None:
    first = await call_env()
    csrf, token, session_id = await confirmed_session(first.client, first.world)
    first.csrf = csrf  # the same employee, logged in again
    second = replace(first, csrf=csrf, code_user_token=token, session_id=session_id, joined=[])
    await running_call(first)
    await running_call(second)
    fanout = first.client.app[FANOUT_KEY]
    heard: dict[int, list[dict[str, Any]]] = {first.session_id: [], second.session_id: []}
    for env in (first, second):
        await fanout.subscribe(
            session_channel(env.session_id),
            lambda _channel, message, sid=env.session_id: heard[sid].append(message["frame"]),
        )
    one = await place(first, 0.7, 0.7)
    two = await place(second, 0.6, 0.6)

    async def both_tracked() -> bool:
        return all(sum(bool(m["markers"]) for m in heard[sid]) >= 30 for sid in heard)

    await wait_until(both_tracked, "30 frames in each session", within=30)
    worker = first.client.app[TRACKER_KEY]
    assert set(worker.sessions) == {first.session_id, second.session_id}
    for env, marker_id in ((first, one), (second, two)):
        messages = heard[env.session_id]
        assert {m["session_id"] for m in messages} == {env.session_id}
        assert {k["id"] for m in messages for k in m["markers"]} == {marker_id}
        assert max(errors_along_path(messages, marker_id)) < 2.0

    removed = await first.client.delete(
        f"/api/sessions/{first.session_id}/markers/{one}", headers=first.csrf
    )
    assert removed.status == 204

    async def first_stopped() -> bool:
        return first.session_id not in worker.sessions

    await wait_until(first_stopped, "the first session's tracking stops", within=10)
    assert second.session_id in worker.sessions  # the other call keeps its marker

    # the call's end takes the marker that is still shown off both screens
    hangup = await second.employee("POST", "/hangup")
    assert hangup.status == 200, await hangup.text()

    async def cleared() -> bool:
        return heard[second.session_id][-1]["markers"] == []

    await wait_until(cleared, "the second session's markers cleared", within=10)
    assert second.session_id not in worker.sessions
    await second.close()


async def test_a_port_taken_before_the_worker_binds_it_is_replaced_by_another(
    call_env: CallEnvFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The port is checked free, then another process binds it before the worker can:
    the worker takes another one, and the markers are tracked as usual."""
    env = await call_env()
    ports = FirstPortsTaken(env.settings.recorder_rtp_host)
    monkeypatch.setattr(tracker_worker, "allocate_port_pairs", ports)
    await running_call(env)
    messages: list[dict[str, Any]] = []
    await env.client.app[FANOUT_KEY].subscribe(
        session_channel(env.session_id),
        lambda _channel, message: messages.append(message["frame"]),
    )
    try:
        marker_id = await place(env, 0.7, 0.7)

        async def tracked() -> bool:
            return sum(bool(m["markers"]) for m in messages) >= 30

        await wait_until(tracked, "30 tracked frames", within=30)
    finally:
        ports.close()
    assert len(ports.handed_out) == 2 and ports.handed_out[0] != ports.handed_out[1]
    assert max(errors_along_path(messages, marker_id)) < 2.0
