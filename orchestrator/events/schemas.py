"""Typed domain events: the one contract between the orchestrator, workers and browsers.

Mirrored in TypeScript in ``web/src/lib/events.ts``; a test keeps the two in step.
Every event has an ``id`` (consumers are idempotent by it), a ``type`` (the AMQP
routing key), ``occurred_at`` and a payload.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from orchestrator.domain.types import ActorKind, SessionStatus, Visibility

EventType = Literal[
    "session.requested",
    "session.created",
    "session.confirmed",
    "session.status_changed",
    "session.updated",
    "call.ringing",
    "call.accepted",
    "call.declined",
    "call.missed",
    "call.started",
    "call.ended",
    "recording.start",
    "recording.stop",
    "recording.forward",
    "recording.forwarded",
    "artifact.upload",
    "artifact.stored",
    "notification.delivered",
    "marker.placed",
    "marker.removed",
    "tracking.forward",
    "tracking.forwarded",
    "tracking.unforward",
    "tracking.renew",
]

EVENT_TYPES: tuple[str, ...] = EventType.__args__  # type: ignore[attr-defined]


class Actor(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: ActorKind
    id: int | None = None


class SessionRef(BaseModel):
    """What every consumer needs to route a session event (audience, notification)."""

    model_config = ConfigDict(extra="forbid")

    id: int
    organisation_id: int
    number: int
    title: str
    status: SessionStatus
    visibility: Visibility
    device_id: int | None
    requester_id: int | None
    responsible_ids: list[int]
    code_user_ids: list[int] = Field(
        default_factory=list, description="Code users of the session (requester, invitees)."
    )
    version: int


class SessionPayload(BaseModel):
    model_config = ConfigDict(extra="forbid")

    session: SessionRef
    previous_status: SessionStatus | None = None
    actor: Actor
    reason: str = ""
    changes: list[str] = Field(default_factory=list)
    data: dict[str, Any] = Field(
        default_factory=dict, description="Event-specific details (call duration, artifact ids)."
    )


class Event(BaseModel):
    """The envelope of every event on the bus."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(default_factory=lambda: str(uuid.uuid4()))
    type: EventType
    occurred_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    payload: SessionPayload


def organisation_of(event: Event) -> int:
    return event.payload.session.organisation_id
