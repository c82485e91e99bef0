"""Fan-out between orchestrator instances through Redis pub/sub.

Each instance holds one subscriber connection (owned by a reader task) and a pooled
client for publishing. Channels are ``<prefix>:<channel>``, e.g. ``fernblick:events``;
a message is a JSON envelope ``{"kind": "message" | "gap", "origin", "data"}``.

Pub/sub keeps nothing for a disconnected subscriber, so losses are made visible:

- When the subscriber connection drops (Redis restarted, ``CLIENT KILL``), the reader
  reconnects with backoff, subscribes again and then calls every ``on_gap``. The
  subscriber connection does no silent retries of its own (redis-py would otherwise
  reconnect and resubscribe behind our back, and the gap would go unnoticed).
- When a publish fails, the instance owes that channel a gap marker and sends it
  before its next publish or after its next reconnect; every instance's
  subscribers then get ``on_gap``. Publishing pauses briefly after a failure, so
  that a Redis outage does not slow the outbox relay (and with it RabbitMQ).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Mapping
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from orchestrator.events.schemas import Event
from orchestrator.realtime.fanout import (
    EVENTS_CHANNEL,
    GapCallback,
    MessageCallback,
    Subscribers,
    Subscription,
    to_message,
)

log = logging.getLogger(__name__)

_CONNECTION_ERRORS = (RedisError, OSError)
_CONTROL_CHANNEL = "_fanout"
"""Always subscribed, so the reader notices a lost connection with no subscribers."""


class RedisFanout:
    """A ``Fanout`` across processes on one Redis server."""

    def __init__(
        self,
        url: str,
        *,
        instance_name: str = "orchestrator",
        prefix: str = "fernblick",
        reconnect_delay: float = 0.2,
        max_reconnect_delay: float = 5.0,
        subscribe_timeout: float = 5.0,
        publish_pause: float = 1.0,
    ) -> None:
        self._instance_name = instance_name
        self._prefix = prefix
        self._reconnect_delay = reconnect_delay
        self._max_reconnect_delay = max_reconnect_delay
        self._subscribe_timeout = subscribe_timeout
        self._publish_pause = publish_pause
        self._publish_paused_until = 0.0
        common: dict[str, Any] = {
            "decode_responses": True,
            "socket_connect_timeout": 2,
            "socket_keepalive": True,
            "health_check_interval": 15,
        }
        # One immediate retry replaces a pooled connection that a Redis restart left
        # dead; more (with backoff) would stall the outbox relay while Redis is down.
        self._publisher = Redis.from_url(
            url, socket_timeout=2, retry=Retry(NoBackoff(), 1), **common
        )
        self._listener = Redis.from_url(
            url,
            retry=Retry(NoBackoff(), 0, supported_errors=()),
            client_name=self.listener_name,
            **common,
        )
        self._subscribers = Subscribers()
        self._pubsub: PubSub | None = None
        self._pubsub_lock = asyncio.Lock()
        self._confirmed: dict[str, asyncio.Event] = {}
        self._owed_gaps: set[str] = set()
        self._reader: asyncio.Task[None] | None = None

    @property
    def listener_name(self) -> str:
        """The subscriber connection's name in ``CLIENT LIST`` (for operators, tests)."""
        return f"{self._prefix}-fanout-{self._instance_name}"

    async def start(self) -> None:
        """Connect the subscriber (raises when Redis is unreachable) and start reading."""
        await self._connect()
        self._reader = asyncio.create_task(self._read_forever(), name="redis-fanout-reader")

    async def publish(
        self, message: Event | Mapping[str, Any], channel: str = EVENTS_CHANNEL
    ) -> None:
        """Publish, or, while Redis is failing, owe ``channel`` a gap marker instead.

        After a failure, publishes are skipped for ``publish_pause`` seconds (or until
        the subscriber reconnects), so an outage costs the relay no time per event.
        """
        if time.monotonic() < self._publish_paused_until:
            self._owed_gaps.add(channel)
            return
        envelope = {"kind": "message", "origin": self._instance_name, "data": to_message(message)}
        try:
            await self._send_owed_gaps()
            await self._publisher.publish(self._redis_channel(channel), json.dumps(envelope))
        except _CONNECTION_ERRORS as exc:
            log.warning(
                "fan-out publish on %s failed, subscribers will see a gap: %s", channel, exc
            )
            self._owed_gaps.add(channel)
            self._publish_paused_until = time.monotonic() + self._publish_pause

    async def subscribe(
        self, channel: str, on_message: MessageCallback, on_gap: GapCallback | None = None
    ) -> Subscription:
        """Return once Redis confirmed the channel's subscription, or after
        ``subscribe_timeout`` while Redis is unreachable; the subscriber then gets
        ``on_gap`` once the connection is back."""
        subscription = Subscription(channel, on_message, on_gap)
        name = self._redis_channel(channel)
        if self._subscribers.add(subscription):
            async with self._pubsub_lock:
                confirmed = self._confirmed.setdefault(name, asyncio.Event())
                if self._pubsub is not None:
                    try:
                        await self._pubsub.subscribe(name)
                    except _CONNECTION_ERRORS as exc:
                        log.info("fan-out: subscribing %s waits for Redis: %s", channel, exc)
        confirmed = self._confirmed.setdefault(name, asyncio.Event())
        try:
            await asyncio.wait_for(confirmed.wait(), self._subscribe_timeout)
        except TimeoutError:
            log.warning("fan-out: %s not confirmed by Redis yet; a gap will follow", channel)
        return subscription

    async def unsubscribe(self, subscription: Subscription) -> None:
        if not self._subscribers.remove(subscription):
            return
        name = self._redis_channel(subscription.channel)
        async with self._pubsub_lock:
            self._confirmed.pop(name, None)
            if self._pubsub is not None:
                try:
                    await self._pubsub.unsubscribe(name)
                except _CONNECTION_ERRORS as exc:
                    log.info("fan-out: unsubscribing %s failed: %s", subscription.channel, exc)

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            await asyncio.gather(self._reader, return_exceptions=True)
            self._reader = None
        await self._drop_pubsub()
        await self._listener.aclose()
        await self._publisher.aclose()

    async def _read_forever(self) -> None:
        delay = self._reconnect_delay
        while True:
            try:
                pubsub = self._pubsub
                if pubsub is None:
                    pubsub = await self._connect()
                    log.info("fan-out: reconnected to Redis; telling subscribers of the gap")
                    self._publish_paused_until = 0.0
                    self._subscribers.gap()
                    await self._send_owed_gaps()
                delay = self._reconnect_delay
                await self._read(pubsub)
            except _CONNECTION_ERRORS as exc:
                log.warning(
                    "fan-out: Redis subscriber connection lost (%s); retrying in %.1fs", exc, delay
                )
                await self._drop_pubsub()
                await asyncio.sleep(delay)
                delay = min(delay * 2, self._max_reconnect_delay)

    async def _connect(self) -> PubSub:
        """Open a fresh subscriber connection and subscribe every wanted channel."""
        async with self._pubsub_lock:
            pubsub = self._listener.pubsub()
            names = [self._redis_channel(_CONTROL_CHANNEL)]
            names += [self._redis_channel(channel) for channel in self._subscribers.channels()]
            for name in names:
                self._confirmed.setdefault(name, asyncio.Event()).clear()
            try:
                await pubsub.subscribe(*names)
            except BaseException:
                await pubsub.aclose()  # type: ignore[no-untyped-call]
                raise
            self._pubsub = pubsub
            return pubsub

    async def _drop_pubsub(self) -> None:
        async with self._pubsub_lock:
            if self._pubsub is not None:
                pubsub, self._pubsub = self._pubsub, None
                for confirmed in self._confirmed.values():
                    confirmed.clear()
                try:
                    await pubsub.aclose()  # type: ignore[no-untyped-call]
                except _CONNECTION_ERRORS as exc:
                    log.debug("fan-out: closing a broken subscriber connection: %s", exc)

    async def _read(self, pubsub: PubSub) -> None:
        while True:
            message = await pubsub.get_message(timeout=1.0)
            if message is None:
                continue
            name = message["channel"]
            if message["type"] == "subscribe":
                self._confirmed.setdefault(name, asyncio.Event()).set()
            elif message["type"] == "message":
                self._dispatch(name, message["data"])

    def _dispatch(self, name: str, raw: str) -> None:
        channel = name.removeprefix(f"{self._prefix}:")
        try:
            envelope = json.loads(raw)
            kind = envelope["kind"]
        except (ValueError, KeyError, TypeError):
            log.warning("fan-out: ignored a malformed message on %s", name)
            return
        if kind == "gap":
            log.info("fan-out: %s lost messages on %s", envelope.get("origin"), channel)
            self._subscribers.gap([channel])
        elif kind == "message":
            self._subscribers.deliver(channel, envelope["data"])

    async def _send_owed_gaps(self) -> None:
        marker = json.dumps({"kind": "gap", "origin": self._instance_name})
        for channel in list(self._owed_gaps):
            # Taken before the await, so a concurrent caller does not send it again.
            self._owed_gaps.discard(channel)
            try:
                await self._publisher.publish(self._redis_channel(channel), marker)
            except BaseException:
                self._owed_gaps.add(channel)
                raise

    def _redis_channel(self, channel: str) -> str:
        return f"{self._prefix}:{channel}"
