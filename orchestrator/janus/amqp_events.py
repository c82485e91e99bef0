"""Janus events through RabbitMQ: the production alternative to the HTTP intake.

Janus's RabbitMQ event handler publishes the same JSON arrays the sample handler
POSTs, to a topic exchange (``FERNBLICK_JANUS_EVENTS_EXCHANGE``, declared by
Janus). The orchestrators consume them from one durable queue with a *single
active consumer*: events of one node are applied in the order Janus sent them
(a ``joined`` before that handle's ``receiving``), and if that orchestrator
goes away the broker hands the queue to another. Events wait in the queue
while no orchestrator runs, so none are lost to a restart.
"""

from __future__ import annotations

import asyncio
import json
import logging

import aio_pika
from aio_pika.abc import AbstractIncomingMessage

from orchestrator.domain.errors import FernblickError
from orchestrator.janus.events import JanusEventIntake, parse_batch
from orchestrator.lifecycle import cancel_and_wait

log = logging.getLogger(__name__)

RETRY_SECONDS = 1.0
MAX_RETRY_SECONDS = 10.0


def queue_name(exchange: str) -> str:
    return f"fernblick.{exchange}"


class AmqpJanusEvents:
    """Feeds the queue bound to Janus's exchange into a :class:`JanusEventIntake`."""

    def __init__(self, url: str, exchange: str, intake: JanusEventIntake) -> None:
        self.url = url
        self.exchange = exchange
        self.intake = intake
        self._task: asyncio.Task[None] | None = None
        self._consuming = False

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="janus-amqp-events")

    async def stop(self) -> None:
        await cancel_and_wait(self._task)
        self._task = None

    async def _run(self) -> None:
        """Consume until stopped; reconnect with backoff (the exchange appears with Janus)."""
        delay = RETRY_SECONDS
        while True:
            self._consuming = False
            try:
                await self._consume()
            except asyncio.CancelledError:
                raise
            except Exception as error:
                log.warning("Janus events from RabbitMQ unavailable (%s); retrying", error)
            delay = RETRY_SECONDS if self._consuming else min(delay * 2, MAX_RETRY_SECONDS)
            await asyncio.sleep(delay)

    async def _consume(self) -> None:
        connection = await aio_pika.connect(self.url)
        async with connection:
            channel = await connection.channel()
            await channel.set_qos(prefetch_count=1)
            exchange = await channel.get_exchange(self.exchange, ensure=True)
            queue = await channel.declare_queue(
                queue_name(self.exchange),
                durable=True,
                arguments={"x-single-active-consumer": True},
            )
            await queue.bind(exchange, routing_key="#")
            self._consuming = True
            log.info("consuming Janus events from exchange %s", self.exchange)
            async with queue.iterator() as messages:
                async for message in messages:
                    await self._handle(message)

    async def _handle(self, message: AbstractIncomingMessage) -> None:
        try:
            body = json.loads(message.body)
        except (ValueError, UnicodeDecodeError):
            log.warning("dropping a Janus event message that is not JSON")
            await message.ack()
            return
        try:
            await self.intake.handle(parse_batch(body))
        except FernblickError as error:  # the database is away: keep the events
            log.warning("Janus events not applied (%s); redelivering", error.detail)
            await asyncio.sleep(RETRY_SECONDS)
            await message.nack(requeue=True)
            return
        await message.ack()
