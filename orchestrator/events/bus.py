"""The message bus between the orchestrator and its workers, and how to pick one.

Two implementations share one contract: ``InProcessBus`` (``memory://``, the embedded
default, in ``memory_bus.py``) and ``AmqpBus`` (RabbitMQ, in ``amqp_bus.py``). Both
deliver at least once to every queue whose binding keys match an event's type, with
AMQP topic semantics, so a consumer written against one runs unchanged on the other.
Consumers make the "at least once" harmless by being idempotent (``consumer.py``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Protocol

from orchestrator.events.schemas import Event
from orchestrator.settings import Settings

EventHandler = Callable[[Event], Awaitable[Any]]
"""Handles one delivery; returning acknowledges it, raising asks for a redelivery."""

DEFAULT_MAX_DELIVERIES = 10
"""Deliveries of one message before it goes to the dead-letter queue.

Generous because RabbitMQ also counts the deliveries that a closed connection cut
short, and those are no fault of the message.
"""

MAX_MESSAGE_BYTES = 256 * 1024
"""A larger message is no event of ours (ours are a few kilobytes): it is dead-lettered
unread, so that a flood of huge messages cannot tie up a worker's memory."""

DEAD_REASON_HEADER = "x-fernblick-dead-reason"
"""Why the bus dead-lettered a message at once (RabbitMQ header on the dead copy)."""


class Unprocessable(Exception):
    """Raised by a handler for a message that no redelivery can fix (a job without its
    id, say): the bus dead-letters it at once, with ``str(exc)`` as the reason."""


class MessageBus(Protocol):
    """Publish events; feed named durable queues to async handlers."""

    async def connect(self) -> None:
        """Open connections and declare the exchange; call once before anything else."""

    async def publish(self, event: Event) -> None:
        """Return only once the broker has taken responsibility for ``event``."""

    async def consume(self, queue: str, binding_keys: Sequence[str], handler: EventHandler) -> None:
        """Declare ``queue`` bound to ``binding_keys`` and start feeding it to ``handler``.

        Deliveries are handled one at a time in queue order. A handler that raises gets
        the message again, up to the bus's limit; then it is dead-lettered to
        ``<queue>.dead``.
        """

    async def declare(self, queue: str, binding_keys: Sequence[str]) -> None:
        """Declare and bind ``queue`` without consuming, so that it keeps the events
        published from now on for a consumer that starts later (in another process)."""

    async def close(self) -> None:
        """Stop consuming and close connections."""

    @property
    def connected(self) -> bool:
        """Whether publishing can work right now (the readiness probe asks)."""

    async def queue_depths(self) -> dict[str, int]:
        """Messages waiting in each queue this bus declared, ``<queue>.dead`` included
        (for ``/metrics``); empty when the broker cannot be asked."""


def topic_matches(pattern: str, routing_key: str) -> bool:
    """AMQP topic matching: ``*`` is exactly one word, ``#`` is zero or more words."""
    return _match(pattern.split("."), routing_key.split("."))


def _match(pattern: list[str], words: list[str]) -> bool:
    if not pattern:
        return not words
    head, rest = pattern[0], pattern[1:]
    if head == "#":
        return any(_match(rest, words[skip:]) for skip in range(len(words) + 1))
    if not words:
        return False
    return (head in ("*", words[0])) and _match(rest, words[1:])


def create_bus(settings: Settings) -> MessageBus:
    """The bus named by ``settings.bus_url``: ``memory://`` or ``amqp(s)://…``."""
    url = settings.bus_url
    if url.startswith("memory://"):
        from orchestrator.events.memory_bus import InProcessBus

        return InProcessBus()
    if url.startswith(("amqp://", "amqps://")):
        from orchestrator.events.amqp_bus import AmqpBus

        return AmqpBus(url, exchange=settings.amqp_exchange, connection_name=settings.instance_name)
    raise ValueError(f"unsupported FERNBLICK_BUS_URL {url!r}: use memory:// or amqp://")
