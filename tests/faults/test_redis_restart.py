"""Fault: Redis (the fan-out between orchestrators) restarts while sessions are created.

Sessions are created through orchestrator-1 and watched by a WebSocket on
orchestrator-2, so every live event has to cross Redis (a private server, never the
shared one). Events published while Redis is away cannot arrive; the browser is told
to resynchronise instead, its view ends equal to the database, and events created
after the restart arrive live again.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest

from orchestrator.actions.unit_of_work import UnitOfWork
from orchestrator.settings import Settings
from tests.support.events import wait_until
from tests.support.live_view import LiveView
from tests.support.private_services import PrivateRedis
from tests.support.rabbitmq import BROKER, vhost_fixture  # noqa: F401
from tests.support.topology import Staff, open_sessions, running_topology, topology_plan
from tests.support.world import World

pytestmark = [pytest.mark.postgres, pytest.mark.rabbitmq, pytest.mark.janus]


@pytest.fixture
def redis() -> Iterator[PrivateRedis]:
    with PrivateRedis() as server:
        yield server


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_fan_out_recovers_and_the_browser_resynchronises(
    settings: Settings,
    world: World,
    uow: UnitOfWork,
    vhost: str,
    redis: PrivateRedis,
    tmp_path: Path,
) -> None:
    plan = topology_plan(
        tmp_path,
        {
            "FERNBLICK_DATABASE_URL": settings.database_url,
            "FERNBLICK_BUS_URL": f"{BROKER}/{vhost}",
            "FERNBLICK_REDIS_URL": redis.url,
            "FERNBLICK_REDIS_CHANNEL_PREFIX": f"fernblick-fault-{uuid.uuid4().hex[:8]}",
        },
        janus_nodes=1,
    )
    async with (
        running_topology(plan) as topology,
        Staff.logged_in(topology.orchestrator_url(0)) as staff,
        aiohttp.ClientSession() as http,
    ):
        watcher = LiveView(
            f"{topology.orchestrator_url(1).replace('http', 'ws', 1)}/api/ws",
            headers=staff.headers,
        )
        watcher.start(http)
        try:
            await watcher.connected()

            async def seen_live(session_id: int) -> None:
                async def arrived() -> bool:
                    return any(e["payload"]["session"]["id"] == session_id for e in watcher.events)

                await wait_until(arrived, f"the event of session {session_id}", 30)

            for n in range(10):
                await staff.create_session(f"before {n}")
            await seen_live(await staff.create_session("before, last"))

            redis.stop()
            for n in range(10):
                await staff.create_session(f"while away {n}")
            redis.start()
            for n in range(10):
                await staff.create_session(f"after {n}")

            async def agrees() -> bool:
                return watcher.sessions == await open_sessions(uow, world.org_id)

            await wait_until(agrees, "the browser's view equal to the database", 60)
            await seen_live(await staff.create_session("after, last"))
            await wait_until(agrees, "the browser's view equal to the database", 30)
        finally:
            await watcher.stop()

    assert watcher.resyncs >= 1
    assert watcher.connections == 1  # the orchestrator stayed; only Redis went away
    assert len(watcher.sessions) == 32
