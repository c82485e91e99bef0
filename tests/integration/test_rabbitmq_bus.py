"""The RabbitMQ bus against the real broker on 127.0.0.1:5672.

The acceptance test of the events work: 1,000 events go from the outbox through the
relay to RabbitMQ and into an idempotent consumer while the broker closes every
connection from the server side, twice; each event's effect happens exactly once.

Each test module runs in a virtual host of its own (deleted afterwards), so closing
"all connections" hits only this test's connections, never a colleague's test run.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import aio_pika
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from orchestrator.db.models import ConsumedEvent
from orchestrator.events.amqp_bus import AmqpBus
from orchestrator.events.consumer import Consumer, attach
from orchestrator.events.relay import OutboxRelay
from orchestrator.events.schemas import Event
from tests.support.events import (
    EffectConsumer,
    make_event,
    outbox_unpublished,
    wait_until,
    write_events,
)
from tests.support.rabbitmq import close_all_connections, temporary_vhost

pytestmark = pytest.mark.rabbitmq


@pytest.fixture(scope="module")
def vhost() -> Iterator[str]:
    with temporary_vhost() as name:
        yield name


@dataclass
class Broker:
    url: str
    vhost: str
    exchange: str
    queue: str

    def bus(self, name: str, max_deliveries: int = 10, retry_delay: float = 0.2) -> AmqpBus:
        return AmqpBus(
            self.url,
            self.exchange,
            connection_name=name,
            max_deliveries=max_deliveries,
            retry_delay=retry_delay,
        )

    async def dead_letters(self) -> list[aio_pika.abc.AbstractIncomingMessage]:
        """Take everything from ``<queue>.dead``."""
        connection = await aio_pika.connect(self.url)
        async with connection:
            channel = await connection.channel()
            dead = await channel.declare_queue(f"{self.queue}.dead", passive=True)
            messages = []
            while (message := await dead.get(no_ack=True, fail=False)) is not None:
                messages.append(message)
            return messages

    async def wait_for_dead_letters(self) -> list[aio_pika.abc.AbstractIncomingMessage]:
        dead: list[aio_pika.abc.AbstractIncomingMessage] = []

        async def arrived() -> bool:
            dead.extend(await self.dead_letters())
            return bool(dead)

        await wait_until(arrived, f"dead letters in {self.queue}.dead", within=60)
        return dead


@pytest.fixture(name="broker")
async def broker_fixture(vhost: str) -> AsyncIterator[Broker]:
    """Unique exchange and queue names in the test vhost, deleted after the test."""
    suffix = uuid.uuid4().hex[:8]
    broker = Broker(
        url=f"amqp://guest:guest@127.0.0.1:5672/{vhost}",
        vhost=vhost,
        exchange=f"test.events.{suffix}",
        queue=f"test.effects.{suffix}",
    )
    yield broker
    connection = await aio_pika.connect(broker.url)
    async with connection:
        channel = await connection.channel()
        for queue in (broker.queue, f"{broker.queue}.dead"):
            await channel.queue_delete(queue)
        for exchange in (broker.exchange, f"{broker.exchange}.dead"):
            await channel.exchange_delete(exchange)


async def consumed_rows(session_factory: async_sessionmaker[AsyncSession], name: str) -> int:
    async with session_factory() as db:
        count = await db.scalar(
            select(func.count()).where(ConsumedEvent.consumer == name)
        )
        return int(count or 0)


async def test_1000_events_survive_server_side_connection_closes_exactly_once(
    session_factory: async_sessionmaker[AsyncSession], broker: Broker
) -> None:
    publisher = broker.bus("test-relay")
    worker = broker.bus("test-worker")
    await publisher.connect()
    await worker.connect()
    consumer = EffectConsumer(session_factory)
    await attach(consumer, worker, broker.queue)
    relay = OutboxRelay(session_factory, publisher, None, poll_seconds=0.05, min_backoff=0.05)
    await relay.start()
    events = [make_event(session_id=n) for n in range(1_000)]
    closed: list[int] = []

    async def write_all() -> None:
        for start in range(0, len(events), 10):
            await write_events(session_factory, events[start : start + 10])
            relay.wake()

    async def close_connections_at(handled: int) -> None:
        async def reached() -> bool:
            return len(consumer.handled) >= handled

        await wait_until(reached, f"{handled} handled events", within=60)
        closed.append(await close_all_connections(broker.vhost))

    try:
        async with asyncio.timeout(180):
            await asyncio.gather(
                write_all(), close_connections_at(250), close_connections_at(600)
            )

            async def all_applied() -> bool:
                return len(await consumer.effects()) == len(events)

            await wait_until(all_applied, "all 1,000 effects", within=120)
    finally:
        await relay.stop()
        await worker.close()
        await publisher.close()

    assert all(count >= 2 for count in closed), closed  # the relay's and the worker's
    ids = {event.id for event in events}
    effects = await consumer.effects()
    assert set(effects) == ids
    assert len(effects) == len(ids)
    assert sorted(consumer.handled) == sorted(ids)
    assert await consumed_rows(session_factory, consumer.name) == len(ids)
    assert await outbox_unpublished(session_factory) == 0
    assert await broker.dead_letters() == []


class AlwaysFailing(Consumer):
    name = "test-always-failing"
    binding_keys = ("session.*",)

    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        super().__init__(session_factory)
        self.attempts = 0

    async def handle(self, event: Event, db: AsyncSession) -> None:
        self.attempts += 1
        raise RuntimeError("this handler always fails")


async def test_a_failing_handler_ends_in_the_dead_letter_queue(
    session_factory: async_sessionmaker[AsyncSession], broker: Broker
) -> None:
    bus = broker.bus("test-dead-letters", max_deliveries=3, retry_delay=0)
    await bus.connect()
    consumer = AlwaysFailing(session_factory)
    await attach(consumer, bus, broker.queue)
    poison = make_event()
    try:
        await bus.publish(poison)
        dead = await broker.wait_for_dead_letters()
    finally:
        await bus.close()

    assert [Event.model_validate_json(message.body).id for message in dead] == [poison.id]
    assert consumer.attempts == 3
    assert await consumed_rows(session_factory, consumer.name) == 0  # rolled back each time


async def test_a_message_that_is_not_an_event_is_dead_lettered_at_once(
    session_factory: async_sessionmaker[AsyncSession], broker: Broker
) -> None:
    bus = broker.bus("test-malformed")
    await bus.connect()
    consumer = EffectConsumer(session_factory)
    await attach(consumer, bus, broker.queue)
    try:
        connection = await aio_pika.connect(broker.url)
        async with connection:
            channel = await connection.channel()
            exchange = await channel.get_exchange(broker.exchange)
            await exchange.publish(aio_pika.Message(b"{not json"), routing_key="session.requested")
        dead = await broker.wait_for_dead_letters()
    finally:
        await bus.close()

    assert [message.body for message in dead] == [b"{not json"]
    assert consumer.handled == []


async def test_a_declared_queue_keeps_events_for_a_consumer_that_starts_later(broker: Broker) -> None:
    """What the orchestrator does for a notifier in another process: events published
    before that consumer ever ran are waiting for it, not dropped by the broker."""
    publisher = broker.bus("test-declare-publisher")
    await publisher.connect()
    early = make_event()
    try:
        await publisher.declare(broker.queue, [early.type])
        await publisher.publish(early)
    finally:
        await publisher.close()
    received: list[str] = []
    consumer_bus = broker.bus("test-declare-consumer")
    await consumer_bus.connect()

    async def handle(event: Event) -> None:
        received.append(event.id)

    try:
        await consumer_bus.consume(broker.queue, [early.type], handle)

        async def arrived() -> bool:
            return received == [early.id]

        await wait_until(arrived, "the event published before the consumer started", within=30)
    finally:
        await consumer_bus.close()
