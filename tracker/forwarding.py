"""What the tracker worker gets from the orchestrator: the code user's video on its port.

Only the orchestrator holds Janus's admin secret and the VideoRoom admin key that
``rtp_forward`` demands (decisions 0008 and 0010). The worker binds a UDP port and asks
for the code user's video to be forwarded there (:class:`TrackerForwarding`); it gets a
:class:`~recorder.forwarding.ForwardGrant` back, whose keyframe targets it uses after
lost packets. :class:`DirectTrackerForwarding` answers in the orchestrator's process
(the embedded worker); :class:`BusTrackerForwarding` asks over the bus
(``tracking.forward`` / ``tracking.forwarded``) from ``fernblick tracker``, and
:class:`TrackerForwardService` is the orchestrator's end of that. A forward is stopped
by ``tracking.unforward`` or, at the latest, when the call ends.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

from orchestrator.actions.call_records import open_call
from orchestrator.actions.sessions import session_ref
from orchestrator.actions.unit_of_work import UnitOfWork
from orchestrator.db.models import VideoSession
from orchestrator.domain.types import ParticipantKind
from orchestrator.events.bus import MessageBus
from orchestrator.events.requests import BusRequests, answer_to, request_event
from orchestrator.events.schemas import Event, EventType
from orchestrator.janus.errors import JanusError, JanusUnreachable
from orchestrator.janus.pool import JanusPool
from recorder.forward import RoomForward, live_legs, plan, published_streams
from recorder.forwarding import ForwardGrant, start_forward

log = logging.getLogger(__name__)

REQUEST_QUEUE = "tracker.forward"


class TrackerForwarding(Protocol):
    """The tracker worker's view of the orchestrator's Janus rights."""

    async def open(self, session_id: int, host: str, port: int) -> ForwardGrant | None:
        """Forward the code user's video of the session's call to ``host``:``port`` (RTCP
        on the next port); None when there is nothing to track (no call room, no VP8)."""

    async def close(self, session_id: int) -> None:
        """Stop the session's forward; nothing when there is none or its room is gone."""


class DirectTrackerForwarding:
    """Forwarding by the orchestrator's own Janus control handle (one per process)."""

    def __init__(self, uow: UnitOfWork, pool: JanusPool) -> None:
        self.uow = uow
        self.pool = pool
        self.running: dict[int, RoomForward] = {}

    async def open(self, session_id: int, host: str, port: int) -> ForwardGrant | None:
        await self.close(session_id)  # a repeated request replaces the earlier forward
        async with self.uow.read() as db:
            session = await db.get(VideoSession, session_id)
            call = await open_call(db, session_id)
            legs = [] if call is None else await live_legs(db, call.id, ParticipantKind.CODE_USER)
        if session is None or not (session.janus_node and session.room_id and session.room_secret):
            log.info("session %s: no call room, nothing to track", session_id)
            return None
        node = self.pool.node(session.janus_node)
        videos = [s for s in await published_streams(node, legs) if s.kind == "video"]
        if not videos or videos[0].codec != "vp8":
            log.info("session %s: the code user sends no VP8 video, nothing to track", session_id)
            return None
        forward, grant = await start_forward(node, session, plan(videos[:1], [port]), host)
        self.running[session_id] = forward
        return grant

    async def close(self, session_id: int) -> None:
        forward = self.running.pop(session_id, None)
        if forward is None:
            return
        try:
            await forward.stop()
        except (JanusError, JanusUnreachable) as exc:  # the room or its node is gone
            log.info("session %s: forward not stopped (%s)", session_id, exc)


class BusTrackerForwarding:
    """The tracker process's :class:`TrackerForwarding`: ask an orchestrator, then wait."""

    def __init__(self, bus: MessageBus, uow: UnitOfWork, instance_name: str) -> None:
        self.bus = bus
        self.uow = uow
        self.instance_name = instance_name
        self.requests = BusRequests(bus, f"tracker.forwarded.{instance_name}", "tracking.forwarded")

    async def attach(self) -> None:
        await self.requests.attach()

    async def open(self, session_id: int, host: str, port: int) -> ForwardGrant | None:
        request = await self._event(session_id, "tracking.forward", {"host": host, "port": port})
        if request is None:
            return None
        return ForwardGrant.from_answer(await self.requests.ask(request))

    async def close(self, session_id: int) -> None:
        request = await self._event(session_id, "tracking.unforward", {})
        if request is not None:
            await self.bus.publish(request)

    async def _event(self, session_id: int, kind: EventType, data: dict[str, Any]) -> Event | None:
        async with self.uow.read() as db:
            session = await db.get(VideoSession, session_id)
            if session is None:
                return None
            ref = await session_ref(db, session)
        return request_event(ref, kind, {**data, "tracker": self.instance_name})


class TrackerForwardService:
    """The orchestrator's end: forwards for tracker processes, and stops them again.

    Requests come from a shared queue (any orchestrator may answer); stops reach every
    orchestrator on a queue of its own instance, and the one holding the forward stops it.
    """

    def __init__(self, forwarding: DirectTrackerForwarding, instance_name: str) -> None:
        self.forwarding = forwarding
        self.instance_name = instance_name
        self._bus: MessageBus | None = None

    async def attach(self, bus: MessageBus) -> None:
        self._bus = bus
        await bus.consume(REQUEST_QUEUE, ["tracking.forward"], self.on_request)
        await bus.consume(
            f"tracker.unforward.{self.instance_name}",
            ["tracking.unforward", "call.ended"],
            self.on_stop,
        )

    async def on_request(self, event: Event) -> None:
        data = event.payload.data
        session_id = event.payload.session.id
        answer: dict[str, Any] = {"tracker": str(data["tracker"])}
        try:
            grant = await self.forwarding.open(session_id, str(data["host"]), int(data["port"]))
            answer["grant"] = grant.to_data() if grant else None
        except (JanusError, JanusUnreachable, OSError) as exc:
            log.warning("forwarding session %s for tracking failed: %s", session_id, exc)
            answer["error"] = str(exc) or type(exc).__name__
        assert self._bus is not None
        await self._bus.publish(answer_to(event, "tracking.forwarded", answer))

    async def on_stop(self, event: Event) -> None:
        await self.forwarding.close(event.payload.session.id)

    async def close(self) -> None:
        for session_id in list(self.forwarding.running):
            await self.forwarding.close(session_id)
