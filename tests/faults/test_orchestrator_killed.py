"""Fault: one of two orchestrators is killed (SIGKILL) while sessions are being created.

Twenty browsers' WebSockets hang on the topology's entry point, so about half sit on
the orchestrator that dies; they reconnect through the entry point to the survivor
and resynchronise from its snapshot. Requests that were in flight on the dead
instance are retried, as a browser would. Afterwards every browser's view of the
open sessions equals the database, every session the API confirmed is in it, and
the outbox is empty: no event was lost.
"""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import aiohttp
import pytest

from orchestrator.actions.unit_of_work import UnitOfWork
from orchestrator.settings import Settings
from tests.support.events import outbox_unpublished, wait_until
from tests.support.live_view import LiveView
from tests.support.rabbitmq import BROKER, vhost_fixture  # noqa: F401
from tests.support.topology import Staff, open_sessions, running_topology, topology_plan
from tests.support.world import World

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.rabbitmq, pytest.mark.janus]

SESSIONS = 90
KILL_AFTER = 30
BROWSERS = 20


async def create_with_retries(staff: Staff, title: str) -> int:
    """Create one session; a connection cut by the crash is retried (a browser would)."""
    for _attempt in range(10):
        try:
            return await staff.create_session(title)
        except (aiohttp.ClientError, ConnectionError):
            await asyncio.sleep(0.2)
    raise AssertionError(f"{title} could not be created")


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_browsers_move_to_the_surviving_orchestrator_and_lose_no_event(
    settings: Settings, world: World, uow: UnitOfWork, vhost: str, tmp_path: Path
) -> None:
    plan = topology_plan(
        tmp_path,
        {
            "FERNBLICK_DATABASE_URL": settings.database_url,
            "FERNBLICK_BUS_URL": f"{BROKER}/{vhost}",
            "FERNBLICK_REDIS_URL": "redis://127.0.0.1:6379/0",
            "FERNBLICK_REDIS_CHANNEL_PREFIX": f"fernblick-fault-{uuid.uuid4().hex[:8]}",
        },
        janus_nodes=1,
    )
    async with running_topology(plan) as topology, Staff.logged_in(topology.url) as staff:
        async with aiohttp.ClientSession() as http:
            browsers = [LiveView(staff.ws_url, headers=staff.headers) for _ in range(BROWSERS)]
            for browser in browsers:
                browser.start(http)
            try:
                await asyncio.gather(*(browser.connected() for browser in browsers))
                created = []
                for n in range(SESSIONS):
                    if n == KILL_AFTER:
                        await asyncio.to_thread(topology.kill, "orchestrator-1")
                    created.append(await create_with_retries(staff, f"fault {n}"))

                progress: dict[str, object] = {}

                async def everyone_agrees() -> bool:
                    truth = await open_sessions(uow, world.org_id)
                    progress["open"] = len(truth)
                    progress["views"] = sorted({len(b.sessions) for b in browsers})
                    return all(browser.sessions == truth for browser in browsers)

                try:
                    await wait_until(everyone_agrees, "every browser's view", 60)
                except AssertionError as error:
                    raise AssertionError(f"{error}; progress: {progress}") from None
            finally:
                for browser in browsers:
                    await browser.stop()

        truth = await open_sessions(uow, world.org_id)
        assert set(created) <= set(truth)
        assert all(truth[session_id] == "CONFIRMED" for session_id in created)

        async def outbox_drained() -> bool:
            # the views can agree through a resync before the survivor's relay has
            # published the last rows; lost would be a row that never goes out
            return await outbox_unpublished(uow.session_factory) == 0

        await wait_until(outbox_drained, "every outbox row published", 30)
        assert not topology.supervisor["orchestrator-1"].running
        moved = [browser for browser in browsers if browser.connections > 1]
        assert moved, "no browser was on the killed orchestrator"
        assert all(len(browser.sessions) >= SESSIONS for browser in browsers)
