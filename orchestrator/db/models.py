"""The ORM: every table of Fernblick, typed with SQLAlchemy 2.

Only action functions (``orchestrator.actions``) write these rows.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from orchestrator.domain.calls import CallEndReason, CallState
from orchestrator.domain.recording import RecordingState, RecordingStopReason
from orchestrator.domain.types import (
    ActorKind,
    ArtifactKind,
    ArtifactState,
    Language,
    NotificationChannel,
    NotificationState,
    ParticipantKind,
    Role,
    SessionStatus,
    TicketStatus,
    Trigger,
    Visibility,
)


def _enum(enum_type: type[Any], name: str) -> Enum:
    """Store enums as their values in a VARCHAR with a CHECK, portable across databases."""
    return Enum(
        enum_type,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda members: [m.value for m in members],
    )


def utcnow() -> datetime:
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC timestamps on every database (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime stored; use timezone-aware UTC")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UtcDateTime(), dict[str, Any]: JSON}


class Organisation(Base):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    next_session_number: Mapped[int] = mapped_column(Integer, default=1)
    next_ticket_number: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Team(Base):
    __tablename__ = "teams"
    __table_args__ = (UniqueConstraint("organisation_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    members: Mapped[list[Employee]] = relationship(
        secondary="team_members", back_populates="teams", lazy="selectin"
    )


class Employee(Base):
    __tablename__ = "employees"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320), unique=True)
    role: Mapped[Role] = mapped_column(_enum(Role, "employee_role"))
    password_hash: Mapped[str] = mapped_column(String(200))
    language: Mapped[Language] = mapped_column(_enum(Language, "language"), default=Language.DE)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Loaded explicitly where shown (selectinload): identifying an employee on every
    # request must stay one query.
    teams: Mapped[list[Team]] = relationship(
        secondary="team_members", back_populates="members", lazy="raise"
    )


class TeamMember(Base):
    __tablename__ = "team_members"

    team_id: Mapped[int] = mapped_column(
        ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True
    )
    employee_id: Mapped[int] = mapped_column(
        ForeignKey("employees.id", ondelete="CASCADE"), primary_key=True
    )


class LoginSession(Base):
    """A logged-in employee's browser; the cookie holds the token, the row its hash."""

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    employee_id: Mapped[int] = mapped_column(
        ForeignKey("employees.id", ondelete="CASCADE"), index=True
    )
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()


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


