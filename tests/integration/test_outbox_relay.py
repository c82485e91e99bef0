"""The outbox relay on SQLite and PostgreSQL: committed events leave, in order, once.

The bus here is the in-process one (the RabbitMQ path is in test_rabbitmq_bus.py);
what is under test is the relay between the outbox table and any bus.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from orchestrator.db.engine import create_engine, create_session_factory
from orchestrator.db.models import OutboxEvent
from orchestrator.events.consumer import attach
from orchestrator.events.memory_bus import InProcessBus
from orchestrator.events.outbox import add_event
from orchestrator.events.relay import OutboxRelay
from orchestrator.events.schemas import Event
from orchestrator.realtime.fanout import EVENTS_CHANNEL, InProcessFanout
from orchestrator.settings import Settings
from tests.support.events import (
    EffectConsumer,
    make_event,
    outbox_unpublished,
    wait_until,
    write_events,
)


class RecordingBus(InProcessBus):
    """The in-process bus, plus the order in which the relay published."""

    def __init__(self) -> None:
        super().__init__()
        self.published: list[str] = []

    async def publish(self, event: Event) -> None:
        await super().publish(event)
        self.published.append(event.id)


class FlakyBus(RecordingBus):
    """Fails every ``every``-th publish, as a broker that drops connections would:
    alternately before the broker got the event and after it routed it (the confirm
    was lost)."""

    def __init__(self, every: int) -> None:
        super().__init__()
        self.every = every
        self.calls = 0
        self.failures = 0

    async def publish(self, event: Event) -> None:
        self.calls += 1
        if self.calls % self.every:
            await super().publish(event)
            return
        self.failures += 1
        if self.failures % 2:
            await super().publish(event)
        raise ConnectionError("broker went away")


@pytest.fixture(name="bus")
async def bus_fixture() -> AsyncIterator[RecordingBus]:
    bus = RecordingBus()
    yield bus
    await bus.close()


async def run_relay(
    session_factory: async_sessionmaker[AsyncSession],
    bus: InProcessBus,
    fanout: InProcessFanout | None = None,
    **options: Any,
) -> OutboxRelay:
    options.setdefault("poll_seconds", 0.05)
    relay = OutboxRelay(session_factory, bus, fanout, min_backoff=0.01, **options)
    await relay.start()
    return relay


async def test_committed_events_reach_consumer_and_fanout(
    session_factory: async_sessionmaker[AsyncSession], bus: RecordingBus
) -> None:
    consumer = EffectConsumer(session_factory)
    await attach(consumer, bus)
    fanout = InProcessFanout()
    fanned_out: list[str] = []
    await fanout.subscribe(EVENTS_CHANNEL, lambda _channel, data: fanned_out.append(data["id"]))
    relay = await run_relay(session_factory, bus, fanout)
    events = [make_event(session_id=n) for n in range(25)]
    try:
        await write_events(session_factory, events)
        relay.wake()

        async def all_applied() -> bool:
            return len(await consumer.effects()) == len(events)

        await wait_until(all_applied, "the consumer's effects")
    finally:
        await relay.stop()

    ids = [event.id for event in events]
    assert sorted(await consumer.effects()) == sorted(ids)
    assert fanned_out == ids
    assert await outbox_unpublished(session_factory) == 0


async def test_a_rolled_back_transaction_publishes_nothing(
    session_factory: async_sessionmaker[AsyncSession], bus: RecordingBus
) -> None:
    relay = await run_relay(session_factory, bus)
    rolled_back, committed = make_event(session_id=1), make_event(session_id=2)
    try:
        with pytest.raises(RuntimeError):
            async with session_factory.begin() as db:
                add_event(db, rolled_back)
                await db.flush()
                raise RuntimeError("the action failed after staging its event")
        await write_events(session_factory, [committed])

        async def committed_published() -> bool:
            return committed.id in bus.published

        await wait_until(committed_published, "the committed event")
    finally:
        await relay.stop()

    assert bus.published == [committed.id]
    async with session_factory() as db:
        assert list(await db.scalars(select(OutboxEvent.event_id))) == [committed.id]


async def test_events_are_published_in_outbox_order_across_batches(
    session_factory: async_sessionmaker[AsyncSession], bus: RecordingBus
) -> None:
    events = [make_event(session_id=n) for n in range(60)]
    for start in range(0, len(events), 10):
        await write_events(session_factory, events[start : start + 10])
    relay = await run_relay(session_factory, bus, batch_size=7)
    try:

        async def drained() -> bool:
            return await outbox_unpublished(session_factory) == 0

        await wait_until(drained, "an empty outbox")
    finally:
        await relay.stop()

    assert bus.published == [event.id for event in events]


async def test_bus_failures_delay_events_but_lose_none(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    bus = FlakyBus(every=7)
    consumer = EffectConsumer(session_factory)
    await attach(consumer, bus)
    relay = await run_relay(session_factory, bus, batch_size=10)
    events = [make_event(session_id=n) for n in range(50)]
    try:
        for event in events:
            await write_events(session_factory, [event])
            relay.wake()

        async def all_applied() -> bool:
            return len(await consumer.effects()) == len(events)

        await wait_until(all_applied, "every event despite failures")
    finally:
        await relay.stop()
        await bus.close()

    assert bus.failures > 0
    assert sorted(await consumer.effects()) == sorted(event.id for event in events)
    assert len(consumer.handled) == len(events)
    assert consumer.duplicates > 0  # events whose confirm was lost came again
    assert await outbox_unpublished(session_factory) == 0


async def test_wake_publishes_without_waiting_for_the_poll(
    session_factory: async_sessionmaker[AsyncSession], bus: RecordingBus
) -> None:
    relay = await run_relay(session_factory, bus, poll_seconds=3600)
    event = make_event()
    try:

        async def published() -> bool:
            return event.id in bus.published

        await write_events(session_factory, [event])
        relay.wake()
        await wait_until(published, "the woken relay", within=10)
    finally:
        await relay.stop()


async def test_a_stopped_relay_leaves_events_for_the_next_start(
    session_factory: async_sessionmaker[AsyncSession], bus: RecordingBus
) -> None:
    relay = await run_relay(session_factory, bus)
    await relay.stop()
    event = make_event()
    await write_events(session_factory, [event])
    assert await outbox_unpublished(session_factory) == 1

    await relay.start()
    try:

        async def published() -> bool:
            return event.id in bus.published

        await wait_until(published, "the restarted relay")
    finally:
        await relay.stop()


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_two_relays_on_postgresql_publish_each_event_once_in_order(
    settings: Settings, bus: RecordingBus
) -> None:
    """Two orchestrator processes, modelled by two engines, relay from one outbox."""
    engines = [create_engine(settings) for _ in range(2)]
    factories = [create_session_factory(engine) for engine in engines]
    relays = [await run_relay(factory, bus, batch_size=5) for factory in factories]
    events = [make_event(session_id=n) for n in range(300)]
    try:
        for start in range(0, len(events), 3):
            await write_events(factories[start % 2], events[start : start + 3])
            relays[start % 2].wake()

        async def drained() -> bool:
            return await outbox_unpublished(factories[0]) == 0

        await wait_until(drained, "an empty outbox")
    finally:
        for relay in relays:
            await relay.stop()
        for engine in engines:
            await engine.dispose()

    assert bus.published == [event.id for event in events]
