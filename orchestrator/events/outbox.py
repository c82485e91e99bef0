"""The transactional outbox: events are written with the change, published after commit.

``add_event`` is called by action functions inside their transaction, so an event
exists exactly when its change was committed. The relay (``relay.py``) publishes the
rows and marks them; a crash between commit and publish only delays an event.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from orchestrator.db.models import OutboxEvent
from orchestrator.events.schemas import Event


def add_event(db: AsyncSession, event: Event) -> OutboxEvent:
    """Stage ``event`` in the current transaction."""
    row = OutboxEvent(
        event_id=event.id,
        type=event.type,
        payload=event.payload.model_dump(mode="json"),
        occurred_at=event.occurred_at,
    )
    db.add(row)
    return row


def row_to_event(row: OutboxEvent) -> Event:
    return Event.model_validate(
        {
            "id": row.event_id,
            "type": row.type,
            "occurred_at": row.occurred_at,
            "payload": row.payload,
        }
    )


async def claim_unpublished(db: AsyncSession, limit: int) -> Sequence[OutboxEvent]:
    """Lock the oldest unpublished rows; other relays skip them (PostgreSQL)."""
    query = (
        select(OutboxEvent)
        .where(OutboxEvent.published_at.is_(None))
        .order_by(OutboxEvent.id)
        .limit(limit)
    )
    if db.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return (await db.scalars(query)).all()


async def mark_published(db: AsyncSession, ids: Sequence[int]) -> None:
    if ids:
        await db.execute(
            update(OutboxEvent)
            .where(OutboxEvent.id.in_(ids))
            .values(published_at=datetime.now(UTC), attempts=OutboxEvent.attempts + 1)
        )
