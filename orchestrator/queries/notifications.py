"""Read model of the delivery log: who was notified how, for the session details."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from orchestrator.api.schemas import NotificationOut, Ref
from orchestrator.db.models import Employee, Notification


async def session_notifications(db: AsyncSession, session_id: int) -> list[NotificationOut]:
    rows = await db.execute(
        select(Notification, Employee.name)
        .join(Employee, Employee.id == Notification.recipient_id)
        .where(Notification.session_id == session_id)
        .order_by(Notification.created_at, Notification.id)
    )
    return [
        NotificationOut(
            employee=Ref(id=n.recipient_id, name=name),
            kind=n.kind,
            channel=n.channel,
            state=n.state,
            attempts=n.attempts,
            last_error=n.last_error,
            created_at=n.created_at,
            delivered_at=n.delivered_at,
        )
        for n, name in rows
    ]
