"""Session rooms and join tickets on a real Janus: who may join, and what browsers see."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import aiohttp
import pytest

from orchestrator.domain.errors import InvalidInput
from orchestrator.janus.admin import VIDEOROOM_PLUGIN
from orchestrator.janus.client import JanusClient, JanusHandle
from orchestrator.janus.errors import JanusUnauthorized
from orchestrator.janus.pool import JanusPool
from orchestrator.janus.rooms import JoinTicket, RoomInfo, RoomService
from orchestrator.settings import Settings, load_settings
from tests.support.janus_clients import http_fixture  # noqa: F401
from tests.support.janus_server import TEST_SECRETS, RunningJanus, janus_node_fixture  # noqa: F401

pytestmark = pytest.mark.janus
NOW = 1_900_000_000.0


def settings_for(node: RunningJanus) -> Settings:
    return load_settings(
        janus_nodes=[node.node],
        janus_api_secret=TEST_SECRETS.api_secret,
        janus_admin_secret=TEST_SECRETS.admin_secret,
        janus_videoroom_admin_key=TEST_SECRETS.videoroom_admin_key,
        stun_urls=["stun:127.0.0.1:3478"],
        turn_urls=["turn:127.0.0.1:3478?transport=udp"],
        turn_secret="room-test-turn-secret",
        turn_ttl_seconds=600,
    )


@pytest.fixture(name="pool")
async def pool_fixture(
    janus_node: RunningJanus, http: aiohttp.ClientSession
) -> AsyncIterator[JanusPool]:
    pool = JanusPool([janus_node.node], TEST_SECRETS, http=http, health_interval=3600)
    await pool.start()
    try:
        yield pool
    finally:
        await pool.close()


@pytest.fixture(name="rooms")
def rooms_fixture(pool: JanusPool, janus_node: RunningJanus) -> RoomService:
    return RoomService(pool, settings_for(janus_node), clock=lambda: NOW)


async def browser_handle(
    ticket: JoinTicket, node: RunningJanus, http: aiohttp.ClientSession
) -> JanusHandle:
    """What janus.js does with a ticket: a session and a VideoRoom handle, token only."""
    client = JanusClient(node.url, http=http, node_name=node.name, token=ticket.token)
    session = await client.create_session()
    return await session.attach(VIDEOROOM_PLUGIN)


async def joined_participant(
    rooms: RoomService, session_key: str, node: RunningJanus, http: aiohttp.ClientSession
) -> tuple[RoomInfo, JoinTicket, JanusHandle]:
    """Open a room, admit "code-user" and join it the way a browser would."""
    room = await rooms.open_room(session_key)
    ticket = await rooms.admit(room, "code-user")
    handle = await browser_handle(ticket, node, http)
    joined = await handle.message(join_request(ticket))
    assert joined.data["videoroom"] == "joined"
    return room, ticket, handle


def join_request(ticket: JoinTicket) -> dict[str, str]:
    return {
        "request": "join",
        "ptype": "publisher",
        "room": ticket.room_id,
        "pin": ticket.pin,
        "token": ticket.token,
        "display": ticket.display,
    }


async def test_an_admitted_participant_joins_with_the_ticket(
    rooms: RoomService, pool: JanusPool, janus_node: RunningJanus, http: aiohttp.ClientSession
) -> None:
    room = await rooms.open_room("session-1")
    assert room.node == janus_node.name
    assert await (await pool.node(room.node).videoroom()).exists(room.room_id)

    ticket = await rooms.admit(room, "employee-7")
    handle = await browser_handle(ticket, janus_node, http)
    joined = await handle.message(join_request(ticket))

    assert joined.data["videoroom"] == "joined"
    assert ticket.janus_url == janus_node.public_url
    assert ticket.display == "employee-7"
    await handle.session.destroy()
    await rooms.close_room(room)


async def test_a_token_of_another_session_cannot_join(
    rooms: RoomService, janus_node: RunningJanus, http: aiohttp.ClientSession
) -> None:
    room_a = await rooms.open_room("session-a")
    room_b = await rooms.open_room("session-b")
    ticket_a = await rooms.admit(room_a, "intruder")
    ticket_b = await rooms.admit(room_b, "code-user")

    handle = await browser_handle(ticket_a, janus_node, http)
    stolen_pin = join_request(ticket_a) | {"room": room_b.room_id, "pin": ticket_b.pin}
    with pytest.raises(JanusUnauthorized) as caught:
        await handle.message(stolen_pin)
    assert caught.value.janus_code == 433

    await handle.session.destroy()
    await rooms.close_room(room_a)
    await rooms.close_room(room_b)


async def test_closing_the_room_destroys_it_and_revokes_its_tokens(
    rooms: RoomService, pool: JanusPool, janus_node: RunningJanus, http: aiohttp.ClientSession
) -> None:
    room, ticket, handle = await joined_participant(rooms, "session-2", janus_node, http)

    await rooms.close_room(room)

    assert not await (await pool.node(room.node).videoroom()).exists(room.room_id)
    assert ticket.token not in await pool.node(room.node).admin.list_tokens()
    with pytest.raises(JanusUnauthorized):
        await handle.session.keepalive()
    with pytest.raises(JanusUnauthorized):
        await JanusClient(janus_node.url, http=http, token=ticket.token).create_session()
    await rooms.close_room(room)  # idempotent


async def test_a_new_ticket_replaces_the_participants_old_token(
    rooms: RoomService, pool: JanusPool
) -> None:
    room = await rooms.open_room("session-3")
    first = await rooms.admit(room, "code-user")
    second = await rooms.admit(room, "code-user")

    tokens = await pool.node(room.node).admin.list_tokens()
    assert second.token in tokens
    assert first.token not in tokens
    await rooms.close_room(room)


async def test_revoking_a_participant_kicks_them_and_blocks_their_token(
    rooms: RoomService, pool: JanusPool, janus_node: RunningJanus, http: aiohttp.ClientSession
) -> None:
    room, _ticket, handle = await joined_participant(rooms, "session-4", janus_node, http)

    await rooms.revoke(room, "code-user")

    videoroom = await pool.node(room.node).videoroom()
    assert await videoroom.list_participants(room.room_id) == []
    with pytest.raises(JanusUnauthorized):
        await handle.session.keepalive()
    await rooms.close_room(room)


async def test_the_join_ticket_carries_no_server_secret(
    rooms: RoomService, janus_node: RunningJanus
) -> None:
    room = await rooms.open_room("session-5")
    ticket = await rooms.admit(room, "code-user")
    serialised = ticket.model_dump_json()

    for secret in (
        TEST_SECRETS.api_secret,
        TEST_SECRETS.admin_secret,
        TEST_SECRETS.videoroom_admin_key,
        room.secret,
        "room-test-turn-secret",
        janus_node.admin_url,
    ):
        assert secret not in serialised
    assert set(json.loads(serialised)) == {
        "janus_url",
        "room_id",
        "pin",
        "token",
        "display",
        "ice_servers",
        "expires_at",
    }
    await rooms.close_room(room)


async def test_the_ticket_lists_stun_and_turn_with_expiring_credentials(
    rooms: RoomService,
) -> None:
    room = await rooms.open_room("session-6")
    ticket = await rooms.admit(room, "code-user")

    stun, turn = ticket.ice_servers
    assert stun == {"urls": ["stun:127.0.0.1:3478"]}
    assert turn["urls"] == ["turn:127.0.0.1:3478?transport=udp"]
    assert turn["username"] == f"{int(NOW) + 600}:code-user"
    assert ticket.expires_at.timestamp() == NOW + 600
    await rooms.close_room(room)


async def test_keys_that_could_break_token_prefixes_are_refused(rooms: RoomService) -> None:
    with pytest.raises(InvalidInput):
        await rooms.open_room("session.with.dots")
    room = await rooms.open_room("session-7")
    with pytest.raises(InvalidInput):
        await rooms.admit(room, "a.b")
    await rooms.close_room(room)


async def test_the_pool_runs_from_the_settings(janus_node: RunningJanus) -> None:
    async with JanusPool.running(settings_for(janus_node)) as pool:
        assert [(node.name, node.healthy) for node in pool.nodes] == [(janus_node.name, True)]
        rooms = RoomService(pool, settings_for(janus_node))
        room = await rooms.open_room("from-settings")
        await rooms.close_room(room)
