"""Who is told about an event, and on which channels.

Pure rules first (``plan``): a request goes to the session's responsible employees;
a confirmation or a cancellation to the responsible employees except the one who did
it; an incoming call from the code user to responsible employees who have no page
open (the others hear it ring on their WebSocket). Then the database facts
(``channels_for``): active employees only, each one's preferences, and Web Push only
for those with a subscription.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from orchestrator.db.models import Employee, NotificationPreference, PushSubscription
from orchestrator.domain.types import ActorKind, NotificationChannel, SessionStatus
from orchestrator.events.schemas import Event


@dataclass(frozen=True)
class Plan:
    kind: str
    """The message kind (``notifier.messages.KINDS``)."""
    recipient_ids: list[int]
    records_receipt: bool
    """True for a request: the recipients are recorded on the session."""
    live_channels: bool = True
    """False when the recipients are known not to have a page open (no in-app)."""


def plan(event: Event) -> Plan | None:
    """What ``event`` asks the notifier to say, to whom; None for nothing."""
    payload = event.payload
    responsible = list(dict.fromkeys(payload.session.responsible_ids))
    actor = payload.actor.id if payload.actor.kind is ActorKind.EMPLOYEE else None
    others = [e for e in responsible if e != actor]
    if event.type == "session.requested":
        return Plan("session.requested", responsible, records_receipt=True)
    if event.type == "session.confirmed":
        return Plan("session.confirmed", others, records_receipt=False)
    if event.type == "session.status_changed" and payload.session.status is SessionStatus.CANCELLED:
        return Plan("session.cancelled", others, records_receipt=False)
    if event.type == "call.ringing" and payload.data.get("from") == "code_user":
        return Plan("call.ringing", responsible, records_receipt=False, live_channels=False)
    return None


async def channels_for(
    db: AsyncSession,
    organisation_id: int,
    employee_ids: list[int],
    available: frozenset[NotificationChannel],
) -> dict[int, list[NotificationChannel]]:
    """Each active employee's channels: available here, wanted, and reachable."""
    if not employee_ids:
        return {}
    active = set(
        (
            await db.scalars(
                select(Employee.id).where(
                    Employee.id.in_(employee_ids),
                    Employee.organisation_id == organisation_id,
                    Employee.active.is_(True),
                )
            )
        ).all()
    )
    preferences = {
        p.employee_id: p
        for p in await db.scalars(
            select(NotificationPreference).where(NotificationPreference.employee_id.in_(active))
        )
    }
    with_push = set(
        (
            await db.scalars(
                select(PushSubscription.employee_id)
                .where(PushSubscription.employee_id.in_(active))
                .distinct()
            )
        ).all()
    )
    result: dict[int, list[NotificationChannel]] = {}
    for employee_id in employee_ids:
        if employee_id not in active:
            continue
        wanted = preferences.get(employee_id)
        channels = [
            channel
            for channel in NotificationChannel
            if channel in available
            and (wanted is None or getattr(wanted, channel.value))
            and (channel is not NotificationChannel.WEB_PUSH or employee_id in with_push)
        ]
        result[employee_id] = channels
    return result
