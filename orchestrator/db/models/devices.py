"""Devices (what a QR code names), who is responsible for them, and tickets."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from orchestrator.db.models.base import Base, stored_enum, utcnow
from orchestrator.domain.types import (
    TicketStatus,
)

if TYPE_CHECKING:
    from orchestrator.db.models.people import Employee, Team


class Device(Base):
    __tablename__ = "devices"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    code: Mapped[str] = mapped_column(String(64), unique=True)
    location: Mapped[str] = mapped_column(String(300), default="")
    picture_url: Mapped[str] = mapped_column(String(1000), default="")
    assistant: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    responsible_employees: Mapped[list[Employee]] = relationship(
        secondary="device_responsible_employees", lazy="selectin", order_by="Employee.id"
    )
    responsible_teams: Mapped[list[Team]] = relationship(
        secondary="device_responsible_teams", lazy="selectin", order_by="Team.id"
    )


class DeviceResponsibleEmployee(Base):
    __tablename__ = "device_responsible_employees"

    device_id: Mapped[int] = mapped_column(
        ForeignKey("devices.id", ondelete="CASCADE"), primary_key=True
    )
    employee_id: Mapped[int] = mapped_column(
        ForeignKey("employees.id", ondelete="CASCADE"), primary_key=True
    )


class DeviceResponsibleTeam(Base):
    __tablename__ = "device_responsible_teams"

    device_id: Mapped[int] = mapped_column(
        ForeignKey("devices.id", ondelete="CASCADE"), primary_key=True
    )
    team_id: Mapped[int] = mapped_column(
        ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True
    )


class Ticket(Base):
    __tablename__ = "tickets"
    __table_args__ = (UniqueConstraint("organisation_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[TicketStatus] = mapped_column(
        stored_enum(TicketStatus, "ticket_status"), default=TicketStatus.OPEN
    )
    device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("employees.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
