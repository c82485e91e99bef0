"""Calls and their legs, Janus rooms and nodes, and recordings."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from orchestrator.db.models.base import Base, stored_enum
from orchestrator.domain.calls import CallEndReason, CallState
from orchestrator.domain.recording import RecordingState, RecordingStopReason
from orchestrator.domain.types import (
    ParticipantKind,
)


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
    state: Mapped[CallState] = mapped_column(stored_enum(CallState, "call_state"))
    started_by: Mapped[ParticipantKind] = mapped_column(stored_enum(ParticipantKind, "call_side"))
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
        stored_enum(CallEndReason, "call_end_reason")
    )
    version: Mapped[int] = mapped_column(Integer)

    # Several orchestrators (API, Janus events, sweepers) may change a call at once.
    __mapper_args__ = {"version_id_col": version}


class CallMarker(Base):
    """A tracking marker placed in a call, until either side removes it or the call ends.

    Kept so that the API can refuse a marker beyond the tracker's limit
    (``MAX_MARKERS``) instead of the worker dropping it silently; the positions live
    only on the session's channel. A live marker holds one of the call's slots
    1..MAX_MARKERS, unique among its live markers, so that the database itself refuses
    a marker too many when two placements race.
    """

    __tablename__ = "call_markers"
    __table_args__ = (
        Index(
            "uq_call_markers_live_slot",
            "call_id",
            "slot",
            unique=True,
            sqlite_where=text("removed_at IS NULL"),
            postgresql_where=text("removed_at IS NULL"),
        ),
    )

    marker_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"))
    slot: Mapped[int] = mapped_column()
    placed_at: Mapped[datetime] = mapped_column()
    removed_at: Mapped[datetime | None] = mapped_column()


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
    side: Mapped[ParticipantKind] = mapped_column(stored_enum(ParticipantKind, "call_leg_side"))
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
    state: Mapped[RecordingState] = mapped_column(stored_enum(RecordingState, "recording_state"))
    started_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("employees.id", ondelete="SET NULL")
    )
    started_at: Mapped[datetime] = mapped_column()
    stopped_at: Mapped[datetime | None] = mapped_column()
    stop_reason: Mapped[RecordingStopReason | None] = mapped_column(
        stored_enum(RecordingStopReason, "recording_stop_reason")
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
