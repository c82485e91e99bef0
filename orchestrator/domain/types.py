"""Value types shared by every layer: statuses, roles, visibilities, actors."""

from __future__ import annotations

from enum import StrEnum


class SessionStatus(StrEnum):
    REQUESTED = "REQUESTED"
    CONFIRMED = "CONFIRMED"
    RUNNING = "RUNNING"
    DONE = "DONE"
    CANCELLED = "CANCELLED"


class Trigger(StrEnum):
    """What asks for a status change."""

    REQUEST = "request"
    CREATE = "create"
    CONFIRM = "confirm"
    CALL_STARTED = "call_started"
    CALL_ENDED = "call_ended"
    REOPEN = "reopen"
    WITHDRAW = "withdraw"
    CANCEL = "cancel"
    SET_STATUS = "set_status"


class ActorKind(StrEnum):
    CODE_USER = "code_user"
    EMPLOYEE = "employee"
    SYSTEM = "system"


class Role(StrEnum):
    ADMINISTRATOR = "administrator"
    MODERATOR = "moderator"
    EMPLOYEE = "employee"


class Visibility(StrEnum):
    INTERNAL = "internal"
    PUBLIC = "public"


class Language(StrEnum):
    DE = "de"
    EN = "en"


class RequestPolicy(StrEnum):
    """Who may request a video session from a device page."""

    ANYONE = "anyone"
    NOBODY = "nobody"


class RequestStep(StrEnum):
    """The steps of the code user's request flow, in the order an organisation sets."""

    REASON = "reason"
    CONTACT = "contact"
    LABELS = "labels"
    CONSENT = "consent"


class ArtifactKind(StrEnum):
    RECORDING = "recording"
    SCREENSHOT = "screenshot"


class ArtifactState(StrEnum):
    PENDING = "pending"
    UPLOADING = "uploading"
    STORED = "stored"
    FAILED = "failed"


class NotificationChannel(StrEnum):
    IN_APP = "in_app"
    EMAIL = "email"
    WEB_PUSH = "web_push"


class NotificationState(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


class TicketStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class ParticipantKind(StrEnum):
    CODE_USER = "code_user"
    EMPLOYEE = "employee"
