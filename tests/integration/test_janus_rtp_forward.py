"""RTP forwarding of a real publisher to a local UDP port, guarded by the admin key.

The publisher is a headless aiortc peer; its media reaches Janus over the
machine's own address (Janus gathers no loopback candidates), the forwarded
RTP goes to 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Iterator

import aiohttp
import pytest

from orchestrator.janus.admin import VIDEOROOM_PLUGIN
from orchestrator.janus.client import JanusClient
from orchestrator.janus.errors import JanusUnauthorized
from orchestrator.janus.videoroom import ForwardStream, RoomOptions, VideoRoom
from tests.support.janus_clients import Control, control_fixture, http_fixture  # noqa: F401
from tests.support.janus_server import RunningJanus, janus_node_fixture  # noqa: F401
from tests.support.synthetic_publisher import SyntheticPublisher, publish_test_pattern

pytestmark = pytest.mark.janus


@pytest.fixture(name="udp_sink")
def udp_sink_fixture() -> Iterator[socket.socket]:
    """A UDP socket on 127.0.0.1 that the forwarded RTP is sent to."""
    sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sink.bind(("127.0.0.1", 0))
    sink.setblocking(False)
    try:
        yield sink
    finally:
        sink.close()


@pytest.fixture(name="room_with_publisher")
async def room_with_publisher_fixture(
    control: Control, janus_node: RunningJanus, http: aiohttp.ClientSession
) -> AsyncIterator[tuple[RoomOptions, SyntheticPublisher]]:
    room = await control.new_room(pin="9999")
    client = JanusClient(janus_node.url, http=http, api_secret=janus_node.secrets.api_secret)
    session = await client.create_session()
    handle = await session.attach(VIDEOROOM_PLUGIN)
    publisher = await publish_test_pattern(handle, room.room, pin="9999")
    try:
        yield room, publisher
    finally:
        await publisher.close()
        await session.destroy()
        await control.videoroom.destroy(room.room, room.secret)


async def test_rtp_forward_sends_the_publishers_video_to_a_local_port(
    control: Control,
    room_with_publisher: tuple[RoomOptions, SyntheticPublisher],
    udp_sink: socket.socket,
) -> None:
    room, publisher = room_with_publisher
    port = udp_sink.getsockname()[1]

    forwarders = await control.videoroom.rtp_forward(
        room.room, room.secret, publisher.participant_id, [ForwardStream(mid="0", port=port, pt=96)]
    )

    assert [(f.type, f.host, f.port, f.pt) for f in forwarders] == [
        ("video", "127.0.0.1", port, 96)
    ]
    async with asyncio.timeout(15):
        packet = await asyncio.get_running_loop().sock_recv(udp_sink, 2048)
    assert packet[0] >> 6 == 2  # RTP version 2
    assert packet[1] & 0x7F == 96  # the payload type we asked for
    listed = await control.videoroom.list_forwarders(room.room, room.secret)
    assert [f.stream_id for f in listed[publisher.participant_id]] == [forwarders[0].stream_id]

    await control.videoroom.stop_rtp_forward(
        room.room, room.secret, publisher.participant_id, forwarders[0].stream_id
    )
    assert await control.videoroom.list_forwarders(room.room, room.secret) == {}


async def test_rtp_forward_without_the_admin_key_is_refused(
    control: Control,
    room_with_publisher: tuple[RoomOptions, SyntheticPublisher],
    udp_sink: socket.socket,
) -> None:
    room, publisher = room_with_publisher
    stream = ForwardStream(mid="0", port=udp_sink.getsockname()[1])
    without_key = VideoRoom(control.videoroom.handle)
    wrong_key = VideoRoom(control.videoroom.handle, admin_key="guessed")

    with pytest.raises(JanusUnauthorized) as missing:
        await without_key.rtp_forward(room.room, room.secret, publisher.participant_id, [stream])
    with pytest.raises(JanusUnauthorized) as wrong:
        await wrong_key.rtp_forward(room.room, room.secret, publisher.participant_id, [stream])

    assert (missing.value.janus_code, wrong.value.janus_code) == (429, 433)
    assert await control.videoroom.list_forwarders(room.room, room.secret) == {}


async def test_rtp_forward_with_an_rtcp_port_reports_where_to_send_keyframe_requests(
    control: Control,
    room_with_publisher: tuple[RoomOptions, SyntheticPublisher],
    udp_sink: socket.socket,
) -> None:
    """The recorder sends a PLI to ``local_rtcp_port`` so ffmpeg gets a keyframe at once."""
    room, publisher = room_with_publisher
    port = udp_sink.getsockname()[1]
    stream = ForwardStream(mid="0", port=port, pt=100, rtcp_port=port + 1)

    (forwarder,) = await control.videoroom.rtp_forward(
        room.room, room.secret, publisher.participant_id, [stream]
    )

    assert forwarder.remote_rtcp_port == port + 1
    assert forwarder.local_rtcp_port is not None and forwarder.local_rtcp_port > 0
    await control.videoroom.stop_rtp_forward(
        room.room, room.secret, publisher.participant_id, forwarder.stream_id
    )
