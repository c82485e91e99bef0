"""Notifications to employees, their preferences and browsers' push subscriptions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from orchestrator.db.models.base import Base, stored_enum
from orchestrator.domain.types import (
    NotificationChannel,
    NotificationState,
)


class Notification(Base):
    """One message to one employee on one channel: the notifier's delivery record.

    Unique per (event, recipient, channel), so a redelivered event cannot add a second.
    """

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint(
            "event_id", "recipient_id", "channel", name="uq_notifications_event_recipient_channel"
        ),
        Index("ix_notifications_due", "state", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("video_sessions.id", ondelete="CASCADE"), index=True
    )
    recipient_id: Mapped[int] = mapped_column(ForeignKey("employees.id", ondelete="CASCADE"))
    event_id: Mapped[str] = mapped_column(String(36))
    channel: Mapped[NotificationChannel] = mapped_column(
        stored_enum(NotificationChannel, "notification_channel")
    )
    state: Mapped[NotificationState] = mapped_column(
        stored_enum(NotificationState, "notification_state"), default=NotificationState.PENDING
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column()
    kind: Mapped[str] = mapped_column(String(64), default="")
    """The event type that caused it (picks the template)."""
    next_attempt_at: Mapped[datetime | None] = mapped_column()
    """When a pending delivery is due (or its claim expires); NULL once it is final."""
    delivered_at: Mapped[datetime | None] = mapped_column()


class NotificationPreference(Base):
    """An employee's channel choices; no row means every channel is on."""

    __tablename__ = "notification_preferences"

    employee_id: Mapped[int] = mapped_column(
        ForeignKey("employees.id", ondelete="CASCADE"), primary_key=True
    )
    in_app: Mapped[bool] = mapped_column(Boolean, default=True)
    email: Mapped[bool] = mapped_column(Boolean, default=True)
    web_push: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column()


class PushSubscription(Base):
    """One browser's Web Push subscription (the PushSubscription JSON of the browser)."""

    __tablename__ = "push_subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(
        ForeignKey("employees.id", ondelete="CASCADE"), index=True
    )
    endpoint: Mapped[str] = mapped_column(String(1000), unique=True)
    p256dh: Mapped[str] = mapped_column(String(200))
    auth: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column()
