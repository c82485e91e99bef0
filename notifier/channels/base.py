"""The contract between the dispatcher and a channel: send one delivery or raise."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from notifier.messages import Message
from orchestrator.domain.types import NotificationChannel


@dataclass(frozen=True)
class PushTarget:
    """One browser's Web Push subscription."""

    id: int
    endpoint: str
    p256dh: str
    auth: str


@dataclass(frozen=True)
class Delivery:
    """Everything a channel needs to send one notification row."""

    notification_id: int
    kind: str
    session_id: int | None
    recipient_id: int
    email: str
    message: Message
    push_targets: list[PushTarget] = field(default_factory=list)


class DeliveryFailed(Exception):
    """A failed attempt; ``permanent`` ends the delivery at once (no point retrying)."""

    def __init__(self, reason: str, *, permanent: bool = False) -> None:
        super().__init__(reason)
        self.permanent = permanent


class Channel(Protocol):
    name: NotificationChannel

    async def send(self, delivery: Delivery) -> None:
        """Return once the message is handed on; raise ``DeliveryFailed`` otherwise."""

    async def close(self) -> None: ...
