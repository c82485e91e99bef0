"""Calls end to end: an app wired to real Janus nodes whose events reach it, and helpers.

Import the fixtures explicitly::

    from tests.support.calls import call_env_fixture  # noqa: F401
    from tests.support.janus_server import janus_factory_fixture  # noqa: F401

``call_env(grace=..., ring=..., nodes=...)`` starts Janus nodes whose sample event
handler POSTs to the app (with basic auth), then the app itself on the port those
nodes were told, and returns a :class:`CallEnv` with an employee and a code user
ready to call each other in a CONFIRMED session.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from aiortc import MediaStreamTrack
from pydantic import SecretStr
from sqlalchemy import select

from janus_config.render import RabbitMqTarget
from orchestrator.actions.unit_of_work import UnitOfWork
from orchestrator.app import create_app
from orchestrator.db.models import OutboxEvent, VideoSession
from orchestrator.janus.admin import VIDEOROOM_PLUGIN
from orchestrator.janus.client import JanusClient, JanusSession
from orchestrator.janus.errors import JanusError
from orchestrator.settings import Settings
from tests.support.events import wait_until
from tests.support.janus_server import TEST_SECRETS, JanusFactory, RunningJanus
from tests.support.ports import free_port
from tests.support.synthetic_publisher import SyntheticPublisher, publish_test_pattern
from tests.support.world import World, bearer, login, open_device

EVENT_AUTH = ("janus-events", "test-event-password")
AMQP_URL = "amqp://guest:guest@127.0.0.1:5672/"
AppClient = TestClient[web.Request, web.Application]


@dataclass
class Joined:
    """A synthetic participant in a call's room: its Janus session and publisher."""

    session: JanusSession
    publisher: SyntheticPublisher

    async def leave(self) -> None:
        """Hang up and go, as a closed browser tab does."""
        await self.publisher.close()
        await self.session.destroy()


@dataclass
class CallEnv:
    client: AppClient
    settings: Settings
    nodes: list[RunningJanus]
    world: World
    uow: UnitOfWork
    csrf: dict[str, str]
    code_user_token: str
    session_id: int
    http: aiohttp.ClientSession
    joined: list[Joined] = field(default_factory=list)

    def employee_url(self, tail: str = "") -> str:
        return f"/api/sessions/{self.session_id}/call{tail}"

    def code_user_url(self, tail: str = "") -> str:
        return f"/api/code-user/sessions/{self.session_id}/call{tail}"

    async def employee(self, method: str, tail: str = "") -> aiohttp.ClientResponse:
        headers = self.csrf if method != "GET" else {}
        return await self.client.request(method, self.employee_url(tail), headers=headers)

    async def code_user(self, method: str, tail: str = "") -> aiohttp.ClientResponse:
        return await self.client.request(
            method, self.code_user_url(tail), headers=bearer(self.code_user_token)
        )

    async def status(self) -> str:
        async with self.uow.read() as db:
            session = await db.get(VideoSession, self.session_id, populate_existing=True)
            assert session is not None
            return session.status.value

    async def wait_for_status(self, status: str, within: float = 30.0) -> None:
        async def reached() -> bool:
            return await self.status() == status

        await wait_until(reached, f"session {self.session_id} {status}", within)

    async def events(self, prefix: str = "call.") -> list[dict[str, Any]]:
        """The session's committed events of one family, oldest first, with their type."""
        async with self.uow.read() as db:
            rows = await db.scalars(select(OutboxEvent).order_by(OutboxEvent.id))
            return [
                {"type": row.type, **row.payload}
                for row in rows
                if row.type.startswith(prefix) and row.payload["session"]["id"] == self.session_id
            ]

    def node(self, name: str) -> RunningJanus:
        return next(node for node in self.nodes if node.name == name)

    async def join(
        self, ticket: dict[str, Any], *, audio: bool = False, video: MediaStreamTrack | None = None
    ) -> Joined:
        """Join the room with a ticket like a browser: token only, then publish video
        (``video``, or a test pattern) and audio, when asked."""
        node = next(n for n in self.nodes if n.public_url == ticket["janus_url"])
        client = JanusClient(node.url, http=self.http, node_name=node.name, token=ticket["token"])
        session = await client.create_session()
        handle = await session.attach(VIDEOROOM_PLUGIN)
        publisher = await publish_test_pattern(
            handle,
            ticket["room_id"],
            pin=ticket["pin"],
            token=ticket["token"],
            display=ticket["display"],
            audio=audio,
            video=video,
        )
        joined = Joined(session, publisher)
        self.joined.append(joined)
        return joined

    async def close(self) -> None:
        for joined in self.joined:
            await joined.publisher.close()
            with contextlib.suppress(JanusError):  # the room and its tokens may be gone
                await joined.session.destroy()


