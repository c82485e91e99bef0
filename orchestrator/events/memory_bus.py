"""The embedded message bus: asyncio queues with the semantics of the RabbitMQ one.

Used when ``FERNBLICK_BUS_URL=memory://`` (one process, no broker). It mirrors what
consumers rely on from ``AmqpBus``: topic binding keys, at-least-once delivery to
every matching queue, one delivery at a time in queue order, bounded redelivery and
a dead-letter list. Messages live in memory, so a crash loses what was queued but
not yet handled; production uses RabbitMQ.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from orchestrator.events.bus import (
    DEFAULT_MAX_DELIVERIES,
    EventHandler,
    Unprocessable,
    topic_matches,
)
from orchestrator.events.schemas import Event

log = logging.getLogger(__name__)


@dataclass
class _Queue:
    name: str
    binding_keys: set[str] = field(default_factory=set)
    messages: asyncio.Queue[Event] = field(default_factory=asyncio.Queue)
    dead: list[Event] = field(default_factory=list)
    workers: list[asyncio.Task[None]] = field(default_factory=list)

    def matches(self, routing_key: str) -> bool:
        return any(topic_matches(key, routing_key) for key in self.binding_keys)


class InProcessBus:
    """A ``MessageBus`` inside one event loop."""

    def __init__(
        self, max_deliveries: int = DEFAULT_MAX_DELIVERIES, retry_delay: float = 0.05
    ) -> None:
        self._max_deliveries = max_deliveries
        self._retry_delay = retry_delay
        self._queues: dict[str, _Queue] = {}
        self._closed = False

    async def connect(self) -> None:
        """Nothing to open; present so both buses start the same way."""

    @property
    def connected(self) -> bool:
        """Always, until closed: the queues live in this process."""
        return not self._closed

    async def publish(self, event: Event) -> None:
        """Enqueue a copy to every matching queue (a JSON round trip, as on the wire)."""
        if self._closed:
            raise RuntimeError("the bus is closed")
        wire = event.model_dump_json()
        for queue in self._queues.values():
            if queue.matches(event.type):
                queue.messages.put_nowait(Event.model_validate_json(wire))

    async def consume(self, queue: str, binding_keys: Sequence[str], handler: EventHandler) -> None:
        """Bind ``queue`` and add a worker; several workers on one queue compete."""
        if self._closed:
            raise RuntimeError("the bus is closed")
        target = self._queues.setdefault(queue, _Queue(queue))
        target.binding_keys.update(binding_keys)
        task = asyncio.create_task(self._work(target, handler), name=f"bus-queue-{queue}")
        target.workers.append(task)

    async def declare(self, queue: str, binding_keys: Sequence[str]) -> None:
        """Bind ``queue``; it collects matching events until a worker consumes it."""
        if self._closed:
            raise RuntimeError("the bus is closed")
        self._queues.setdefault(queue, _Queue(queue)).binding_keys.update(binding_keys)

    async def queue_depths(self) -> dict[str, int]:
        depths = {}
        for name, queue in self._queues.items():
            depths[name] = queue.messages.qsize()
            depths[f"{name}.dead"] = len(queue.dead)
        return depths

    def dead_letters(self, queue: str) -> list[Event]:
        """The events that ``queue`` gave up on, oldest first."""
        return list(self._queues[queue].dead) if queue in self._queues else []

    async def join(self) -> None:
        """Wait until every queued event has been handled or dead-lettered."""
        for queue in list(self._queues.values()):
            await queue.messages.join()

    async def close(self) -> None:
        self._closed = True
        tasks = [task for queue in self._queues.values() for task in queue.workers]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _work(self, queue: _Queue, handler: EventHandler) -> None:
        while True:
            event = await queue.messages.get()
            try:
                await self._deliver(queue, event, handler)
            finally:
                queue.messages.task_done()

    async def _deliver(self, queue: _Queue, event: Event, handler: EventHandler) -> None:
        for delivery in range(1, self._max_deliveries + 1):
            try:
                await handler(event)
                return
            except Unprocessable as exc:
                log.error(
                    "queue %s: dead-lettered %s %s: %s", queue.name, event.type, event.id, exc
                )
                queue.dead.append(event)
                return
            except Exception:
                log.warning(
                    "queue %s: handling %s %s failed (delivery %d of %d)",
                    queue.name,
                    event.type,
                    event.id,
                    delivery,
                    self._max_deliveries,
                    exc_info=True,
                )
            if delivery < self._max_deliveries:
                await asyncio.sleep(self._retry_delay * delivery)
        log.error("queue %s: dead-lettered %s %s", queue.name, event.type, event.id)
        queue.dead.append(event)
