"""The production message bus on RabbitMQ (aio-pika; see docs/decisions/0001-aio-pika.md).

Topology, declared idempotently by every process that uses it:

- ``<exchange>``: a durable topic exchange; events are published to it with their
  type as routing key, persistent, under publisher confirms.
- ``<queue>``: a durable quorum queue per consumer, bound with its binding keys. The
  broker counts deliveries (``x-delivery-limit``), so a poison message is bounded
  even when it crashes the consuming process rather than raising.
- ``<exchange>.dead`` (direct) and ``<queue>.dead``: where a queue's messages go once
  the limit is used up, or at once when they are too large, not a valid event, or
  ``Unprocessable`` to their handler; those carry the reason in the header
  ``x-fernblick-dead-reason`` (the consumer goes on with the next message).

The connection is aio-pika's robust one: after the broker closes it, it reconnects
and restores channels, declarations and consumers. Publishes made meanwhile wait for
the reconnect up to ``publish_timeout`` and then fail, so the caller (the outbox
relay) retries; unacknowledged deliveries come back from the broker.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Sequence
from functools import partial

import aio_pika
import aiormq
from aio_pika.abc import (
    AbstractChannel,
    AbstractExchange,
    AbstractIncomingMessage,
    AbstractQueue,
    AbstractRobustConnection,
    ExchangeType,
)
from pydantic import ValidationError

from orchestrator.events.bus import (
    DEAD_REASON_HEADER,
    DEFAULT_MAX_DELIVERIES,
    MAX_MESSAGE_BYTES,
    EventHandler,
    Unprocessable,
)
from orchestrator.events.schemas import Event

log = logging.getLogger(__name__)

_SETTLE_ERRORS = (aiormq.exceptions.AMQPError, ConnectionError, RuntimeError)


class AmqpBus:
    """A ``MessageBus`` on one robust RabbitMQ connection."""

    def __init__(
        self,
        url: str,
        exchange: str,
        *,
        connection_name: str = "fernblick",
        prefetch: int = 32,
        max_deliveries: int = DEFAULT_MAX_DELIVERIES,
        max_message_bytes: int = MAX_MESSAGE_BYTES,
        publish_timeout: float = 10.0,
        reconnect_interval: float = 1.0,
        retry_delay: float = 0.2,
    ) -> None:
        if max_deliveries < 1:
            raise ValueError("max_deliveries must be at least 1")
        self._url = url
        self._exchange_name = exchange
        self._dead_exchange_name = f"{exchange}.dead"
        self._connection_name = connection_name
        self._prefetch = prefetch
        self._max_deliveries = max_deliveries
        self._max_message_bytes = max_message_bytes
        self._publish_timeout = publish_timeout
        self._reconnect_interval = reconnect_interval
        self._retry_delay = retry_delay
        self._connection: AbstractRobustConnection | None = None
        self._exchange: AbstractExchange | None = None
        self._declared: set[str] = set()
        self._dead_exchange: AbstractExchange | None = None

    async def connect(self) -> None:
        self._connection = await aio_pika.connect_robust(
            self._url,
            client_properties={"connection_name": self._connection_name},
            reconnect_interval=self._reconnect_interval,
        )
        channel = await self._connection.channel(publisher_confirms=True)
        self._exchange = await channel.declare_exchange(
            self._exchange_name, ExchangeType.TOPIC, durable=True
        )
        self._dead_exchange = await channel.declare_exchange(
            self._dead_exchange_name, ExchangeType.DIRECT, durable=True
        )

    @property
    def connected(self) -> bool:
        """False while the robust connection is down and reconnecting."""
        return self._connection is not None and self._connection.connected.is_set()

    async def queue_depths(self) -> dict[str, int]:
        """Asks the broker (passive declarations on a channel of their own)."""
        if not self.connected or self._connection is None:
            return {}
        depths: dict[str, int] = {}
        try:
            channel = await self._connection.channel()
            try:
                for queue in sorted(self._declared):
                    for name in (queue, f"{queue}.dead"):
                        declared = await channel.declare_queue(name, passive=True)
                        depths[name] = declared.declaration_result.message_count or 0
            finally:
                await channel.close()
        except (aio_pika.exceptions.AMQPError, ConnectionError, TimeoutError) as error:
            log.warning("queue depths unavailable: %s", error)
            return {}
        return depths

    async def publish(self, event: Event) -> None:
        """Publish persistently and wait for the broker's confirm.

        Raises ``TimeoutError`` while the broker stays unreachable, and aio-pika's
        errors when the connection drops before the confirm arrived; the event may
        then have been routed anyway, which idempotent consumers tolerate.
        """
        if self._exchange is None:
            raise RuntimeError("AmqpBus.connect() was not called")
        message = aio_pika.Message(
            body=event.model_dump_json().encode(),
            content_type="application/json",
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            message_id=event.id,
            type=event.type,
            timestamp=event.occurred_at,
        )
        async with asyncio.timeout(self._publish_timeout):
            await self._exchange.publish(message, routing_key=event.type, mandatory=False)

    async def consume(self, queue: str, binding_keys: Sequence[str], handler: EventHandler) -> None:
        """Declare the queue and its dead-letter queue, bind, and start consuming."""
        channel = await self._channel()
        await channel.set_qos(prefetch_count=self._prefetch)
        amqp_queue = await self._declare(channel, queue, binding_keys)
        # Deliveries arrive as concurrent tasks; the lock (FIFO) handles them one at a
        # time in arrival order, which is queue order.
        in_order = asyncio.Lock()
        await amqp_queue.consume(partial(self._on_message, queue, handler, in_order))

    async def declare(self, queue: str, binding_keys: Sequence[str]) -> None:
        """Declare and bind ``queue`` (durable) for a consumer in another process."""
        channel = await self._channel()
        try:
            await self._declare(channel, queue, binding_keys)
        finally:
            await channel.close()

    async def _channel(self) -> AbstractChannel:
        if self._connection is None:
            raise RuntimeError("AmqpBus.connect() was not called")
        return await self._connection.channel()

    async def _declare(
        self, channel: AbstractChannel, queue: str, binding_keys: Sequence[str]
    ) -> AbstractQueue:
        dead_exchange = await channel.declare_exchange(
            self._dead_exchange_name, ExchangeType.DIRECT, durable=True
        )
        self._declared.add(queue)
        dead_queue = await channel.declare_queue(f"{queue}.dead", durable=True)
        await dead_queue.bind(dead_exchange, routing_key=queue)
        exchange = await channel.declare_exchange(
            self._exchange_name, ExchangeType.TOPIC, durable=True
        )
        amqp_queue = await channel.declare_queue(
            queue,
            durable=True,
            arguments={
                "x-queue-type": "quorum",
                # The broker dead-letters a message returned more than this many times.
                "x-delivery-limit": self._max_deliveries - 1,
                "x-dead-letter-exchange": self._dead_exchange_name,
                "x-dead-letter-routing-key": queue,
            },
        )
        for key in binding_keys:
            await amqp_queue.bind(exchange, routing_key=key)
        return amqp_queue

    async def close(self) -> None:
        if self._connection is not None:
            await self._connection.close()
            self._connection = None
            self._exchange = None

    async def _on_message(
        self,
        queue: str,
        handler: EventHandler,
        in_order: asyncio.Lock,
        message: AbstractIncomingMessage,
    ) -> None:
        async with in_order:
            if message.channel.is_closed:
                # Delivered on a connection that has since closed: the broker has
                # already put it back, and an ack could not reach it anyway.
                return
            if len(message.body) > self._max_message_bytes:
                reason = f"{len(message.body)} bytes, more than {self._max_message_bytes}"
                await self._dead_letter(queue, message, reason)
                return
            try:
                event = Event.model_validate_json(message.body)
            except ValidationError as exc:
                problems = "; ".join(
                    f"{'.'.join(map(str, e['loc'])) or 'body'}: {e['msg']}" for e in exc.errors()
                )
                await self._dead_letter(queue, message, f"not a valid event: {problems}"[:1000])
                return
            try:
                await _run_to_completion(handler(event))
            except Unprocessable as exc:
                await self._dead_letter(queue, message, str(exc)[:1000] or type(exc).__name__)
                return
            except Exception:
                delivery = _earlier_deliveries(message) + 1
                log.warning(
                    "queue %s: handling %s %s failed (delivery %d of %d)",
                    queue,
                    event.type,
                    event.id,
                    delivery,
                    self._max_deliveries,
                    exc_info=True,
                )
                await asyncio.sleep(self._retry_delay * delivery)
                await _settle(message.nack(requeue=True), queue)
                return
            await _settle(message.ack(), queue)

    async def _dead_letter(self, queue: str, message: AbstractIncomingMessage, reason: str) -> None:
        """Move ``message`` to ``<queue>.dead`` with ``reason``: a copy under publisher
        confirms, then the ack; should the copy fail, the message is requeued instead."""
        log.error("queue %s: dead-lettered (%s): %r", queue, reason, message.body[:200])
        assert self._dead_exchange is not None
        copy = aio_pika.Message(
            body=message.body,
            headers={**(message.headers or {}), DEAD_REASON_HEADER: reason},
            content_type=message.content_type,
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            message_id=message.message_id,
            type=message.type,
        )
        try:
            async with asyncio.timeout(self._publish_timeout):
                await self._dead_exchange.publish(copy, routing_key=queue)
        except (TimeoutError, *_SETTLE_ERRORS) as exc:
            log.warning("queue %s: dead letter not written (%s); requeued", queue, exc)
            await _settle(message.nack(requeue=True), queue)
            return
        await _settle(message.ack(), queue)


async def _run_to_completion(handling: Awaitable[object]) -> None:
    """Await ``handling`` even when our task is cancelled meanwhile, then re-raise.

    aiormq cancels the delivery tasks of a connection that closed. Letting the handler
    finish keeps its transaction whole (the redelivery is then a skipped duplicate)
    and keeps the queue's lock until it is done, so handling stays in order.
    """
    task = asyncio.ensure_future(handling)
    try:
        await asyncio.shield(task)
    except asyncio.CancelledError:
        with contextlib.suppress(Exception):
            await task
        raise


def _earlier_deliveries(message: AbstractIncomingMessage) -> int:
    """How often a quorum queue delivered this message before (0 on first delivery)."""
    count = message.headers.get("x-delivery-count")
    return count if isinstance(count, int) else 0


async def _settle(outcome: Awaitable[None], queue: str) -> None:
    """Ack, nack or reject; when the channel is gone the broker redelivers by itself."""
    try:
        await outcome
    except _SETTLE_ERRORS as exc:
        log.info("queue %s: could not settle a delivery (%s); it will be redelivered", queue, exc)
