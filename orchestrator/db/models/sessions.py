"""Video sessions and what belongs to one: responsibles, recipients of the request, linked
tickets, status history, participants, invites, artifacts and the code user's rating."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from orchestrator.db.models.base import Base, stored_enum
from orchestrator.domain.types import (
    ActorKind,
    ArtifactKind,
    ArtifactState,
    ParticipantKind,
    SessionStatus,
    Trigger,
    Visibility,
)

if TYPE_CHECKING:
    from orchestrator.db.models.devices import Device, Ticket
    from orchestrator.db.models.people import CodeUser, Employee


class VideoSession(Base):
    __tablename__ = "video_sessions"
    __table_args__ = (
        UniqueConstraint("organisation_id", "number"),
        Index("ix_video_sessions_org_created", "organisation_id", "created_at", "id"),
        Index(
            "ix_video_sessions_org_status_created", "organisation_id", "status", "created_at", "id"
        ),
        Index("ix_video_sessions_org_updated", "organisation_id", "updated_at", "id"),
        Index("ix_video_sessions_device", "device_id", "created_at"),
        Index("ix_video_sessions_requester", "requester_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300), default="")
    device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(Text, default="")
    contact: Mapped[str] = mapped_column(String(320), default="")
    labels: Mapped[list[str]] = mapped_column(JSON, default=list)
    requester_id: Mapped[int | None] = mapped_column(
        ForeignKey("code_users.id", ondelete="SET NULL")
    )
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("employees.id", ondelete="SET NULL")
    )
    visibility: Mapped[Visibility] = mapped_column(stored_enum(Visibility, "visibility"))
    status: Mapped[SessionStatus] = mapped_column(stored_enum(SessionStatus, "session_status"))
    recording_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    recording_consent_at: Mapped[datetime | None] = mapped_column()
    search_text: Mapped[str] = mapped_column(Text, default="")
    janus_node: Mapped[str | None] = mapped_column(String(100))
    room_id: Mapped[str | None] = mapped_column(String(100))
    room_secret: Mapped[str | None] = mapped_column(String(100))
    room_pin: Mapped[str | None] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column()

    # Optimistic concurrency: every UPDATE checks and bumps the version; a stale
    # writer fails with StaleDataError, which the actions turn into a 409.
    __mapper_args__ = {"version_id_col": version}

    device: Mapped[Device | None] = relationship(lazy="raise")
    requester: Mapped[CodeUser | None] = relationship(lazy="raise")
    responsible: Mapped[list[Employee]] = relationship(
        secondary="session_responsibles", lazy="raise", order_by="Employee.id"
    )
    recipients: Mapped[list[SessionRecipient]] = relationship(lazy="raise")
    tickets: Mapped[list[Ticket]] = relationship(
        secondary="session_tickets", lazy="raise", order_by="Ticket.id"
    )


class SessionResponsible(Base):
    __tablename__ = "session_responsibles"

    session_id: Mapped[int] = mapped_column(
        ForeignKey("video_sessions.id", ondelete="CASCADE"), primary_key=True
    )
    employee_id: Mapped[int] = mapped_column(
        ForeignKey("employees.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class SessionRecipient(Base):
    """An employee who received the request (told by the notifier, or who created it)."""

    __tablename__ = "session_recipients"

    session_id: Mapped[int] = mapped_column(
        ForeignKey("video_sessions.id", ondelete="CASCADE"), primary_key=True
    )
    employee_id: Mapped[int] = mapped_column(
        ForeignKey("employees.id", ondelete="CASCADE"), primary_key=True
    )
    received_at: Mapped[datetime] = mapped_column()


class SessionTicket(Base):
    __tablename__ = "session_tickets"

    session_id: Mapped[int] = mapped_column(
        ForeignKey("video_sessions.id", ondelete="CASCADE"), primary_key=True
    )
    ticket_id: Mapped[int] = mapped_column(
        ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class StatusChange(Base):
    __tablename__ = "status_history"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("video_sessions.id", ondelete="CASCADE"), index=True
    )
    from_status: Mapped[SessionStatus | None] = mapped_column(
        stored_enum(SessionStatus, "from_status")
    )
    to_status: Mapped[SessionStatus] = mapped_column(stored_enum(SessionStatus, "to_status"))
    trigger: Mapped[Trigger] = mapped_column(stored_enum(Trigger, "trigger"))
    actor_kind: Mapped[ActorKind] = mapped_column(stored_enum(ActorKind, "actor_kind"))
    actor_employee_id: Mapped[int | None] = mapped_column(
        ForeignKey("employees.id", ondelete="SET NULL")
    )
    actor_code_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("code_users.id", ondelete="SET NULL")
    )
    reason: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column()


class Participant(Base):
    """Someone admitted to a session: its code users (requester, invitees) and employees in calls."""

    __tablename__ = "participants"
    __table_args__ = (
        UniqueConstraint("session_id", "code_user_id"),
        UniqueConstraint("session_id", "employee_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("video_sessions.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[ParticipantKind] = mapped_column(stored_enum(ParticipantKind, "participant_kind"))
    code_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("code_users.id", ondelete="CASCADE"), index=True
    )
    employee_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id", ondelete="CASCADE"))
    joined_at: Mapped[datetime] = mapped_column()


class Invite(Base):
    """A tokenized link that makes its opener a code user of the session."""

    __tablename__ = "invites"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("video_sessions.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("employees.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column()
    expires_at: Mapped[datetime] = mapped_column()
    used_at: Mapped[datetime | None] = mapped_column()
    used_by_id: Mapped[int | None] = mapped_column(ForeignKey("code_users.id", ondelete="SET NULL"))


class Artifact(Base):
    __tablename__ = "artifacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("video_sessions.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[ArtifactKind] = mapped_column(stored_enum(ArtifactKind, "artifact_kind"))
    storage_key: Mapped[str] = mapped_column(String(500))
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(Integer, default=0)
    duration_ms: Mapped[int | None] = mapped_column(Integer)
    checksum: Mapped[str] = mapped_column(String(100), default="")
    state: Mapped[ArtifactState] = mapped_column(
        stored_enum(ArtifactState, "artifact_state"), default=ArtifactState.PENDING
    )
    created_at: Mapped[datetime] = mapped_column()
    upload_attempts: Mapped[int] = mapped_column(Integer, default=0)
    """Failed upload attempts of the current job (``recorder/uploads.py``)."""
    last_error: Mapped[str] = mapped_column(Text, default="")
    stored_at: Mapped[datetime | None] = mapped_column()


class Rating(Base):
    __tablename__ = "ratings"
    __table_args__ = (UniqueConstraint("session_id", "code_user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("video_sessions.id", ondelete="CASCADE"))
    code_user_id: Mapped[int] = mapped_column(ForeignKey("code_users.id", ondelete="CASCADE"))
    stars: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column()
