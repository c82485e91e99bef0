"""The delivery log: notification rows created, claimed, sent and settled.

Each row is one message to one employee on one channel. It is created in the
consumer's transaction (so exactly once per event), then sent from the row: a
dispatcher claims due rows by pushing ``next_attempt_at`` one lease ahead and counting
the attempt, sends outside any transaction, and settles the row as delivered, due
again after a backoff, or failed. A process that dies mid-send leaves the claim to
expire, and the row is sent again (the one window where a message can go out twice).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from orchestrator.db.models import Notification, OutboxEvent
from orchestrator.db.models import utcnow as now
from orchestrator.domain.types import NotificationChannel, NotificationState


def backoff_seconds(attempts: int, base: float, maximum: float) -> float:
    """Wait after the ``attempts``-th failed attempt: base, 2·base, 4·base… capped."""
    return float(min(maximum, base * 2 ** max(0, attempts - 1)))


def add_notification(
    db: AsyncSession,
    *,
    event_id: str,
    kind: str,
    session_id: int | None,
    recipient_id: int,
    channel: NotificationChannel,
) -> Notification:
    at = now()
    row = Notification(
        session_id=session_id,
        recipient_id=recipient_id,
        event_id=event_id,
        kind=kind,
        channel=channel,
        state=NotificationState.PENDING,
        attempts=0,
        last_error="",
        created_at=at,
        updated_at=at,
        next_attempt_at=at,
    )
    db.add(row)
    return row


async def claim_due(
    db: AsyncSession,
    channels: Sequence[NotificationChannel],
    *,
    limit: int,
    lease_seconds: float,
) -> list[int]:
    """Claim up to ``limit`` due rows of ``channels``; other dispatchers skip them."""
    at = now()
    query = (
        select(Notification.id)
        .where(
            Notification.state == NotificationState.PENDING,
            Notification.next_attempt_at <= at,
            Notification.channel.in_(list(channels)),
        )
        .order_by(Notification.next_attempt_at, Notification.id)
        .limit(limit)
    )
    if db.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    ids = list((await db.scalars(query)).all())
    if ids:
        await db.execute(
            update(Notification)
            .where(Notification.id.in_(ids))
            .values(
                attempts=Notification.attempts + 1,
                next_attempt_at=at + timedelta(seconds=lease_seconds),
                updated_at=at,
            )
        )
    return ids


async def record_delivered(db: AsyncSession, notification_id: int) -> float | None:
    """Settle the row as delivered; the seconds since the event that asked for it.

    The event's time comes from the outbox (the request, the ringing call); the
    row's own creation time stands in when the event is not there.
    """
    at = now()
    await db.execute(
        update(Notification)
        .where(Notification.id == notification_id)
        .values(
            state=NotificationState.DELIVERED,
            delivered_at=at,
            next_attempt_at=None,
            last_error="",
            updated_at=at,
        )
    )
    asked_at = await db.scalar(
        select(func.coalesce(OutboxEvent.occurred_at, Notification.created_at))
        .select_from(Notification)
        .outerjoin(OutboxEvent, OutboxEvent.event_id == Notification.event_id)
        .where(Notification.id == notification_id)
    )
    return None if asked_at is None else max(0.0, (at - asked_at).total_seconds())


async def record_failure(
    db: AsyncSession,
    notification_id: int,
    error: str,
    *,
    permanent: bool,
    max_attempts: int,
    retry_base: float,
    retry_max: float,
) -> NotificationState:
    """Note a failed attempt; the row ends ``failed`` when retrying is pointless or spent."""
    row = await db.get(Notification, notification_id)
    if row is None:
        return NotificationState.FAILED
    at = now()
    row.last_error = error[:2000]
    row.updated_at = at
    if permanent or row.attempts >= max_attempts:
        row.state = NotificationState.FAILED
        row.next_attempt_at = None
    else:
        wait = backoff_seconds(row.attempts, retry_base, retry_max)
        row.next_attempt_at = at + timedelta(seconds=wait)
    return row.state
