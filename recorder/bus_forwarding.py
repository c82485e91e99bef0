"""The forward request of a recorder process, carried over the bus (both ends).

A recorder on its own (``fernblick recorder``) holds no Janus secret. For each
recording it publishes ``recording.forward`` (its instance, RTP host and reserved
ports) and waits for ``recording.forwarded`` on a reply queue of its own. Any
orchestrator takes the request from the shared queue ``recorder.forward``, forwards
the call with its own rights (:class:`~recorder.forwarding.DirectForwarding`) and
answers with the grant (or ``null``: nothing to record, or an ``error``). That
orchestrator also stops the forwards again when the recording stops or the call
ends, which it hears on a queue of its own instance; on ``call.ended`` it stops the
recording too, so a dead recorder does not keep the red dot on.

The request and its answer travel as ``orchestrator/events/requests.py`` describes.
"""

from __future__ import annotations

import logging
from typing import Any

from orchestrator.actions.actors import SystemActor
from orchestrator.actions.recordings import do_stop_recording
from orchestrator.actions.session_access import session_ref
from orchestrator.actions.unit_of_work import UnitOfWork
from orchestrator.db.models import Recording, VideoSession
from orchestrator.domain.recording import RecordingStopReason
from orchestrator.events.bus import MessageBus
from orchestrator.events.requests import BusRequests, answer_to, request_event
from orchestrator.events.schemas import Event
from orchestrator.janus.errors import JanusError
from recorder.forwarding import DirectForwarding, ForwardGrant

log = logging.getLogger(__name__)

REQUEST_QUEUE = "recorder.forward"


class BusForwarding:
    """The recorder process's :class:`~recorder.forwarding.Forwarding`: ask, then wait."""

    def __init__(self, bus: MessageBus, uow: UnitOfWork, instance_name: str) -> None:
        self.uow = uow
        self.instance_name = instance_name
        self.requests = BusRequests(
            bus, f"recorder.forwarded.{instance_name}", "recording.forwarded"
        )

    async def attach(self) -> None:
        await self.requests.attach()

    async def open(self, recording_id: int, host: str, ports: list[int]) -> ForwardGrant | None:
        async with self.uow.read() as db:
            recording = await db.get(Recording, recording_id)
            session = await db.get(VideoSession, recording.session_id) if recording else None
            if session is None:
                return None
            ref = await session_ref(db, session)
        request = request_event(
            ref,
            "recording.forward",
            {
                "recording_id": recording_id,
                "recorder": self.instance_name,
                "host": host,
                "ports": ports,
            },
        )
        return ForwardGrant.from_answer(await self.requests.ask(request))

    async def close(self, recording_id: int) -> None:
        """Nothing to do here: the orchestrator that forwards hears the stop itself."""

    async def stop_stale(self, recording_id: int, host: str, port_min: int, port_max: int) -> None:
        """Nothing to do here: stopping the recording (``recording.stop``) stops them."""


class ForwardService:
    """The orchestrator's end: forwards for recorder processes, and stops them again."""

    def __init__(self, uow: UnitOfWork, forwarding: DirectForwarding, instance_name: str) -> None:
        self.uow = uow
        self.forwarding = forwarding
        self.instance_name = instance_name
        self._bus: MessageBus | None = None

    async def attach(self, bus: MessageBus) -> None:
        self._bus = bus
        await bus.consume(REQUEST_QUEUE, ["recording.forward"], self.on_request)
        await bus.consume(
            f"recorder.unforward.{self.instance_name}",
            ["recording.stop", "call.ended"],
            self.on_stop,
        )

    async def on_request(self, event: Event) -> None:
        data = event.payload.data
        recording_id = int(data["recording_id"])
        answer: dict[str, Any] = {
            "recording_id": recording_id,
            "recorder": str(data["recorder"]),
        }
        try:
            grant = await self.forwarding.open(
                recording_id, str(data["host"]), [int(port) for port in data["ports"]]
            )
            answer["grant"] = grant.to_data() if grant else None
        except (JanusError, OSError) as exc:
            log.warning("forwarding recording %s failed: %s", recording_id, exc)
            answer["error"] = str(exc) or type(exc).__name__
        assert self._bus is not None
        await self._bus.publish(answer_to(event, "recording.forwarded", answer))

    async def on_stop(self, event: Event) -> None:
        if event.type == "recording.stop":
            await self.forwarding.close(int(event.payload.data["recording_id"]))
            return
        async with self.uow.transaction() as db:
            stopped = await do_stop_recording(
                db, SystemActor(), event.payload.session.id, RecordingStopReason.CALL_ENDED
            )
        if stopped is not None:
            await self.forwarding.close(stopped.id)

    async def close(self) -> None:
        for recording_id in list(self.forwarding.running):
            await self.forwarding.close(recording_id)
