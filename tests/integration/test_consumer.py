"""Idempotent consumers on SQLite and PostgreSQL: each event's effect happens once."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from orchestrator.events.schemas import Event
from tests.support.events import EffectConsumer, make_event


class FlakyConsumer(EffectConsumer):
    """Applies its effect, then fails while ``failing`` is set (after the effect, so
    a rollback is what keeps the effect from counting)."""

    name = "test-flaky"

    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        super().__init__(session_factory)
        self.failing = True

    async def handle(self, event: Event, db: AsyncSession) -> None:
        await super().handle(event, db)
        if self.failing:
            raise RuntimeError("handler failed after writing")


class OtherConsumer(EffectConsumer):
    name = "test-other"


async def test_a_duplicate_is_skipped(session_factory: async_sessionmaker[AsyncSession]) -> None:
    consumer = EffectConsumer(session_factory)
    event = make_event()

    assert await consumer.consume(event) is True
    assert await consumer.consume(event) is False

    assert await consumer.effects() == [event.id]


async def test_a_failed_handler_leaves_no_trace_and_the_retry_applies(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    consumer = FlakyConsumer(session_factory)
    event = make_event()

    with pytest.raises(RuntimeError):
        await consumer.consume(event)
    assert await consumer.effects() == []

    consumer.failing = False
    assert await consumer.consume(event) is True
    assert await consumer.effects() == [event.id]


async def test_concurrent_deliveries_of_one_event_apply_it_once(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    consumer = EffectConsumer(session_factory)
    event = make_event()

    results = await asyncio.gather(*(consumer.consume(event) for _ in range(8)))

    assert sorted(results) == [False] * 7 + [True]
    assert await consumer.effects() == [event.id]


async def test_each_consumer_handles_an_event_once_on_its_own(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    first, second = EffectConsumer(session_factory), OtherConsumer(session_factory)
    event = make_event()

    assert await first.consume(event) is True
    assert await second.consume(event) is True
    assert await second.consume(event) is False

    assert await first.effects() == [event.id]
    assert await second.effects() == [event.id]
