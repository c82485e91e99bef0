"""Fan-out of live messages to every orchestrator instance, and how to pick one.

The outbox relay publishes each domain event here once; every instance (itself
included) hands it to its local subscribers, which are the WebSocket connections.
In-call tools publish on per-session channels the same way. With one process the
fan-out stays in memory (``InProcessFanout``); with several it goes through Redis
pub/sub (``RedisFanout`` in ``redis_fanout.py``).

Delivery is best effort: pub/sub keeps nothing for an instance that is briefly
disconnected. Instead of hiding that, a fan-out calls ``on_gap`` of the affected
subscriptions whenever messages may have been missed, so that a WebSocket client can
be told to re-fetch its snapshot. A message may also arrive twice (the relay retries
after a bus failure), so subscribers dedupe domain events by their ``id``.

Callbacks run in the fan-out's own task and must not block: they are expected to
enqueue for the connection's writer (put_nowait), nothing more.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from orchestrator.events.schemas import Event
from orchestrator.settings import Settings

log = logging.getLogger(__name__)

EVENTS_CHANNEL = "events"
"""The channel of domain events (every instance subscribes to it)."""
NOTIFICATIONS_CHANNEL = "notifications"
"""The notifier's in-app messages, each for one employee (``LiveHub.notify`` routes them)."""

MessageCallback = Callable[[str, dict[str, Any]], None]
"""Called with (channel, message) for each message on a subscribed channel."""
GapCallback = Callable[[], None]
"""Called when messages on a subscribed channel may have been missed."""


def session_channel(session_id: int) -> str:
    """The channel of one video session's in-call tools (drawing, markers)."""
    return f"session.{session_id}"


@dataclass(eq=False)
class Subscription:
    """One subscriber's interest in one channel; pass it back to ``unsubscribe``."""

    channel: str
    on_message: MessageCallback
    on_gap: GapCallback | None = None


class Fanout(Protocol):
    async def start(self) -> None:
        """Connect; call once before publishing or subscribing."""

    async def publish(
        self, message: Event | Mapping[str, Any], channel: str = EVENTS_CHANNEL
    ) -> None:
        """Send to the subscribers of ``channel`` on all instances; never raises for
        an unreachable backend (that is logged and reported to subscribers as a gap)."""

    async def subscribe(
        self, channel: str, on_message: MessageCallback, on_gap: GapCallback | None = None
    ) -> Subscription:
        """Return once messages published from now on will reach ``on_message``."""

    async def unsubscribe(self, subscription: Subscription) -> None: ...

    async def close(self) -> None: ...


def to_message(message: Event | Mapping[str, Any]) -> dict[str, Any]:
    """The JSON-compatible form of a message (an ``Event`` as its wire format)."""
    if isinstance(message, Event):
        return message.model_dump(mode="json")
    return dict(message)


class Subscribers:
    """The local subscriptions of one instance, by channel; isolates callback errors."""

    def __init__(self) -> None:
        self._by_channel: dict[str, list[Subscription]] = {}

    def add(self, subscription: Subscription) -> bool:
        """Register; True when it is the channel's first subscription."""
        subscriptions = self._by_channel.setdefault(subscription.channel, [])
        subscriptions.append(subscription)
        return len(subscriptions) == 1

    def remove(self, subscription: Subscription) -> bool:
        """Unregister; True when the channel has no subscription left."""
        subscriptions = self._by_channel.get(subscription.channel, [])
        if subscription in subscriptions:
            subscriptions.remove(subscription)
        if subscriptions:
            return False
        self._by_channel.pop(subscription.channel, None)
        return True

    def channels(self) -> list[str]:
        return list(self._by_channel)

    def deliver(self, channel: str, message: dict[str, Any]) -> None:
        for subscription in list(self._by_channel.get(channel, ())):
            try:
                subscription.on_message(channel, message)
            except Exception:
                log.exception("fan-out subscriber of %s failed", channel)

    def gap(self, channels: list[str] | None = None) -> None:
        """Tell the subscribers of ``channels`` (default: all) that they missed messages."""
        for channel in self.channels() if channels is None else channels:
            for subscription in list(self._by_channel.get(channel, ())):
                if subscription.on_gap is None:
                    continue
                try:
                    subscription.on_gap()
                except Exception:
                    log.exception("fan-out gap callback of %s failed", channel)


class InProcessFanout:
    """A ``Fanout`` for a single orchestrator process: delivery is a function call."""

    def __init__(self) -> None:
        self._subscribers = Subscribers()

    async def start(self) -> None:
        """Nothing to connect; present so both fan-outs start the same way."""

    async def publish(
        self, message: Event | Mapping[str, Any], channel: str = EVENTS_CHANNEL
    ) -> None:
        """Deliver a JSON copy, as Redis would, so subscribers never share state."""
        self._subscribers.deliver(channel, json.loads(json.dumps(to_message(message))))

    async def subscribe(
        self, channel: str, on_message: MessageCallback, on_gap: GapCallback | None = None
    ) -> Subscription:
        subscription = Subscription(channel, on_message, on_gap)
        self._subscribers.add(subscription)
        return subscription

    async def unsubscribe(self, subscription: Subscription) -> None:
        self._subscribers.remove(subscription)

    async def close(self) -> None:
        """Nothing to close."""


def create_fanout(settings: Settings) -> Fanout:
    """``RedisFanout`` when ``settings.redis_url`` is set, else ``InProcessFanout``."""
    if settings.redis_url is None:
        return InProcessFanout()
    from orchestrator.realtime.redis_fanout import RedisFanout

    return RedisFanout(
        settings.redis_url,
        instance_name=settings.instance_name,
        prefix=settings.redis_channel_prefix,
    )
