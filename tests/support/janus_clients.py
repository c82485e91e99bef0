"""Client-side fixtures against the session's Janus: the orchestrator's view and a browser's.

Import explicitly, together with the server fixture::

    from tests.support.janus_server import janus_node_fixture  # noqa: F401
    from tests.support.janus_clients import (  # noqa: F401
        admin_fixture, browser_client_fixture, control_fixture, http_fixture,
    )
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import aiohttp
import pytest

from orchestrator.janus.admin import VIDEOROOM_PLUGIN, JanusAdmin
from orchestrator.janus.client import JanusClient, JanusSession
from orchestrator.janus.videoroom import RoomOptions, VideoRoom
from tests.support.janus_server import RunningJanus


@dataclass
class Control:
    """The orchestrator's control session on the test node and its VideoRoom handle."""

    session: JanusSession
    videoroom: VideoRoom

    async def new_room(self, *, pin: str | None = None, acl: bool = False) -> RoomOptions:
        options = RoomOptions(
            room=f"test-{secrets.token_hex(6)}",
            secret=secrets.token_hex(8),
            pin=pin,
            allowed=[] if acl else None,
        )
        await self.videoroom.create(options)
        return options


@pytest.fixture(name="http")
async def http_fixture() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture(name="control")
async def control_fixture(
    janus_node: RunningJanus, http: aiohttp.ClientSession
) -> AsyncIterator[Control]:
    client = JanusClient(
        janus_node.url,
        http=http,
        node_name=janus_node.name,
        api_secret=janus_node.secrets.api_secret,
    )
    session = await client.create_session()
    handle = await session.attach(VIDEOROOM_PLUGIN)
    try:
        yield Control(session, VideoRoom(handle, janus_node.secrets.videoroom_admin_key))
    finally:
        await session.destroy()


@pytest.fixture(name="admin")
def admin_fixture(janus_node: RunningJanus, http: aiohttp.ClientSession) -> JanusAdmin:
    return JanusAdmin(
        janus_node.admin_url, janus_node.secrets.admin_secret, http=http, node_name=janus_node.name
    )


@pytest.fixture(name="browser_client")
def browser_client_fixture(
    janus_node: RunningJanus, http: aiohttp.ClientSession
) -> Callable[[str | None], JanusClient]:
    """A Janus API client that, like a browser, has a token at most (no api secret)."""

    def make(token: str | None) -> JanusClient:
        return JanusClient(janus_node.url, http=http, node_name=janus_node.name, token=token)

    return make
