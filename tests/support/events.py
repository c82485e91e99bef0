"""Events and an observable consumer for the tests of the bus, relay and fan-out."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from orchestrator.db.models import ConsumedEvent, OutboxEvent
from orchestrator.domain.types import ActorKind, SessionStatus, Visibility
from orchestrator.events.consumer import Consumer
from orchestrator.events.outbox import add_event
from orchestrator.events.schemas import Actor, Event, EventType, SessionPayload, SessionRef


def make_event(event_type: EventType = "session.requested", session_id: int = 1) -> Event:
    session = SessionRef(
        id=session_id,
        organisation_id=1,
        number=session_id,
        title=f"Session {session_id}",
        status=SessionStatus.REQUESTED,
        visibility=Visibility.PUBLIC,
        device_id=None,
        requester_id=None,
        responsible_ids=[],
        version=1,
    )
    payload = SessionPayload(session=session, actor=Actor(kind=ActorKind.SYSTEM))
    return Event(type=event_type, payload=payload)


async def write_events(
    session_factory: async_sessionmaker[AsyncSession], events: list[Event]
) -> None:
    """Commit ``events`` to the outbox in one transaction, as an action would."""
    async with session_factory.begin() as db:
        for event in events:
            add_event(db, event)


class EffectConsumer(Consumer):
    """Its effect is one ``ConsumedEvent`` row under ``effect:<name>`` per event.

    Written with a plain INSERT in the idempotency transaction, so an effect applied
    twice would fail on the primary key rather than pass unnoticed.
    """

    name = "test-effects"
    binding_keys = ("session.*", "call.*")

    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        super().__init__(session_factory)
        self.handled: list[str] = []
        self.duplicates = 0

    async def handle(self, event: Event, db: AsyncSession) -> None:
        db.add(
            ConsumedEvent(
                consumer=f"effect:{self.name}", event_id=event.id, consumed_at=datetime.now(UTC)
            )
        )
        await db.flush()

    async def consume(self, event: Event) -> bool:
        applied = await super().consume(event)
        if applied:
            self.handled.append(event.id)
        else:
            self.duplicates += 1
        return applied

    async def effects(self) -> list[str]:
        """The event ids whose effect is in the database."""
        async with self.session_factory() as db:
            rows = await db.scalars(
                select(ConsumedEvent.event_id).where(
                    ConsumedEvent.consumer == f"effect:{self.name}"
                )
            )
            return list(rows)


async def wait_until(
    condition: Callable[[], Awaitable[bool]], what: str, within: float = 30.0
) -> None:
    """Poll ``condition`` (a database count, say) until it holds; fail after ``within`` s."""
    try:
        async with asyncio.timeout(within):
            while True:
                if await condition():
                    return
                await asyncio.sleep(0.02)
    except TimeoutError:
        raise AssertionError(f"timed out after {within}s waiting for {what}") from None


async def outbox_unpublished(session_factory: async_sessionmaker[AsyncSession]) -> int:
    async with session_factory() as db:
        count = await db.scalar(
            select(func.count()).select_from(OutboxEvent).where(OutboxEvent.published_at.is_(None))
        )
        return int(count or 0)