class CodeUser(Base):
    """An anonymous person who opened a device page; known only by a bearer token."""

    __tablename__ = "code_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id", ondelete="SET NULL"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    contact: Mapped[str] = mapped_column(String(320), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Ticket(Base):
    __tablename__ = "tickets"
    __table_args__ = (UniqueConstraint("organisation_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[TicketStatus] = mapped_column(
        _enum(TicketStatus, "ticket_status"), default=TicketStatus.OPEN
    )
    device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("employees.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


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
    visibility: Mapped[Visibility] = mapped_column(_enum(Visibility, "visibility"))
    status: Mapped[SessionStatus] = mapped_column(_enum(SessionStatus, "session_status"))
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
    from_status: Mapped[SessionStatus | None] = mapped_column(_enum(SessionStatus, "from_status"))
    to_status: Mapped[SessionStatus] = mapped_column(_enum(SessionStatus, "to_status"))
    trigger: Mapped[Trigger] = mapped_column(_enum(Trigger, "trigger"))
    actor_kind: Mapped[ActorKind] = mapped_column(_enum(ActorKind, "actor_kind"))
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
    kind: Mapped[ParticipantKind] = mapped_column(_enum(ParticipantKind, "participant_kind"))
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
    kind: Mapped[ArtifactKind] = mapped_column(_enum(ArtifactKind, "artifact_kind"))
    storage_key: Mapped[str] = mapped_column(String(500))
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(Integer, default=0)
    duration_ms: Mapped[int | None] = mapped_column(Integer)
    checksum: Mapped[str] = mapped_column(String(100), default="")
    state: Mapped[ArtifactState] = mapped_column(
        _enum(ArtifactState, "artifact_state"), default=ArtifactState.PENDING
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
        _enum(NotificationChannel, "notification_channel")
    )
    state: Mapped[NotificationState] = mapped_column(
        _enum(NotificationState, "notification_state"), default=NotificationState.PENDING
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


class Call(Base):
    """One ring-and-talk attempt of a session (``docs/calls.md``); at most one open per session."""

    __tablename__ = "calls"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("video_sessions.id", ondelete="CASCADE"), index=True
    )
    # Equal to session_id while the call is not ended, NULL afterwards: the unique
    # constraint allows one open call per session on every database.
    open_session_id: Mapped[int | None] = mapped_column(Integer, unique=True)
    janus_node: Mapped[str] = mapped_column(String(100))
    room_id: Mapped[str] = mapped_column(String(100), index=True)
    state: Mapped[CallState] = mapped_column(_enum(CallState, "call_state"))
    started_by: Mapped[ParticipantKind] = mapped_column(_enum(ParticipantKind, "call_side"))
    caller_employee_id: Mapped[int | None] = mapped_column(
        ForeignKey("employees.id", ondelete="SET NULL")
    )
    caller_code_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("code_users.id", ondelete="SET NULL")
    )
    caller_name: Mapped[str] = mapped_column(String(200), default="")
    ring_timeout_seconds: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column()
    answered_at: Mapped[datetime | None] = mapped_column()
    media_started_at: Mapped[datetime | None] = mapped_column()
    media_lost_at: Mapped[datetime | None] = mapped_column()
    ended_at: Mapped[datetime | None] = mapped_column()
    end_reason: Mapped[CallEndReason | None] = mapped_column(
        _enum(CallEndReason, "call_end_reason")
    )
    version: Mapped[int] = mapped_column(Integer)

    # Several orchestrators (API, Janus events, sweepers) may change a call at once.
    __mapper_args__ = {"version_id_col": version}


class CallLeg(Base):
    """One publisher handle of one participant in a call, as Janus events report it."""

    __tablename__ = "call_legs"
    __table_args__ = (
        UniqueConstraint("call_id", "handle_id"),
        Index("ix_call_legs_node_handle", "janus_node", "handle_id"),
        Index("ix_call_legs_node_session", "janus_node", "janus_session_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    janus_node: Mapped[str] = mapped_column(String(100))
    janus_session_id: Mapped[int] = mapped_column(BigInteger)
    handle_id: Mapped[int] = mapped_column(BigInteger)
    side: Mapped[ParticipantKind] = mapped_column(_enum(ParticipantKind, "call_leg_side"))
    participant_key: Mapped[str] = mapped_column(String(100))
    receiving_mids: Mapped[list[str]] = mapped_column(JSON, default=list)
    joined_at: Mapped[datetime] = mapped_column()
    left_at: Mapped[datetime | None] = mapped_column()


class RetiredRoom(Base):
    """A finished session's Janus room, waiting to be destroyed (outside any transaction)."""

    __tablename__ = "retired_rooms"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("video_sessions.id", ondelete="SET NULL")
    )
    janus_node: Mapped[str] = mapped_column(String(100))
    room_id: Mapped[str] = mapped_column(String(100))
    room_secret: Mapped[str] = mapped_column(String(100))
    room_pin: Mapped[str] = mapped_column(String(100))
    retired_at: Mapped[datetime] = mapped_column()
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")


class Recording(Base):
    """One recording of a call, from the employee's start to its stop (``recorder/``)."""

    __tablename__ = "recordings"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("video_sessions.id", ondelete="CASCADE"), index=True
    )
    # Equal to session_id while recording, NULL afterwards: one running recording per
    # session on every database (the trick of ``Call.open_session_id``).
    open_session_id: Mapped[int | None] = mapped_column(Integer, unique=True)
    call_id: Mapped[int | None] = mapped_column(ForeignKey("calls.id", ondelete="SET NULL"))
    state: Mapped[RecordingState] = mapped_column(_enum(RecordingState, "recording_state"))
    started_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("employees.id", ondelete="SET NULL")
    )
    started_at: Mapped[datetime] = mapped_column()
    stopped_at: Mapped[datetime | None] = mapped_column()
    stop_reason: Mapped[RecordingStopReason | None] = mapped_column(
        _enum(RecordingStopReason, "recording_stop_reason")
    )
    artifact_id: Mapped[int | None] = mapped_column(ForeignKey("artifacts.id", ondelete="SET NULL"))


class JanusNodeState(Base):
    """An operator's choice about one Janus node, shared by every orchestrator.

    Only draining for now: a draining node gets no new rooms, its calls go on.
    Nodes themselves are configured (``FERNBLICK_JANUS_NODES``), not stored.
    """

    __tablename__ = "janus_node_states"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    draining: Mapped[bool] = mapped_column(Boolean, default=False)
    reason: Mapped[str] = mapped_column(Text, default="")
    changed_at: Mapped[datetime] = mapped_column()


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


class Screenshot(Base):
    """A still of the code user's camera taken in a call, annotated by both sides
    (``orchestrator/actions/screenshots.py``); stored as artifacts after the call."""

    __tablename__ = "screenshots"
    __table_args__ = (UniqueConstraint("session_id", "public_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("video_sessions.id", ondelete="CASCADE"), index=True
    )
    call_id: Mapped[int | None] = mapped_column(ForeignKey("calls.id", ondelete="SET NULL"))
    public_id: Mapped[str] = mapped_column(String(40))
    """The id the browsers know it by (made by the employee's browser)."""
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    content_type: Mapped[str] = mapped_column(String(50))
    taken_by: Mapped[str] = mapped_column(String(100))
    taken_at: Mapped[datetime] = mapped_column()
    finalized_at: Mapped[datetime | None] = mapped_column()
    """Set once, by whichever orchestrator stores it after the call."""
    original_artifact_id: Mapped[int | None] = mapped_column(
        ForeignKey("artifacts.id", ondelete="SET NULL")
    )
    annotated_artifact_id: Mapped[int | None] = mapped_column(
        ForeignKey("artifacts.id", ondelete="SET NULL")
    )


class ScreenshotElement(Base):
    """The winning version of one annotation element (``realtime/board_merge.py``)."""

    __tablename__ = "screenshot_elements"
    __table_args__ = (UniqueConstraint("screenshot_id", "element_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    screenshot_id: Mapped[int] = mapped_column(
        ForeignKey("screenshots.id", ondelete="CASCADE"), index=True
    )
    element_id: Mapped[str] = mapped_column(String(40))
    version: Mapped[int] = mapped_column(Integer)
    nonce: Mapped[int] = mapped_column(BigInteger)
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
