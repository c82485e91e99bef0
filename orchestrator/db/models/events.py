"""Domain events on their way out (the outbox), events a consumer has handled, and the
audit trail."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Index,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from orchestrator.db.models.base import Base


class OutboxEvent(Base):
    """A domain event written in the same transaction as the change it describes."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_unpublished", "published_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(String(36), unique=True)
    type: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    occurred_at: Mapped[datetime] = mapped_column()
    published_at: Mapped[datetime | None] = mapped_column()
    attempts: Mapped[int] = mapped_column(Integer, default=0)


class ConsumedEvent(Base):
    """Which consumer has handled which event: the idempotency record."""

    __tablename__ = "consumed_events"

    consumer: Mapped[str] = mapped_column(String(64), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    consumed_at: Mapped[datetime] = mapped_column()


class AuditEntry(Base):
    """One employee action: who, what, on which session/device, from where, when.

    Written in the same transaction as the action (``orchestrator/actions/audit.py``),
    so an entry exists exactly when the change was committed. Targets are plain ids,
    not foreign keys: the record outlives a deleted device or employee.
    """

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_org", "organisation_id", "id"),
        Index("ix_audit_log_session", "session_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column()
    organisation_id: Mapped[int] = mapped_column(Integer)
    employee_id: Mapped[int] = mapped_column(Integer)
    employee_email: Mapped[str] = mapped_column(String(320), default="")
    action: Mapped[str] = mapped_column(String(100))
    method: Mapped[str] = mapped_column(String(10), default="")
    path: Mapped[str] = mapped_column(String(500), default="")
    session_id: Mapped[int | None] = mapped_column(Integer)
    device_id: Mapped[int | None] = mapped_column(Integer)
    target: Mapped[str] = mapped_column(String(100), default="")
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    request_id: Mapped[str] = mapped_column(String(64), default="")
    client_address: Mapped[str] = mapped_column(String(64), default="")
