"""In-app: a ``notification`` frame on the employee's open WebSockets, via the fan-out.

The notifier publishes on the fan-out's ``notifications`` channel; every
orchestrator's ``LiveHub`` passes the frame to the recipient's own connections, and
the browser shows it with the Notification API. Like all fan-out traffic it is live
only (an employee with no page open gets nothing here, which is what e-mail and
Web Push are for), so "delivered" means "handed to the fan-out".
"""

from __future__ import annotations

from typing import Any

from notifier.channels.base import Delivery
from orchestrator.domain.types import NotificationChannel
from orchestrator.realtime.fanout import NOTIFICATIONS_CHANNEL, Fanout


def notification_frame(delivery: Delivery) -> dict[str, Any]:
    """The fan-out message; ``LiveHub.notify`` routes it by ``recipient_id``."""
    return {
        "type": "notification",
        "recipient_id": delivery.recipient_id,
        "notification": {
            "id": delivery.notification_id,
            "kind": delivery.kind,
            "session_id": delivery.session_id,
            "title": delivery.message.subject,
            "body": delivery.message.body,
            "url": delivery.message.url,
        },
    }


class InAppChannel:
    name = NotificationChannel.IN_APP

    def __init__(self, fanout: Fanout) -> None:
        self.fanout = fanout

    async def send(self, delivery: Delivery) -> None:
        await self.fanout.publish(notification_frame(delivery), NOTIFICATIONS_CHANNEL)

    async def close(self) -> None:
        """The fan-out belongs to whoever created it."""
