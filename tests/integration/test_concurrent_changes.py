"""Concurrent confirm/cancel on one session: exactly one winner, every loser gets 409."""

from __future__ import annotations

import asyncio

import pytest
from aiohttp.test_utils import TestClient

from tests.support.world import World, assert_problem, bearer, login, open_device


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_fifty_concurrent_changes_have_one_winner(client: TestClient, world: World) -> None:
    token, _ = await open_device(client, world.device_code)
    created = await client.post(
        "/api/code-user/sessions",
        json={"device_id": world.device_id, "reason": "r", "contact": "c"},
        headers=bearer(token),
    )
    session = await created.json()
    csrf = await login(client, "employee")
    version = f'"{session["version"]}"'

    async def change(i: int) -> tuple[int, dict]:
        path = f"/api/sessions/{session['id']}/" + ("confirm" if i % 2 else "cancel")
        kwargs = {} if i % 2 else {"json": {"reason": f"attempt {i}"}}
        response = await client.post(path, headers={**csrf, "If-Match": version}, **kwargs)
        return response.status, await response.json()

    results = await asyncio.gather(*(change(i) for i in range(50)))
    winners = [body for status, body in results if status == 200]
    losers = [(status, body) for status, body in results if status != 200]
    assert len(winners) == 1, [s for s, _ in results]
    assert len(losers) == 49
    for status, body in losers:
        assert status == 409 and body["code"] in ("version_conflict", "invalid_transition"), body
    history = await (await client.get(f"/api/sessions/{session['id']}/history")).json()
    assert len(history) == 2  # the request and the one winning change
    final = await (await client.get(f"/api/sessions/{session['id']}")).json()
    assert final["status"] == winners[0]["status"] and final["version"] == session["version"] + 1
    stale = await client.post(f"/api/sessions/{session['id']}/cancel", json={}, headers={**csrf, "If-Match": version})
    await assert_problem(stale, 409)
