"""Two orchestrator processes on two ports, fanned out through the real Redis:
a change made through one reaches a WebSocket connected to the other."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import aiohttp
import pytest

from orchestrator.settings import Settings
from tests.support.ports import free_port
from tests.support.servers import orchestrator_process, wait_until_healthy
from tests.support.world import EMAILS, PASSWORD, World


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_change_on_one_process_reaches_websocket_on_the_other(
    settings: Settings, world: World, tmp_path: Path
) -> None:
    env = {
        "FERNBLICK_ENV": "test",
        "FERNBLICK_DATABASE_URL": settings.database_url,
        "FERNBLICK_REDIS_URL": "redis://127.0.0.1:6379/0",
        # a private fan-out per test run, so parallel runs do not hear each other
        "FERNBLICK_REDIS_CHANNEL_PREFIX": f"fernblick-test-{uuid.uuid4().hex[:8]}",
        "FERNBLICK_OUTBOX_POLL_SECONDS": "0.2",
    }
    port_a, port_b = free_port(), free_port()
    with (
        orchestrator_process(
            port_a, {**env, "FERNBLICK_INSTANCE_NAME": "a"}, tmp_path / "a.log"
        ) as url_a,
        orchestrator_process(
            port_b, {**env, "FERNBLICK_INSTANCE_NAME": "b"}, tmp_path / "b.log"
        ) as url_b,
    ):
        await asyncio.gather(wait_until_healthy(url_a), wait_until_healthy(url_b))
        async with aiohttp.ClientSession() as http:
            login = await http.post(
                f"{url_a}/api/auth/login", json={"email": EMAILS["employee"], "password": PASSWORD}
            )
            csrf = (await login.json())["csrf_token"]
            cookie = login.cookies["fernblick_session"].value
            headers = {"Cookie": f"fernblick_session={cookie}"}
            async with http.ws_connect(
                f"{url_b.replace('http', 'ws')}/api/ws", headers=headers
            ) as socket:
                snapshot = await socket.receive_json(timeout=10)
                assert snapshot["type"] == "snapshot"
                created = await http.post(
                    f"{url_a}/api/sessions",
                    json={"title": "made on A"},
                    headers={**headers, "X-CSRF-Token": csrf},
                )
                assert created.status == 201
                session_id = (await created.json())["id"]
                frame = await socket.receive_json(timeout=15)
                assert frame["type"] == "event" and frame["seq"] == 1
                assert frame["event"]["type"] == "session.created"
                assert frame["event"]["payload"]["session"]["id"] == session_id
                # exactly once, although both processes run a relay
                await http.post(
                    f"{url_a}/api/sessions/{session_id}/cancel",
                    json={},
                    headers={**headers, "X-CSRF-Token": csrf},
                )
                frame = await socket.receive_json(timeout=15)
                assert frame["seq"] == 2 and frame["event"]["type"] == "session.status_changed"