async def confirmed_session(client: AppClient, world: World) -> tuple[dict[str, str], str, int]:
    """A code user's request, confirmed by the employee: (CSRF header, token, session id)."""
    token, _ = await open_device(client, world.device_code)
    response = await client.post(
        "/api/code-user/sessions",
        json={
            "device_id": world.device_id,
            "reason": "The press leaks oil",
            "contact": "+49 170 1234567",
            "name": "Kim",
        },
        headers=bearer(token),
    )
    assert response.status == 201, await response.text()
    session_id = (await response.json())["id"]
    csrf = await login(client, "employee")
    confirmed = await client.post(f"/api/sessions/{session_id}/confirm", headers=csrf)
    assert confirmed.status == 200, await confirmed.text()
    return csrf, token, session_id


def call_settings(
    settings: Settings, nodes: list[RunningJanus], *, grace: float, ring: float
) -> Settings:
    return settings.model_copy(
        update={
            "janus_nodes": [node.node for node in nodes],
            "janus_api_secret": SecretStr(TEST_SECRETS.api_secret),
            "janus_admin_secret": SecretStr(TEST_SECRETS.admin_secret),
            "janus_videoroom_admin_key": SecretStr(TEST_SECRETS.videoroom_admin_key),
            "janus_event_user": EVENT_AUTH[0],
            "janus_event_password": SecretStr(EVENT_AUTH[1]),
            "janus_health_interval_seconds": 0.3,
            "janus_request_timeout_seconds": 3.0,
            "call_grace_seconds": grace,
            "call_ring_seconds": ring,
        }
    )


CallEnvFactory = Callable[..., Awaitable[CallEnv]]


@pytest.fixture(name="call_env")
async def call_env_fixture(
    aiohttp_client: Any,
    settings: Settings,
    world: World,
    uow: UnitOfWork,
    janus_factory: JanusFactory,
) -> AsyncIterator[CallEnvFactory]:
    made: list[CallEnv] = []
    async with aiohttp.ClientSession() as http:

        async def make(
            *,
            grace: float = 3.0,
            ring: float = 30.0,
            nodes: int = 1,
            amqp_exchange: str = "",
            overrides: dict[str, Any] | None = None,
        ) -> CallEnv:
            """Janus nodes posting events to the app, or publishing to ``amqp_exchange``;
            ``overrides`` are further settings of the app (a RabbitMQ bus, say)."""
            port = free_port()
            event_url = f"http://127.0.0.1:{port}/janus/events"
            started = [
                janus_factory.start(f"janus-{n + 1}", event_url=event_url, event_auth=EVENT_AUTH)
                if not amqp_exchange
                else janus_factory.start(
                    f"janus-{n + 1}", rabbitmq=RabbitMqTarget(exchange=amqp_exchange)
                )
                for n in range(nodes)
            ]
            app_settings = call_settings(settings, started, grace=grace, ring=ring)
            if amqp_exchange:
                app_settings = app_settings.model_copy(
                    update={
                        "janus_events_amqp_url": AMQP_URL,
                        "janus_events_exchange": amqp_exchange,
                    }
                )
            if overrides:
                app_settings = app_settings.model_copy(update=overrides)
            client = await aiohttp_client(create_app(app_settings), server_kwargs={"port": port})
            csrf, token, session_id = await confirmed_session(client, world)
            env = CallEnv(client, app_settings, started, world, uow, csrf, token, session_id, http)
            made.append(env)
            return env

        yield make
        for env in made:
            await env.close()
