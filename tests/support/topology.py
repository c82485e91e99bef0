"""The process topology (``orchestrator/topology``) on free ports, and API helpers for it.

plan = topology_plan(tmp_path, {"FERNBLICK_DATABASE_URL": ..., ...})
async with running_topology(plan) as topology:
    async with Staff.logged_in(topology.url, "employee") as staff: ...
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import aiohttp
from aiortc import MediaStreamTrack
from sqlalchemy import select

from orchestrator.actions.unit_of_work import UnitOfWork
from orchestrator.db.engine import create_engine, create_session_factory
from orchestrator.db.models import VideoSession
from orchestrator.domain.types import SessionStatus
from orchestrator.janus.admin import VIDEOROOM_PLUGIN
from orchestrator.janus.client import JanusClient
from orchestrator.settings import Settings
from orchestrator.topology.topology import JanusPorts, JanusSecrets, Topology, TopologyPlan
from tests.support.calls import EVENT_AUTH, Joined
from tests.support.janus_server import TEST_SECRETS
from tests.support.ports import forward_port_range, free_tcp_ports
from tests.support.synthetic_publisher import publish_test_pattern
from tests.support.world import EMAILS, PASSWORD

TOPOLOGY_SECRETS = JanusSecrets(
    api_secret=TEST_SECRETS.api_secret,
    admin_secret=TEST_SECRETS.admin_secret,
    videoroom_admin_key=TEST_SECRETS.videoroom_admin_key,
    event_user=EVENT_AUTH[0],
    event_password=EVENT_AUTH[1],
)


def topology_plan(
    workdir: Path,
    environment: Mapping[str, str],
    *,
    orchestrators: int = 2,
    janus_nodes: int = 2,
    workers: Sequence[str] | None = (),
) -> TopologyPlan:
    """A plan on free ports; quick health checks and outbox polls for tests.
    ``workers=None`` runs every worker command this version has."""
    ports = free_tcp_ports(1 + orchestrators + 3 * janus_nodes)
    entry, orchestrator_ports, janus = (
        ports[0],
        ports[1 : 1 + orchestrators],
        ports[1 + orchestrators :],
    )
    return TopologyPlan(
        workdir=workdir,
        entry_port=entry,
        orchestrator_ports=orchestrator_ports,
        janus_ports=[JanusPorts(*janus[3 * n : 3 * n + 3]) for n in range(janus_nodes)],
        secrets=TOPOLOGY_SECRETS,
        environment={
            "FERNBLICK_ENV": "test",
            "FERNBLICK_STORAGE_DIR": str(workdir / "storage"),
            "FERNBLICK_OUTBOX_POLL_SECONDS": "0.2",
            "FERNBLICK_JANUS_HEALTH_INTERVAL_SECONDS": "0.5",
            "FERNBLICK_JANUS_REQUEST_TIMEOUT_SECONDS": "3",
            "FERNBLICK_RECORDER_PORT_MIN": str(forward_port_range()[0]),
            "FERNBLICK_RECORDER_PORT_MAX": str(forward_port_range()[1]),
            **environment,
        },
        workers=workers,
    )


@contextlib.asynccontextmanager
async def running_topology(plan: TopologyPlan) -> AsyncIterator[Topology]:
    """Started (in a thread: starting blocks) and stopped again afterwards."""
    topology = Topology(plan, os.environ)
    try:
        await asyncio.to_thread(topology.start)
        yield topology
    finally:
        await asyncio.to_thread(topology.stop)


@contextlib.asynccontextmanager
async def unit_of_work(database_url: str) -> AsyncIterator[UnitOfWork]:
    """The test's own view of the topology's database (to make data and check it)."""
    engine = create_engine(Settings(env="test", database_url=database_url))
    try:
        yield UnitOfWork(create_session_factory(engine))
    finally:
        await engine.dispose()


async def open_sessions(uow: UnitOfWork, org_id: int) -> dict[int, str]:
    """The organisation's open sessions and their status, as a browser's view should be."""
    async with uow.read() as db:
        rows = await db.execute(
            select(VideoSession.id, VideoSession.status).where(
                VideoSession.organisation_id == org_id,
                VideoSession.status.in_(
                    [SessionStatus.REQUESTED, SessionStatus.CONFIRMED, SessionStatus.RUNNING]
                ),
            )
        )
        return {row.id: row.status.value for row in rows}


class Staff:
    """An employee logged in through ``base_url``; each request on a fresh connection,
    so that the entry point spreads them over the orchestrators."""

    def __init__(self, base_url: str, http: aiohttp.ClientSession) -> None:
        self.base_url = base_url
        self.http = http
        self.headers: dict[str, str] = {}

    @classmethod
    @contextlib.asynccontextmanager
    async def logged_in(cls, base_url: str, who: str = "employee") -> AsyncIterator[Staff]:
        connector = aiohttp.TCPConnector(force_close=True)
        async with aiohttp.ClientSession(connector=connector) as http:
            staff = cls(base_url, http)
            async with http.post(
                f"{base_url}/api/auth/login", json={"email": EMAILS[who], "password": PASSWORD}
            ) as response:
                assert response.status == 200, await response.text()
                csrf = (await response.json())["csrf_token"]
                cookie = response.cookies["fernblick_session"].value
            staff.headers = {"Cookie": f"fernblick_session={cookie}", "X-CSRF-Token": csrf}
            yield staff

    @property
    def ws_url(self) -> str:
        return f"{self.base_url.replace('http', 'ws', 1)}/api/ws"

    async def request(
        self, method: str, path: str, json: Any = None, base_url: str | None = None
    ) -> tuple[int, str, Any]:
        """(status, content type, body as JSON) of one request."""
        url = f"{base_url or self.base_url}{path}"
        async with self.http.request(method, url, json=json, headers=self.headers) as response:
            body = await response.json(content_type=None)
            return response.status, response.content_type, body

    async def create_session(self, title: str, base_url: str | None = None) -> int:
        status, _kind, body = await self.request(
            "POST", "/api/sessions", {"title": title}, base_url=base_url
        )
        assert status == 201, body
        return int(body["id"])


class CodeUser:
    """A code user who opened the world's device through ``base_url``."""

    def __init__(self, base_url: str, http: aiohttp.ClientSession, token: str) -> None:
        self.base_url = base_url
        self.http = http
        self.token = token

    @classmethod
    async def open_device(cls, base_url: str, http: aiohttp.ClientSession, code: str) -> CodeUser:
        async with http.post(f"{base_url}/api/code-user/open", json={"code": code}) as response:
            assert response.status == 200, await response.text()
            return cls(base_url, http, (await response.json())["token"])

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    @property
    def ws_url(self) -> str:
        return f"{self.base_url.replace('http', 'ws', 1)}/api/ws?token={self.token}"

    async def request(self, method: str, path: str, json: Any = None) -> tuple[int, Any]:
        async with self.http.request(
            method, f"{self.base_url}{path}", json=json, headers=self.headers
        ) as response:
            return response.status, await response.json(content_type=None)

    async def request_session(self, device_id: int, reason: str) -> int:
        status, body = await self.request(
            "POST",
            "/api/code-user/sessions",
            {"device_id": device_id, "reason": reason, "contact": "+49 170 1234567", "name": "Kim"},
        )
        assert status == 201, body
        return int(body["id"])


async def join_call(
    topology: Topology,
    http: aiohttp.ClientSession,
    ticket: dict[str, Any],
    video: MediaStreamTrack | None = None,
) -> Joined:
    """Join a call's room with its ticket like a browser (token only) and publish video
    (``video``, or aiortc's test pattern)."""
    node = next(n for n in topology.plan.janus_nodes() if n["public_url"] == ticket["janus_url"])
    client = JanusClient(node["url"], http=http, node_name=node["name"], token=ticket["token"])
    session = await client.create_session()
    handle = await session.attach(VIDEOROOM_PLUGIN)
    publisher = await publish_test_pattern(
        handle,
        ticket["room_id"],
        pin=ticket["pin"],
        token=ticket["token"],
        display=ticket["display"],
        video=video,
    )
    return Joined(session, publisher)
