"""The typed Janus client against a real Janus: rooms, participants, ACLs, auth, errors."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import aiohttp
import pytest

from orchestrator.domain.errors import ServiceUnavailable, UpstreamFailed
from orchestrator.janus.admin import VIDEOROOM_PLUGIN, JanusAdmin
from orchestrator.janus.client import JanusClient, JsonObject
from orchestrator.janus.errors import (
    JanusError,
    JanusRoomExists,
    JanusRoomNotFound,
    JanusUnauthorized,
    JanusUnreachable,
)
from orchestrator.janus.videoroom import RoomOptions, VideoRoom
from tests.support.janus_clients import (  # noqa: F401
    Control,
    admin_fixture,
    browser_client_fixture,
    control_fixture,
    http_fixture,
)
from tests.support.janus_server import RunningJanus, janus_node_fixture  # noqa: F401

pytestmark = pytest.mark.janus

BrowserClient = Callable[[str | None], JanusClient]


async def next_plugin_event(events: asyncio.Queue[JsonObject]) -> JsonObject:
    """The next VideoRoom event on a handle, skipping core events (media, webrtcup...)."""
    async with asyncio.timeout(10):
        while True:
            event = await events.get()
            if "plugindata" in event:
                data: JsonObject = event["plugindata"]["data"]
                return data


async def test_info_answers_without_credentials(
    janus_node: RunningJanus, http: aiohttp.ClientSession
) -> None:
    client = JanusClient(janus_node.url, http=http, node_name=janus_node.name)
    info = await client.info()
    assert info["server-name"] == janus_node.name
    assert "janus.plugin.videoroom" in info["plugins"]
    assert set(info["plugins"]) == {"janus.plugin.videoroom"}


async def test_request_without_secret_or_token_is_refused(browser_client: BrowserClient) -> None:
    with pytest.raises(JanusUnauthorized) as caught:
        await browser_client(None).create_session()
    assert caught.value.janus_code == 403
    assert caught.value.data["janus_code"] == 403


async def test_room_lifecycle_create_exists_list_destroy(control: Control) -> None:
    options = await control.new_room(pin="4711")

    assert await control.videoroom.exists(options.room)
    listed = {room.room: room for room in await control.videoroom.list_rooms()}
    assert listed[options.room].pin_required
    assert listed[options.room].is_private

    await control.videoroom.destroy(options.room, options.secret)
    assert not await control.videoroom.exists(options.room)


async def test_private_rooms_stay_hidden_from_a_list_without_admin_key(
    control: Control,
) -> None:
    options = await control.new_room()
    without_key = VideoRoom(control.videoroom.handle)
    assert options.room not in {room.room for room in await without_key.list_rooms()}
    await control.videoroom.destroy(options.room, options.secret)


async def test_destroying_an_unknown_room_maps_to_janus_code_426(control: Control) -> None:
    with pytest.raises(JanusRoomNotFound) as caught:
        await control.videoroom.destroy("no-such-room", "whatever")
    error = caught.value
    assert isinstance(error, UpstreamFailed)
    assert error.status == 502
    assert error.data["janus_code"] == 426
    assert error.data["janus_error"] == "no_such_room"
    assert error.data["request"] == "destroy"


async def test_creating_a_room_twice_maps_to_janus_code_427(control: Control) -> None:
    options = await control.new_room()
    with pytest.raises(JanusRoomExists) as caught:
        await control.videoroom.create(options)
    assert caught.value.janus_code == 427
    await control.videoroom.destroy(options.room, options.secret)


async def test_creating_a_room_without_the_admin_key_is_refused(control: Control) -> None:
    without_key = VideoRoom(control.videoroom.handle)
    with pytest.raises(JanusUnauthorized) as caught:
        await without_key.create(RoomOptions(room="sneaky-room", secret="x"))
    assert caught.value.janus_code == 429  # admin_key missing
    wrong_key = VideoRoom(control.videoroom.handle, admin_key="wrong")
    with pytest.raises(JanusUnauthorized) as caught:
        await wrong_key.create(RoomOptions(room="sneaky-room", secret="x"))
    assert caught.value.janus_code == 433
    assert not await control.videoroom.exists("sneaky-room")


async def test_destroying_with_a_wrong_room_secret_is_refused(control: Control) -> None:
    options = await control.new_room()
    with pytest.raises(JanusUnauthorized):
        await control.videoroom.destroy(options.room, "wrong-secret")
    assert await control.videoroom.exists(options.room)
    await control.videoroom.destroy(options.room, options.secret)


async def test_token_auth_admitted_token_works_and_revoked_token_is_refused(
    admin: JanusAdmin,
    browser_client: BrowserClient,
) -> None:
    with pytest.raises(JanusUnauthorized):
        await browser_client("not-yet-added").create_session()

    assert await admin.add_token("participant-token-1") == [VIDEOROOM_PLUGIN]
    session = await browser_client("participant-token-1").create_session()
    handle = await session.attach(VIDEOROOM_PLUGIN)
    assert handle.id > 0

    await admin.remove_token("participant-token-1")
    with pytest.raises(JanusUnauthorized) as caught:
        await session.keepalive()
    assert caught.value.janus_code == 403
    assert "participant-token-1" not in await admin.list_tokens()


async def test_participants_listed_and_kicked(
    control: Control,
    admin: JanusAdmin,
    browser_client: BrowserClient,
) -> None:
    options = await control.new_room(pin="2468", acl=True)
    await control.videoroom.allowed(options.room, options.secret, "add", ["kick-me-token"])
    await admin.add_token("kick-me-token")
    session = await browser_client("kick-me-token").create_session()
    handle = await session.attach(VIDEOROOM_PLUGIN)
    joined = await handle.message(
        {
            "request": "join",
            "ptype": "publisher",
            "room": options.room,
            "pin": "2468",
            "token": "kick-me-token",
            "display": "code-user",
        }
    )
    participant_id = str(joined.data["id"])

    participants = await control.videoroom.list_participants(options.room)
    assert [(p.id, p.display) for p in participants] == [(participant_id, "code-user")]

    await control.videoroom.kick(options.room, options.secret, participant_id)
    assert await control.videoroom.list_participants(options.room) == []
    assert (await next_plugin_event(handle.events)).get("leaving") == "ok"

    await session.destroy()
    await admin.remove_token("kick-me-token")
    await control.videoroom.destroy(options.room, options.secret)


async def test_room_acl_admits_only_allowed_tokens(
    control: Control,
    admin: JanusAdmin,
    browser_client: BrowserClient,
) -> None:
    options = await control.new_room(pin="1357", acl=True)
    await admin.add_token("acl-token")
    session = await browser_client("acl-token").create_session()
    handle = await session.attach(VIDEOROOM_PLUGIN)
    join = {"request": "join", "ptype": "publisher", "room": options.room, "pin": "1357"}

    with pytest.raises(JanusUnauthorized) as caught:
        await handle.message({**join, "token": "acl-token"})
    assert caught.value.janus_code == 433

    assert await control.videoroom.allowed(options.room, options.secret, "add", ["acl-token"]) == [
        "acl-token"
    ]
    with pytest.raises(JanusError) as wrong_pin:
        await handle.message({**join, "pin": "0000", "token": "acl-token"})
    assert wrong_pin.value.janus_code == 433
    joined = await handle.message({**join, "token": "acl-token"})
    assert joined.data["videoroom"] == "joined"

    remaining = await control.videoroom.allowed(
        options.room, options.secret, "remove", ["acl-token"]
    )
    assert remaining == []
    await session.destroy()
    await admin.remove_token("acl-token")
    await control.videoroom.destroy(options.room, options.secret)


async def test_destroying_a_room_tells_its_participants(
    control: Control,
    janus_node: RunningJanus,
    http: aiohttp.ClientSession,
) -> None:
    options = await control.new_room()
    participant = JanusClient(janus_node.url, http=http, api_secret=janus_node.secrets.api_secret)
    session = await participant.create_session()
    handle = await session.attach(VIDEOROOM_PLUGIN)
    await handle.message({"request": "join", "ptype": "publisher", "room": options.room})

    await control.videoroom.destroy(options.room, options.secret)
    assert (await next_plugin_event(handle.events))["videoroom"] == "destroyed"
    await session.destroy()


async def test_admin_requests_need_the_admin_secret(
    janus_node: RunningJanus, http: aiohttp.ClientSession
) -> None:
    wrong = JanusAdmin(janus_node.admin_url, "wrong-secret", http=http)
    with pytest.raises(JanusUnauthorized):
        await wrong.list_sessions()


async def test_unreachable_node_is_service_unavailable(http: aiohttp.ClientSession) -> None:
    from tests.support.ports import free_tcp_ports

    (closed_port,) = free_tcp_ports(1)
    client = JanusClient(f"http://127.0.0.1:{closed_port}/janus", http=http, node_name="gone")
    with pytest.raises(JanusUnreachable) as caught:
        await client.create_session()
    assert isinstance(caught.value, ServiceUnavailable)
    assert caught.value.status == 503
    assert caught.value.data == {"node": "gone"}


async def test_api_secret_and_token_are_alternatives(
    janus_node: RunningJanus,
    admin: JanusAdmin,
    http: aiohttp.ClientSession,
) -> None:
    """Janus accepts a request if EITHER its apisecret OR its token is valid."""
    await admin.add_token("alternative-token")
    with_secret_only = JanusClient(
        janus_node.url, http=http, api_secret=janus_node.secrets.api_secret
    )
    token_and_wrong_secret = JanusClient(
        janus_node.url, http=http, api_secret="wrong", token="alternative-token"
    )
    secret_and_wrong_token = JanusClient(
        janus_node.url, http=http, api_secret=janus_node.secrets.api_secret, token="wrong"
    )
    for client in (with_secret_only, token_and_wrong_secret, secret_and_wrong_token):
        session = await client.create_session()
        await session.destroy()

    await admin.remove_token("alternative-token")
    with pytest.raises(JanusUnauthorized):
        await token_and_wrong_secret.create_session()


async def test_browsers_reach_the_websocket_transport_with_their_token_only(
    janus_node: RunningJanus,
    admin: JanusAdmin,
    http: aiohttp.ClientSession,
) -> None:
    """The node's public URL (WebSockets, as janus.js uses it) honours token auth."""
    await admin.add_token("websocket-token")
    async with http.ws_connect(janus_node.public_url, protocols=("janus-protocol",)) as socket:
        await socket.send_json({"janus": "create", "transaction": "no-token"})
        refused = await socket.receive_json(timeout=10)
        await socket.send_json(
            {"janus": "create", "transaction": "with-token", "token": "websocket-token"}
        )
        accepted = await socket.receive_json(timeout=10)
        await socket.send_json(
            {
                "janus": "destroy",
                "transaction": "bye",
                "token": "websocket-token",
                "session_id": accepted["data"]["id"],
            }
        )
        await socket.receive_json(timeout=10)
    await admin.remove_token("websocket-token")

    assert (refused["janus"], refused["error"]["code"]) == ("error", 403)
    assert accepted["janus"] == "success"
