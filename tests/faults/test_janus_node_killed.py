"""Fault: one of two Janus nodes is killed (SIGKILL) during two running calls.

Each node carries one call between an employee and a code user (synthetic aiortc
publishers, both sides), behind two orchestrators. When a node dies, its call ends
with ``janus_failed`` for both sides (each side's WebSocket gets ``call.ended``) and
its session is DONE; the call on the other node goes on; the next call lands on the
surviving node.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from orchestrator.actions.unit_of_work import UnitOfWork
from orchestrator.db.models import VideoSession
from orchestrator.settings import Settings
from orchestrator.topology.topology import Topology
from tests.support.calls import Joined
from tests.support.events import wait_until
from tests.support.live_view import LiveView
from tests.support.rabbitmq import BROKER, vhost_fixture  # noqa: F401
from tests.support.topology import CodeUser, Staff, join_call, running_topology, topology_plan
from tests.support.world import World

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.rabbitmq, pytest.mark.janus]


@dataclass
class Call:
    session_id: int
    node: str
    sides: list[Joined]


async def status(uow: UnitOfWork, session_id: int) -> str:
    async with uow.read() as db:
        session = await db.get(VideoSession, session_id, populate_existing=True)
        assert session is not None
        return session.status.value


async def start_call(
    topology: Topology, staff: Staff, code_user: CodeUser, world: World
) -> tuple[int, dict[str, Any], dict[str, Any]]:
    """A confirmed request with a started and accepted call: (session, two tickets)."""
    session_id = await code_user.request_session(world.device_id, "The press leaks oil")
    confirmed, _kind, body = await staff.request("POST", f"/api/sessions/{session_id}/confirm")
    assert confirmed == 200, body
    started, _kind, employee = await staff.request("POST", f"/api/sessions/{session_id}/call")
    assert started == 201, employee
    accepted, code_user_side = await code_user.request(
        "POST", f"/api/code-user/sessions/{session_id}/call/accept"
    )
    assert accepted == 200, code_user_side
    return session_id, employee["ticket"], code_user_side["ticket"]


@contextlib.asynccontextmanager
async def live(views: list[LiveView], http: aiohttp.ClientSession) -> AsyncIterator[None]:
    for view in views:
        view.start(http)
    try:
        await asyncio.gather(*(view.connected() for view in views))
        yield
    finally:
        for view in views:
            await view.stop()


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_a_dead_node_ends_its_call_for_both_sides_and_new_calls_avoid_it(
    settings: Settings, world: World, uow: UnitOfWork, vhost: str, tmp_path: Path
) -> None:
    plan = topology_plan(
        tmp_path,
        {
            "FERNBLICK_DATABASE_URL": settings.database_url,
            "FERNBLICK_BUS_URL": f"{BROKER}/{vhost}",
            "FERNBLICK_REDIS_URL": "redis://127.0.0.1:6379/0",
            "FERNBLICK_REDIS_CHANNEL_PREFIX": f"fernblick-fault-{uuid.uuid4().hex[:8]}",
            "FERNBLICK_CALL_GRACE_SECONDS": "2",
        },
    )
    node_by_url = {node["public_url"]: node["name"] for node in plan.janus_nodes()}
    calls: list[Call] = []
    async with (
        running_topology(plan) as topology,
        Staff.logged_in(topology.url) as staff,
        aiohttp.ClientSession() as http,
    ):
        code_user = await CodeUser.open_device(topology.url, http, world.device_code)
        employee_view = LiveView(staff.ws_url, headers=staff.headers)
        code_user_view = LiveView(code_user.ws_url)
        async with live([employee_view, code_user_view], http):
            try:
                for _ in range(2):
                    session_id, *tickets = await start_call(topology, staff, code_user, world)
                    sides = [await join_call(topology, http, ticket) for ticket in tickets]
                    calls.append(Call(session_id, node_by_url[tickets[0]["janus_url"]], sides))

                    async def running(session_id: int = session_id) -> bool:
                        return await status(uow, session_id) == "RUNNING"

                    await wait_until(running, f"session {session_id} RUNNING", 60)
                doomed, survivor = calls
                assert doomed.node != survivor.node  # least-loaded placement

                await asyncio.to_thread(topology.kill, doomed.node)

                async def both_sides_told() -> bool:
                    return all(
                        [e["payload"]["data"]["reason"] for e in view.events_of(doomed.session_id)
                         if e["type"] == "call.ended"] == ["janus_failed"]
                        for view in (employee_view, code_user_view)
                    )  # fmt: skip

                await wait_until(both_sides_told, "call.ended on both sides", 60)
                assert await status(uow, doomed.session_id) == "DONE"
                assert await status(uow, survivor.session_id) == "RUNNING"
                for view in (employee_view, code_user_view):
                    assert "call.ended" not in [
                        e["type"] for e in view.events_of(survivor.session_id)
                    ]

                session_id, employee_ticket, _ = await start_call(topology, staff, code_user, world)
                assert node_by_url[employee_ticket["janus_url"]] == survivor.node
            finally:
                for call in calls:
                    for side in call.sides:
                        with contextlib.suppress(Exception):  # the dead node's sides fail
                            await side.leave()
