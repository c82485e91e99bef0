"""What the tracker worker gets from the orchestrator: the code user's video on its port.

Only the orchestrator holds Janus's admin secret and the VideoRoom admin key that
``rtp_forward`` demands (decisions 0008 and 0010). The worker binds a UDP port and asks
for the code user's video to be forwarded there (:class:`TrackerForwarding`); it gets a
:class:`~recorder.forwarding.ForwardGrant` back, whose keyframe targets it uses after
lost packets. :class:`DirectTrackerForwarding` answers in the orchestrator's process
(the embedded worker); :class:`BusTrackerForwarding` asks over the bus
(``tracking.forward`` / ``tracking.forwarded``) from ``fernblick tracker``, and
:class:`TrackerForwardService` is the orchestrator's end of that. A forward is stopped
by ``tracking.unforward``, when the call ends, or when the tracker process stopped
renewing it (``tracking.renew``, every third of ``tracker_lease_seconds``): a process
that died does not leave Janus sending to its port.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any, Protocol

from orchestrator.actions.call_records import open_call
from orchestrator.actions.session_access import session_ref
from orchestrator.actions.unit_of_work import UnitOfWork
from orchestrator.db.models import VideoSession
from orchestrator.domain.types import ParticipantKind
from orchestrator.events.bus import MessageBus
from orchestrator.events.requests import BusRequests, answer_to, request_event
from orchestrator.events.schemas import Event, EventType, SessionRef
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
    """The tracker process's :class:`TrackerForwarding`: ask an orchestrator, then wait;
    renew the forwards it holds until it closes them."""

    def __init__(
        self, bus: MessageBus, uow: UnitOfWork, instance_name: str, lease_seconds: float
    ) -> None:
        self.bus = bus
        self.uow = uow
        self.instance_name = instance_name
        self.lease_seconds = lease_seconds
        self.requests = BusRequests(bus, f"tracker.forwarded.{instance_name}", "tracking.forwarded")
        self.held: dict[int, SessionRef] = {}
        self._renewing: asyncio.Task[None] | None = None

    async def attach(self) -> None:
        await self.requests.attach()
        self._renewing = asyncio.create_task(self._renew())

    async def detach(self) -> None:
        """Stop renewing (the process ends; its forwards lapse or are closed already)."""
        if self._renewing is not None:
            self._renewing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._renewing

    async def open(self, session_id: int, host: str, port: int) -> ForwardGrant | None:
        ref = await self._ref(session_id)
        if ref is None:
            return None
        request = self._event(ref, "tracking.forward", {"host": host, "port": port})
        grant = ForwardGrant.from_answer(await self.requests.ask(request))
        if grant is not None:
            self.held[session_id] = ref
        return grant

    async def close(self, session_id: int) -> None:
        ref = self.held.pop(session_id, None) or await self._ref(session_id)
        if ref is not None:
            await self.bus.publish(self._event(ref, "tracking.unforward", {}))

    async def _renew(self) -> None:
        while True:
            await asyncio.sleep(self.lease_seconds / 3)
            for ref in list(self.held.values()):
                try:
                    await self.bus.publish(self._event(ref, "tracking.renew", {}))
                except Exception:  # the broker is away for a moment: the next round retries
                    log.warning("renewing the forward of session %s failed", ref.id, exc_info=True)

    async def _ref(self, session_id: int) -> SessionRef | None:
        async with self.uow.read() as db:
            session = await db.get(VideoSession, session_id)
            return None if session is None else await session_ref(db, session)

    def _event(self, ref: SessionRef, kind: EventType, data: dict[str, Any]) -> Event:
        return request_event(ref, kind, {**data, "tracker": self.instance_name})


class TrackerForwardService:
    """The orchestrator's end: forwards for tracker processes, and stops them again.

    Requests come from a shared queue (any orchestrator may answer); stops and renewals
    reach every orchestrator on a queue of its own instance, and the one holding the
    forward acts. A forward whose lease ran out is stopped.
    """

    def __init__(
        self, forwarding: DirectTrackerForwarding, instance_name: str, lease_seconds: float
    ) -> None:
        self.forwarding = forwarding
        self.instance_name = instance_name
        self.lease_seconds = lease_seconds
        self.renewed: dict[int, float] = {}  # session id -> when its tracker last renewed
        self._bus: MessageBus | None = None
        self._sweeping: asyncio.Task[None] | None = None

    async def attach(self, bus: MessageBus) -> None:
        self._bus = bus
        await bus.consume(REQUEST_QUEUE, ["tracking.forward"], self.on_request)
        await bus.consume(
            f"tracker.unforward.{self.instance_name}",
            ["tracking.unforward", "tracking.renew", "call.ended"],
            self.on_stop,
        )
        self._sweeping = asyncio.create_task(self._sweep())

    async def on_request(self, event: Event) -> None:
        data = event.payload.data
        session_id = event.payload.session.id
        answer: dict[str, Any] = {"tracker": str(data["tracker"])}
        try:
            grant = await self.forwarding.open(session_id, str(data["host"]), int(data["port"]))
            answer["grant"] = grant.to_data() if grant else None
            if grant is not None:
                self.renewed[session_id] = time.monotonic()
        except (JanusError, JanusUnreachable, OSError) as exc:
            log.warning("forwarding session %s for tracking failed: %s", session_id, exc)
            answer["error"] = str(exc) or type(exc).__name__
        assert self._bus is not None
        await self._bus.publish(answer_to(event, "tracking.forwarded", answer))

    async def on_stop(self, event: Event) -> None:
        session_id = event.payload.session.id
        if event.type == "tracking.renew":
            if session_id in self.renewed:
                self.renewed[session_id] = time.monotonic()
            return
        self.renewed.pop(session_id, None)
        await self.forwarding.close(session_id)

    async def _sweep(self) -> None:
        while True:
            await asyncio.sleep(min(1.0, self.lease_seconds / 3))
            due = time.monotonic() - self.lease_seconds
            for session_id, renewed in list(self.renewed.items()):
                if renewed < due:
                    log.warning(
                        "session %s: the tracker stopped renewing its forward; stopping it",
                        session_id,
                    )
                    self.renewed.pop(session_id, None)
                    await self.forwarding.close(session_id)

    async def close(self) -> None:
        if self._sweeping is not None:
            self._sweeping.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeping
        self.renewed.clear()
        for session_id in list(self.forwarding.running):
            await self.forwarding.close(session_id)
