"""An employee's own notification settings: channel preferences and push subscriptions."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from orchestrator.actions.actors import EmployeeActor
from orchestrator.db.models import NotificationPreference, PushSubscription, utcnow
from orchestrator.domain.errors import Conflict, NotFound


async def load_preferences(db: AsyncSession, employee_id: int) -> NotificationPreference:
    """The stored preferences, or the defaults (every channel on) when none are stored."""
    stored = await db.get(NotificationPreference, employee_id)
    if stored is not None:
        return stored
    return NotificationPreference(
        employee_id=employee_id, in_app=True, email=True, web_push=True, updated_at=utcnow()
    )


async def do_set_notification_preferences(
    db: AsyncSession, actor: EmployeeActor, *, in_app: bool, email: bool, web_push: bool
) -> NotificationPreference:
    row = await db.get(NotificationPreference, actor.employee_id)
    if row is None:
        row = NotificationPreference(employee_id=actor.employee_id)
        db.add(row)
    row.in_app, row.email, row.web_push = in_app, email, web_push
    row.updated_at = utcnow()
    await db.flush()
    return row


async def do_add_push_subscription(
    db: AsyncSession, actor: EmployeeActor, *, endpoint: str, p256dh: str, auth: str
) -> PushSubscription:
    """Store a browser's subscription; the same endpoint again updates its keys."""
    row = await db.scalar(select(PushSubscription).where(PushSubscription.endpoint == endpoint))
    if row is not None and row.employee_id != actor.employee_id:
        raise Conflict("this push endpoint belongs to another employee", code="push_endpoint_taken")
    if row is None:
        row = PushSubscription(
            employee_id=actor.employee_id, endpoint=endpoint, created_at=utcnow()
        )
        db.add(row)
    row.p256dh, row.auth = p256dh, auth
    await db.flush()
    return row


async def do_remove_push_subscription(
    db: AsyncSession, actor: EmployeeActor, subscription_id: int
) -> None:
    result = await db.execute(
        delete(PushSubscription).where(
            PushSubscription.id == subscription_id,
            PushSubscription.employee_id == actor.employee_id,
        )
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        raise NotFound("push subscription not found", data={"subscription_id": subscription_id})
