"""The notifier's consumer: turns request, confirm, cancel and call events into deliveries.

Runs in the consumer's idempotency transaction (``Consumer.consume``), so a
redelivered event finds its ``consumed_events`` record and adds nothing: every
recipient gets one notification row per channel, ever. Sending happens afterwards,
from those rows (``dispatcher.py``), so no e-mail leaves for a rolled-back change.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from notifier.audience import channels_for, plan
from notifier.deliveries import add_notification
from orchestrator.actions.session_edits import do_record_receipt
from orchestrator.domain.types import NotificationChannel
from orchestrator.events.consumer import Consumer
from orchestrator.events.schemas import Event

Presence = Callable[[int], bool]
"""True when the employee has a page open (a live WebSocket)."""


def nobody_online(_employee_id: int) -> bool:
    """Presence for a notifier that cannot see the WebSockets: assume nobody is there."""
    return False


class NotifyConsumer(Consumer):
    name = "notifier"
    binding_keys = (
        "session.requested",
        "session.confirmed",
        "session.status_changed",
        "call.ringing",
    )

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        channels: frozenset[NotificationChannel],
        *,
        on_new: Callable[[], None] = lambda: None,
        is_online: Presence = nobody_online,
    ) -> None:
        super().__init__(session_factory)
        self.channels = channels
        self.on_new = on_new
        self.is_online = is_online

    async def consume(self, event: Event) -> bool:
        """Handle once, then wake the dispatcher for the rows just committed."""
        applied = await super().consume(event)
        if applied:
            self.on_new()
        return applied

    async def handle(self, event: Event, db: AsyncSession) -> None:
        what = plan(event)
        if what is None:
            return
        session = event.payload.session
        recipients = what.recipient_ids
        available = self.channels
        if not what.live_channels:
            recipients = [e for e in recipients if not self.is_online(e)]
            available = available - {NotificationChannel.IN_APP}
        by_employee = await channels_for(db, session.organisation_id, recipients, available)
        for employee_id, channels in by_employee.items():
            if what.records_receipt:
                await do_record_receipt(db, session.id, employee_id, at=event.occurred_at)
            for channel in channels:
                add_notification(
                    db,
                    event_id=event.id,
                    kind=what.kind,
                    session_id=session.id,
                    recipient_id=employee_id,
                    channel=channel,
                )
        await db.flush()
