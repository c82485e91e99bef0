"""The tracker worker: the code user's video in, marker positions out, per session.

It reacts to committed events: ``marker.placed`` starts (or feeds) the session's
tracking, ``marker.removed`` takes a marker away, and when no marker is left, or
``call.ended`` arrives, the forward, the socket and the decoder are dropped.

Per tracked session: Janus forwards the code user's video to a local UDP port (asked
for through ``tracker/forwarding.py``: only the orchestrator holds the rights); ``tracker/rtp.py``
assembles VP8 frames with their original RTP timestamps; one thread at a time
decodes and tracks them (``tracker/session.py``); each tracked frame's positions go to
the session's fan-out channel, which reaches both participants' WebSockets. Frames,
placements and removals share one queue, so they apply in the order they came.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from orchestrator.events.bus import MessageBus
from orchestrator.events.schemas import Event
from orchestrator.lifecycle import cancel_and_wait
from orchestrator.realtime.fanout import Fanout, session_channel
from orchestrator.settings import Settings
from recorder.forward import allocate_port_pairs
from recorder.forwarding import ForwardGrant
from tracker.forwarding import TrackerForwarding
from tracker.rtp import RtpReceiver
from tracker.session import Item, Place, Remove, SessionMarkers

log = logging.getLogger(__name__)

ORIGIN = "tracker"
"""The sender id of our frames on the session channel (no browser has it)."""
KEYFRAME_REQUEST_SECONDS = 0.5
"""At most one keyframe request per this interval after lost packets."""
BIND_ATTEMPTS = 3
"""Free ports tried in turn when another process takes the one we found before we bind it."""


@dataclass
class TrackedSession:
    """One session's forward, socket, queue and processing task."""

    markers: SessionMarkers
    grant: ForwardGrant | None = None
    transport: asyncio.DatagramTransport | None = None
    queue: asyncio.Queue[Item] = field(default_factory=asyncio.Queue)
    task: asyncio.Task[None] | None = None
    last_keyframe_request: float = 0.0
    busy_seconds: float = 0.0
    requests: set[asyncio.Task[None]] = field(default_factory=set)
    showing: bool = False
    """The last positions sent had markers (so stopping must send an empty message)."""
    batches: int = 0


