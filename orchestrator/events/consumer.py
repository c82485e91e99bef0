"""The one base class for event consumers, idempotent by event id.

Buses deliver at least once, so the same event can arrive twice (a redelivery after a
lost ack, a re-publish after a relay retry). ``Consumer.consume`` records
``(consumer, event id)`` in the same transaction as the consumer's own changes: the
effect of an event happens exactly once, and a duplicate is skipped. Tests call
``consume(event)`` directly; ``attach`` wires a consumer to a bus.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from orchestrator.db.models import ConsumedEvent
from orchestrator.events.bus import MessageBus
from orchestrator.events.schemas import Event
from orchestrator.observability.context import bind_session

log = logging.getLogger(__name__)

# INSERT … ON CONFLICT DO NOTHING per supported dialect: a concurrent duplicate waits
# for the first delivery's transaction, and is told apart from errors in ``handle``
# without an exception.
_INSERT: dict[str, Callable[..., Any]] = {
    "postgresql": postgresql.insert,
    "sqlite": sqlite.insert,
}


class Consumer(ABC):
    """Subclasses set ``name`` and ``binding_keys`` and implement ``handle``."""

    name: ClassVar[str]
    """Stable identity: the idempotency key prefix and the default queue name."""
    binding_keys: ClassVar[tuple[str, ...]]
    """AMQP topic patterns of the events this consumer wants, e.g. ``("session.*",)``."""

    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self.session_factory = session_factory

    @abstractmethod
    async def handle(self, event: Event, db: AsyncSession) -> None:
        """Apply ``event`` using ``db``; runs inside the idempotency transaction."""

    async def consume(self, event: Event) -> bool:
        """Handle ``event`` once; False when this consumer had already handled it.

        An exception from ``handle`` rolls everything back and propagates, so the bus
        redelivers the event.
        """
        bind_session(event.payload.session.id)  # log lines of this handling name the session
        async with self.session_factory() as db, db.begin():
            if not await self._record(db, event):
                log.debug("%s: skipped duplicate %s %s", self.name, event.type, event.id)
                return False
            await self.handle(event, db)
        return True

    async def _record(self, db: AsyncSession, event: Event) -> bool:
        values = {"consumer": self.name, "event_id": event.id, "consumed_at": datetime.now(UTC)}
        statement = _INSERT[db.get_bind().dialect.name](ConsumedEvent).values(**values)
        result = await db.execute(statement.on_conflict_do_nothing())
        return bool(result.rowcount)  # type: ignore[attr-defined]


async def attach(consumer: Consumer, bus: MessageBus, queue: str | None = None) -> None:
    """Feed ``consumer`` from its queue (``consumer.name`` unless given) on ``bus``."""
    await bus.consume(queue or consumer.name, consumer.binding_keys, consumer.consume)
