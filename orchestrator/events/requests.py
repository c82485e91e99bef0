"""A request over the bus and its answer, for worker processes that lack a right.

A recorder or tracker running on its own holds no Janus secret: it publishes a request
event (``recording.forward``, ``tracking.forward``) and waits for the answer on a queue
of its own instance. Any orchestrator takes the request from a shared queue, does the
work with its own rights and publishes the answer (:func:`answer_to`), which names the
request by ``request_id``.

These messages go straight to the bus, not through the outbox: they mean nothing to
browsers, and a lost one only fails the start, which the bus redelivers.
"""

from __future__ import annotations

import asyncio
from typing import Any

from orchestrator.domain.types import ActorKind
from orchestrator.events.bus import MessageBus
from orchestrator.events.schemas import Actor, Event, EventType, SessionPayload, SessionRef

REPLY_SECONDS = 15.0
"""How long a worker waits for an orchestrator's answer before its start fails."""


class RequestRefused(Exception):
    """The orchestrator could not do what was asked (its answer carried an ``error``)."""


def request_event(session: SessionRef, kind: EventType, data: dict[str, Any]) -> Event:
    """A worker's request about ``session`` (the system acts, no user)."""
    return Event(
        type=kind,
        payload=SessionPayload(session=session, actor=Actor(kind=ActorKind.SYSTEM), data=data),
    )


class BusRequests:
    """The asking end: publish a request, wait for the answer that names it."""

    def __init__(self, bus: MessageBus, reply_queue: str, reply_type: EventType) -> None:
        self.bus = bus
        self.reply_queue = reply_queue
        self.reply_type = reply_type
        self._waiting: dict[str, asyncio.Future[dict[str, Any]]] = {}

    async def attach(self) -> None:
        await self.bus.consume(self.reply_queue, [self.reply_type], self._on_reply)

    async def ask(self, request: Event, seconds: float = REPLY_SECONDS) -> dict[str, Any]:
        """The answer's data; ``TimeoutError`` when no orchestrator answers in time,
        :class:`RequestRefused` when it answered with an error."""
        answer: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._waiting[request.id] = answer
        try:
            await self.bus.publish(request)
            async with asyncio.timeout(seconds):
                data = await answer
        finally:
            self._waiting.pop(request.id, None)
        if data.get("error"):
            raise RequestRefused(str(data["error"]))
        return data

    async def _on_reply(self, event: Event) -> None:
        waiting = self._waiting.get(str(event.payload.data.get("request_id")))
        if waiting is not None and not waiting.done():
            waiting.set_result(event.payload.data)


def answer_to(request: Event, reply_type: EventType, data: dict[str, Any]) -> Event:
    """The answer event to ``request``: its session, ``data`` and the ``request_id``."""
    return Event(
        type=reply_type,
        payload=request.payload.model_copy(update={"data": {**data, "request_id": request.id}}),
    )