class TrackerWorker:
    """One per process (embedded in the orchestrator or ``fernblick tracker``)."""

    queue = "tracker"
    binding_keys = ("marker.placed", "marker.removed", "call.ended")

    def __init__(
        self, forwarding: TrackerForwarding, fanout: Fanout, settings: Settings
    ) -> None:
        self.forwarding = forwarding
        self.fanout = fanout
        self.settings = settings
        self.sessions: dict[int, TrackedSession] = {}
        self._lock = asyncio.Lock()

    async def attach(self, bus: MessageBus) -> None:
        await bus.consume(self.queue, self.binding_keys, self.on_event)

    async def on_event(self, event: Event) -> None:
        session_id = event.payload.session.id
        data = event.payload.data
        if event.type == "marker.placed":
            timestamp = data.get("rtp_timestamp")
            await self.place(
                session_id,
                Place(
                    str(data["marker_id"]),
                    float(data["x"]),
                    float(data["y"]),
                    int(timestamp) if timestamp is not None else None,
                    tuple(int(v) for v in data.get("patch") or ()),
                ),
            )
        elif event.type == "marker.removed":
            tracked = self.sessions.get(session_id)
            if tracked is not None:
                tracked.queue.put_nowait(Remove(str(data["marker_id"])))
        elif event.type == "call.ended":
            await self.stop(session_id)

    async def place(self, session_id: int, place: Place) -> None:
        """Queue a placement, starting the session's video first if needed."""
        async with self._lock:
            tracked = self.sessions.get(session_id)
            if tracked is not None:
                tracked.queue.put_nowait(place)
                return
            tracked = await self._start(session_id, place)
            if tracked is not None:
                self.sessions[session_id] = tracked

    # --- start and stop ---------------------------------------------------------------

    async def _start(self, session_id: int, first: Place) -> TrackedSession | None:
        tracked = TrackedSession(SessionMarkers(session_id))
        tracked.queue.put_nowait(first)  # before any frame, so the task starts with a marker
        transport, port = await self._bind_receiver(tracked)
        tracked.transport = transport
        _enlarge_receive_buffer(transport)
        try:
            tracked.grant = await self.forwarding.open(
                session_id, self.settings.recorder_rtp_host, port
            )
        except BaseException:
            transport.close()
            raise
        if tracked.grant is None:  # no call room, or no VP8 video from the code user
            transport.close()
            log.info("session %s: nothing to track, marker ignored", session_id)
            return None
        tracked.task = asyncio.create_task(self._run(session_id, tracked))
        self._in_background(tracked, self._request_keyframe(tracked))  # frames flow meanwhile
        log.info("session %s: tracking the code user's video on port %s", session_id, port)
        return tracked

    async def _bind_receiver(
        self, tracked: TrackedSession
    ) -> tuple[asyncio.DatagramTransport, int]:
        """The UDP socket Janus forwards to, on a free port of the recorder's range.

        A port found free can be taken by another process before we bind it (the range may
        overlap the kernel's ephemeral ports), so a taken one is replaced by another.
        """
        settings = self.settings
        loop = asyncio.get_running_loop()
        attempts_left = BIND_ATTEMPTS
        while True:
            (port,) = allocate_port_pairs(1, settings.recorder_port_min, settings.recorder_port_max)
            attempts_left -= 1
            try:
                transport, _ = await loop.create_datagram_endpoint(
                    lambda: RtpReceiver(tracked.queue.put_nowait, lambda: self._lost(tracked)),
                    local_addr=(settings.recorder_rtp_host, port),
                )
            except OSError as exc:
                if not attempts_left:
                    raise
                log.info("port %s was taken before we bound it (%s); trying another", port, exc)
                continue
            return transport, port

    def _lost(self, tracked: TrackedSession) -> None:
        """Lost packets: decode nothing until a keyframe, and ask for one (rate-limited)."""
        tracked.queue.put_nowait(None)
        now = time.monotonic()
        if now - tracked.last_keyframe_request >= KEYFRAME_REQUEST_SECONDS:
            tracked.last_keyframe_request = now
            log.info(
                "session %s: RTP packets lost; waiting for a keyframe", tracked.markers.session_id
            )
            self._in_background(tracked, self._request_keyframe(tracked, 1))

    @staticmethod
    def _in_background(tracked: TrackedSession, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        tracked.requests.add(task)  # keep a reference until it is done
        task.add_done_callback(tracked.requests.discard)

    @staticmethod
    async def _request_keyframe(tracked: TrackedSession, times: int = 3) -> None:
        """RTCP PLIs to the forwarder's RTCP port (Janus relays them to the phone)."""
        if tracked.grant is not None:
            await tracked.grant.request_keyframes(times)

    async def stop(self, session_id: int) -> None:
        """Stop forwarding and decoding; the participants see no marker any more."""
        async with self._lock:
            tracked = self.sessions.pop(session_id, None)
        if tracked is None:
            return
        if tracked.transport is not None:
            tracked.transport.close()
        await self.forwarding.close(session_id)
        await cancel_and_wait(tracked.task, *tracked.requests)
        tracked.markers.markers.clear()
        if tracked.showing:
            await self._publish(session_id, tracked.markers.message())
        log.info("session %s: tracking stopped", session_id)

    async def close(self) -> None:
        for session_id in list(self.sessions):
            await self.stop(session_id)

    # --- processing -------------------------------------------------------------------

    async def _run(self, session_id: int, tracked: TrackedSession) -> None:
        """Take what queued up, process it in a thread, publish each message as soon as it
        is made, until no marker is left."""
        loop = asyncio.get_running_loop()
        outgoing: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

        def emit(message: dict[str, Any]) -> None:
            loop.call_soon_threadsafe(outgoing.put_nowait, message)

        publisher = asyncio.create_task(self._publish_each(session_id, tracked, outgoing))
        try:
            await self._process(session_id, tracked, emit, outgoing)
        finally:
            await cancel_and_wait(publisher)

    async def _process(
        self,
        session_id: int,
        tracked: TrackedSession,
        emit: Callable[[dict[str, Any]], None],
        outgoing: asyncio.Queue[dict[str, Any]],
    ) -> None:
        while True:
            batch = [await tracked.queue.get()]
            while not tracked.queue.empty():
                batch.append(tracked.queue.get_nowait())
            began = time.perf_counter()
            await asyncio.to_thread(tracked.markers.apply, batch, None, emit)
            tracked.busy_seconds += time.perf_counter() - began
            tracked.batches += 1
            if tracked.batches % 300 == 0:
                log.info(
                    "session %s: %d frames decoded, %d not tracked (behind), "
                    "%.1f ms per batch (%d batches)",
                    session_id,
                    tracked.markers.decoded,
                    tracked.markers.skipped,
                    1000 * tracked.busy_seconds / tracked.batches,
                    tracked.batches,
                )
            if not tracked.markers.busy:
                await outgoing.join()  # the last positions out before the empty message
                tracked.task = None
                await self.stop(session_id)
                return

    async def _publish_each(
        self, session_id: int, tracked: TrackedSession, outgoing: asyncio.Queue[dict[str, Any]]
    ) -> None:
        """Publish the session's messages one by one, in the order they were made."""
        while True:
            message = await outgoing.get()
            try:
                await self._publish(session_id, message)
                tracked.showing = bool(message["markers"])
            except Exception:  # the fan-out is away for a moment: positions are fleeting
                log.warning("session %s: positions not published", session_id, exc_info=True)
            finally:
                outgoing.task_done()

    async def _publish(self, session_id: int, message: dict[str, Any]) -> None:
        """Through the in-call tool channel (``orchestrator/realtime/call_channel.py``),
        which hands ``frame`` to every participant that joined the session's tools."""
        await self.fanout.publish(
            {"origin": ORIGIN, "frame": message}, channel=session_channel(session_id)
        )


RECEIVE_BUFFER_BYTES = 4 << 20
"""A decoder that falls behind for a moment must not lose packets: each loss costs
everything up to the next keyframe."""


def _enlarge_receive_buffer(transport: asyncio.DatagramTransport) -> None:
    sock = transport.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):  # the kernel caps it at net.core.rmem_max
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RECEIVE_BUFFER_BYTES)
