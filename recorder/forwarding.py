"""What a recorder gets from the orchestrator: RTP forwards of a call to ports it named.

The recorder owns ffmpeg and its UDP ports; the orchestrator alone holds Janus's admin
secret and the VideoRoom admin key (decision 0008). A recorder therefore reserves port
pairs, asks for the call to be forwarded to them (:class:`Forwarding`), and gets a
:class:`ForwardGrant` back: which stream goes to which port (for ffmpeg's SDP) and
where to send keyframe requests. :class:`DirectForwarding` answers in the
orchestrator's own process; ``recorder/bus_forwarding.py`` carries the same request
over the bus to a recorder running on its own (``fernblick recorder``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from dataclasses import asdict, dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit

from orchestrator.actions.unit_of_work import UnitOfWork
from orchestrator.db.models import Recording, VideoSession
from orchestrator.janus.errors import JanusError
from orchestrator.janus.pool import JanusNodeConnection, JanusPool
from recorder.forward import (
    Leg,
    PlannedStream,
    PublishedStream,
    RoomForward,
    live_legs,
    plan,
    pli_packet,
    published_streams,
)

log = logging.getLogger(__name__)

PORT_PAIRS_PER_RECORDING = 6
"""Port pairs a recorder reserves per recording: two participants' audio and video, and
room for a second video each (a shared screen); streams beyond them are not recorded."""


@dataclass(frozen=True)
class ForwardGrant:
    """The forwards of one recording as the recorder needs them (JSON-serialisable)."""

    streams: list[PlannedStream]
    janus_host: str
    keyframe_targets: list[tuple[int, int]]
    """(Janus ``local_rtcp_port``, media SSRC) of every forwarded video stream."""

    def to_data(self) -> dict[str, Any]:
        return {
            "streams": [{**asdict(item.stream), "port": item.port} for item in self.streams],
            "janus_host": self.janus_host,
            "keyframe_targets": [list(target) for target in self.keyframe_targets],
        }

    @classmethod
    def of(cls, planned: list[PlannedStream], janus_url: str, forward: RoomForward) -> ForwardGrant:
        """The grant of forwards just started (``janus_url``: the node's API address)."""
        return cls(
            planned,
            urlsplit(janus_url).hostname or "127.0.0.1",
            [
                (forwarder.local_rtcp_port, forwarder.ssrc or 0)
                for forwarders in forward.started.values()
                for forwarder in forwarders
                if forwarder.type == "video" and forwarder.local_rtcp_port
            ],
        )

    @classmethod
    def from_answer(cls, answer: dict[str, Any]) -> ForwardGrant | None:
        """The grant an orchestrator's answer carries; None: nothing to forward."""
        grant = answer.get("grant")
        return cls.from_data(grant) if grant else None

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> ForwardGrant:
        streams = [
            PlannedStream(
                PublishedStream(**{k: v for k, v in item.items() if k != "port"}),
                int(item["port"]),
            )
            for item in data["streams"]
        ]
        targets = [(int(port), int(ssrc)) for port, ssrc in data["keyframe_targets"]]
        return cls(streams, str(data["janus_host"]), targets)

    async def request_keyframes(self, times: int = 3, interval: float = 0.4) -> None:
        """Send RTCP PLIs to every video forwarder, a few times, since UDP may drop one;
        Janus relays them to the publisher, whose next frame is then a keyframe."""
        if not self.keyframe_targets:
            return
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
            for attempt in range(times):
                for port, ssrc in self.keyframe_targets:
                    with contextlib.suppress(OSError):  # the next request may get through
                        sender.sendto(pli_packet(ssrc), (self.janus_host, port))
                if attempt + 1 < times:
                    await asyncio.sleep(interval)


async def start_forward(
    node: JanusNodeConnection, session: VideoSession, planned: list[PlannedStream], host: str
) -> tuple[RoomForward, ForwardGrant]:
    """Start the planned forwards of the session's room to ``host``; all or none."""
    assert session.room_id and session.room_secret
    forward = RoomForward(await node.videoroom(), session.room_id, session.room_secret, host)
    try:
        await forward.start(planned)
    except Exception:
        await forward.stop()
        raise
    return forward, ForwardGrant.of(planned, node.node.url, forward)


class Forwarding(Protocol):
    """The recorder's view of the orchestrator's Janus rights."""

    async def open(self, recording_id: int, host: str, ports: list[int]) -> ForwardGrant | None:
        """Forward the recording's call to ``host`` on ``ports`` (even RTP ports, RTCP on the
        next); None when there is nothing to record (no room, nobody publishing)."""

    async def close(self, recording_id: int) -> None:
        """Stop the recording's forwards; nothing when there are none."""

    async def stop_stale(self, recording_id: int, host: str, port_min: int, port_max: int) -> None:
        """Stop forwards that a dead recorder left aimed at its port range."""


class DirectForwarding:
    """Forwarding by the orchestrator's own Janus control handle (one per process)."""

    def __init__(self, uow: UnitOfWork, pool: JanusPool) -> None:
        self.uow = uow
        self.pool = pool
        self.running: dict[int, RoomForward] = {}

    async def open(self, recording_id: int, host: str, ports: list[int]) -> ForwardGrant | None:
        await self.close(recording_id)  # a repeated request replaces the earlier forwards
        found = await self._room_and_legs(recording_id)
        if found is None:
            return None
        session, legs = found
        assert session.janus_node and session.room_id and session.room_secret
        node = self.pool.node(session.janus_node)
        streams = (await published_streams(node, legs))[: len(ports)]
        if not streams:
            return None
        forward, grant = await start_forward(
            node, session, plan(streams, ports[: len(streams)]), host
        )
        self.running[recording_id] = forward
        return grant

    async def close(self, recording_id: int) -> None:
        forward = self.running.pop(recording_id, None)
        if forward is not None:
            await forward.stop()

    async def stop_stale(self, recording_id: int, host: str, port_min: int, port_max: int) -> None:
        await self.close(recording_id)
        async with self.uow.read() as db:
            recording = await db.get(Recording, recording_id)
            session = await db.get(VideoSession, recording.session_id) if recording else None
        if session is None or not (session.janus_node and session.room_id and session.room_secret):
            return
        try:
            videoroom = await self.pool.node(session.janus_node).videoroom()
            listed = await videoroom.list_forwarders(session.room_id, session.room_secret)
            for publisher_id, forwarders in listed.items():
                for forwarder in forwarders:
                    if forwarder.host == host and port_min <= forwarder.port <= port_max:
                        await videoroom.stop_rtp_forward(
                            session.room_id, session.room_secret, publisher_id, forwarder.stream_id
                        )
        except (JanusError, KeyError) as exc:
            log.info("stale forwards of recording %s not stopped: %s", recording_id, exc)

    async def _room_and_legs(self, recording_id: int) -> tuple[VideoSession, list[Leg]] | None:
        async with self.uow.read() as db:
            recording = await db.get(Recording, recording_id)
            if recording is None:
                return None
            session = await db.get(VideoSession, recording.session_id)
            if session is None or not (
                session.janus_node and session.room_id and session.room_secret
            ):
                return None
            return session, await live_legs(db, recording.call_id)
