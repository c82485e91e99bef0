"""Asking Janus to forward a room's published streams as plain RTP to local ports.

Only the orchestrator runs this (``docs/decisions/0008-recorder.md``): it uses the
orchestrator's own Janus control handle, which holds the VideoRoom admin key that
``lock_rtp_forward`` demands, and the room secret from the session row; recorders get
the result through ``recorder/forwarding.py``.
Which streams a publisher sends (audio, video, their mids and codecs) comes from the
Janus admin API's ``handle_info`` of each call leg. Janus does not ask for a keyframe
when a forward starts, so the recorder sends an RTCP PLI (:func:`pli_packet`) to each
video forwarder's ``local_rtcp_port``, which Janus relays to the publisher.
"""

from __future__ import annotations

import logging
import random
import socket
import struct
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from orchestrator.db.models import CallLeg
from orchestrator.domain.types import ParticipantKind
from orchestrator.janus.errors import JanusError
from orchestrator.janus.pool import JanusNodeConnection
from orchestrator.janus.videoroom import Forwarder, ForwardStream, VideoRoom
from recorder.ffmpeg import SdpStream

log = logging.getLogger(__name__)

CODECS: dict[str, tuple[str, int]] = {
    "opus": ("opus/48000/2", 111),
    "vp8": ("VP8/90000", 96),
    "vp9": ("VP9/90000", 98),
    "h264": ("H264/90000", 102),
}
"""Janus codec name -> (SDP rtpmap, payload type we ask the forwarder to use)."""


@dataclass(frozen=True)
class PublishedStream:
    publisher_id: str
    label: str
    kind: str
    mid: str
    codec: str


@dataclass(frozen=True)
class Leg:
    """A participant's publisher handle, as the call's legs record it."""

    label: str
    janus_session_id: int
    handle_id: int


async def live_legs(
    db: AsyncSession, call_id: int, side: ParticipantKind | None = None
) -> list[Leg]:
    """The call's legs still in the room (only ``side``'s, when given)."""
    query = select(CallLeg).where(CallLeg.call_id == call_id, CallLeg.left_at.is_(None))
    if side is not None:
        query = query.where(CallLeg.side == side)
    rows = await db.scalars(query)
    return [Leg(row.participant_key, row.janus_session_id, row.handle_id) for row in rows]


async def published_streams(node: JanusNodeConnection, legs: list[Leg]) -> list[PublishedStream]:
    """The active audio and video streams of the legs' publishers (admin ``handle_info``)."""
    found: list[PublishedStream] = []
    for leg in legs:
        try:
            answer = await node.admin.request(
                "handle_info", session_id=leg.janus_session_id, handle_id=leg.handle_id
            )
        except JanusError as exc:
            log.info("handle_info of %s failed (%s); its streams are not recorded", leg.label, exc)
            continue
        plugin: dict[str, Any] = answer.get("info", {}).get("plugin_specific", {})
        publisher_id = plugin.get("id")
        if publisher_id is None or plugin.get("type") != "publisher":
            continue
        for stream in plugin.get("streams", []):
            kind, codec = stream.get("type"), str(stream.get("codec", "")).lower()
            if kind in ("audio", "video") and codec in CODECS and not stream.get("disabled"):
                found.append(
                    PublishedStream(str(publisher_id), leg.label, kind, str(stream["mid"]), codec)
                )
    return found


def allocate_port_pairs(count: int, start: int, end: int) -> list[int]:
    """``count`` even ports in [start, end) whose pair (RTP, RTCP) is free right now."""
    ports: list[int] = []
    candidates = list(range(start + start % 2, end - 1, 2))
    random.shuffle(candidates)
    for port in candidates:
        if len(ports) == count:
            break
        if _udp_free(port) and _udp_free(port + 1):
            ports.append(port)
    if len(ports) < count:
        raise OSError(f"no {count} free UDP port pairs in {start}-{end}")
    return ports


def _udp_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.bind(("0.0.0.0", port))
        except OSError:
            return False
    return True


@dataclass
class PlannedStream:
    stream: PublishedStream
    port: int

    @property
    def payload_type(self) -> int:
        return CODECS[self.stream.codec][1]

    def sdp(self) -> SdpStream:
        return SdpStream(
            kind=self.stream.kind,
            port=self.port,
            payload_type=self.payload_type,
            codec=CODECS[self.stream.codec][0],
            label=f"{self.stream.label} {self.stream.kind}",
        )


def plan(streams: list[PublishedStream], ports: list[int]) -> list[PlannedStream]:
    return [PlannedStream(stream, port) for stream, port in zip(streams, ports, strict=True)]


@dataclass
class RoomForward:
    """The forwarders of one recording; started once, stopped once."""

    videoroom: VideoRoom
    room_id: str
    secret: str
    host: str
    started: dict[str, list[Forwarder]] = field(default_factory=dict)

    async def start(self, planned: list[PlannedStream]) -> None:
        """One ``rtp_forward`` per publisher with all its streams (video gets RTCP)."""
        by_publisher: dict[str, list[PlannedStream]] = {}
        for item in planned:
            by_publisher.setdefault(item.stream.publisher_id, []).append(item)
        for publisher_id, items in by_publisher.items():
            self.started[publisher_id] = await self.videoroom.rtp_forward(
                self.room_id,
                self.secret,
                publisher_id,
                [
                    ForwardStream(
                        mid=item.stream.mid,
                        port=item.port,
                        pt=item.payload_type,
                        rtcp_port=item.port + 1 if item.stream.kind == "video" else None,
                    )
                    for item in items
                ],
                host=self.host,
            )

    async def stop(self) -> None:
        """Stop every forwarder; a room already gone (call ended) is not an error."""
        for publisher_id, forwarders in self.started.items():
            for forwarder in forwarders:
                try:
                    await self.videoroom.stop_rtp_forward(
                        self.room_id, self.secret, publisher_id, forwarder.stream_id
                    )
                except JanusError as exc:
                    log.debug("stop_rtp_forward %s: %s", forwarder.stream_id, exc)
        self.started.clear()


def pli_packet(media_ssrc: int, sender_ssrc: int = 1) -> bytes:
    """An RTCP Picture Loss Indication (RFC 4585: PT 206, FMT 1, length 2)."""
    return struct.pack("!BBHII", 0x80 | 1, 206, 2, sender_ssrc, media_ssrc & 0xFFFFFFFF)
