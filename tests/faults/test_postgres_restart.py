"""Fault: PostgreSQL restarts under two orchestrators while an employee keeps working.

The database is a private cluster (never the shared one). While it is down every
request gets a 503 problem document, never a 500 or a cut connection; once it is
back the orchestrators recover by themselves (no restart), every session the API
confirmed with 201 is stored, and the outbox drains.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from orchestrator.db.models import VideoSession
from tests.support.events import outbox_unpublished, wait_until
from tests.support.private_services import PrivatePostgres
from tests.support.rabbitmq import BROKER, vhost_fixture  # noqa: F401
from tests.support.topology import Staff, running_topology, topology_plan, unit_of_work
from tests.support.world import build_world

pytestmark = [pytest.mark.redis, pytest.mark.rabbitmq, pytest.mark.janus]

RECOVERED_AFTER = 20
"""Consecutive successful requests after the restart that count as recovered."""


@pytest.fixture
def postgres() -> Iterator[PrivatePostgres]:
    with PrivatePostgres() as server:
        server.create_database("fernblick")
        yield server


async def test_requests_get_503_while_the_database_is_down_then_recover(
    postgres: PrivatePostgres, vhost: str, tmp_path: Path
) -> None:
    plan = topology_plan(
        tmp_path,
        {
            "FERNBLICK_DATABASE_URL": postgres.url("fernblick"),
            "FERNBLICK_BUS_URL": f"{BROKER}/{vhost}",
            "FERNBLICK_REDIS_URL": "redis://127.0.0.1:6379/0",
            "FERNBLICK_REDIS_CHANNEL_PREFIX": f"fernblick-fault-{uuid.uuid4().hex[:8]}",
        },
        janus_nodes=1,
    )
    answers: list[tuple[str, int, str, str]] = []  # (phase, status, content type, code)
    created: list[int] = []
    phase = "before"
    async with running_topology(plan) as topology:
        async with unit_of_work(postgres.url("fernblick")) as uow:
            await build_world(uow)
        async with Staff.logged_in(topology.url) as staff:

            async def work(n: int) -> None:
                status, kind, body = await staff.request(
                    "POST", "/api/sessions", {"title": f"restart {n}"}
                )
                answers.append((phase, status, kind, body.get("code", "")))
                if status == 201:
                    created.append(body["id"])
                status, kind, body = await staff.request("GET", "/api/sessions?limit=5")
                answers.append((phase, status, kind, body.get("code", "")))

            def recovered() -> bool:
                tail = [a for a in answers if a[0] == "after"][-RECOVERED_AFTER:]
                return len(tail) == RECOVERED_AFTER and all(a[1] in (200, 201) for a in tail)

            async with asyncio.timeout(90):
                for n in range(10):
                    await work(n)
                phase = "down"
                await asyncio.to_thread(postgres.stop)
                for n in range(10, 30):
                    await work(n)
                    await asyncio.sleep(0.1)
                phase = "after"
                await asyncio.to_thread(postgres.start)
                n = 30
                while not recovered():
                    await work(n)
                    n += 1
                    await asyncio.sleep(0.05)

        async with unit_of_work(postgres.url("fernblick")) as uow:

            async def outbox_empty() -> bool:
                return await outbox_unpublished(uow.session_factory) == 0

            await wait_until(outbox_empty, "the outbox drained", 30)
            async with uow.read() as db:
                stored = set(await db.scalars(select(VideoSession.id)))

    down = [a for a in answers if a[0] == "down"]
    assert down and all(
        a[1:] == (503, "application/problem+json", "service_unavailable") for a in down
    ), down
    assert all(a[1] in (200, 201, 503) for a in answers), answers
    assert all(a[1] in (200, 201) for a in answers if a[0] == "before")
    assert set(created) <= stored
    assert len(created) >= 10 + RECOVERED_AFTER // 2
