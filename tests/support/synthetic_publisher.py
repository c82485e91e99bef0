"""A headless WebRTC publisher (aiortc test-pattern video) for tests and benchmarks.

It joins a VideoRoom through our own client, so it can present the room pin
and a participant token like a browser does, then publishes one video track.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from aiortc import (
    AudioStreamTrack,
    MediaStreamTrack,
    RTCPeerConnection,
    RTCSessionDescription,
    VideoStreamTrack,
)

from orchestrator.janus.client import JanusHandle


@dataclass
class SyntheticPublisher:
    """A joined, publishing participant; ``close()`` ends its PeerConnection."""

    handle: JanusHandle
    peer_connection: RTCPeerConnection
    participant_id: str

    async def close(self) -> None:
        await self.peer_connection.close()


async def publish_test_pattern(
    handle: JanusHandle,
    room: str,
    *,
    pin: str | None = None,
    token: str | None = None,
    display: str = "synthetic",
    within_seconds: float = 20.0,
    audio: bool = False,
    video: MediaStreamTrack | None = None,
) -> SyntheticPublisher:
    """Join ``room`` as publisher on ``handle`` and publish video (aiortc's test pattern
    unless ``video`` is given) until WebRTC is up."""
    join: dict[str, str] = {"request": "join", "ptype": "publisher", "room": room}
    join["display"] = display
    if pin is not None:
        join["pin"] = pin
    if token is not None:
        join["token"] = token
    joined = await handle.message(join)
    peer_connection = RTCPeerConnection()
    if audio:  # silence, as opus; the recorder tests want both kinds of track
        peer_connection.addTrack(AudioStreamTrack())
    peer_connection.addTrack(video or VideoStreamTrack())
    await peer_connection.setLocalDescription(await peer_connection.createOffer())
    local = peer_connection.localDescription
    answer = await handle.message(
        {"request": "publish"}, jsep={"type": local.type, "sdp": local.sdp}
    )
    if answer.jsep is None:
        await peer_connection.close()
        raise RuntimeError("Janus answered publish without an SDP answer")
    await peer_connection.setRemoteDescription(
        RTCSessionDescription(sdp=answer.jsep["sdp"], type=answer.jsep["type"])
    )
    async with asyncio.timeout(within_seconds):
        while (await handle.events.get()).get("janus") != "webrtcup":
            pass
    return SyntheticPublisher(handle, peer_connection, str(joined.data["id"]))
