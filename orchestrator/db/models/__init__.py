"""The ORM: every table of Fernblick, typed with SQLAlchemy 2, one module per area.

Only action functions (``orchestrator.actions``) write these rows. Import the tables
from here: importing this package registers every table with ``Base.metadata`` and lets
relationships between the modules resolve.
"""

from orchestrator.db.models.base import Base, UtcDateTime, stored_enum, utcnow
from orchestrator.db.models.calls import (
    Call,
    CallLeg,
    CallMarker,
    JanusNodeState,
    Recording,
    RetiredRoom,
)
from orchestrator.db.models.devices import (
    Device,
    DeviceResponsibleEmployee,
    DeviceResponsibleTeam,
    Ticket,
)
from orchestrator.db.models.events import (
    AuditEntry,
    ConsumedEvent,
    OutboxEvent,
)
from orchestrator.db.models.notifications import (
    Notification,
    NotificationPreference,
    PushSubscription,
)
from orchestrator.db.models.people import (
    CodeUser,
    Employee,
    LoginSession,
    Organisation,
    Team,
    TeamMember,
)
from orchestrator.db.models.screenshots import (
    Screenshot,
    ScreenshotElement,
)
from orchestrator.db.models.sessions import (
    Artifact,
    Invite,
    Participant,
    Rating,
    SessionRecipient,
    SessionResponsible,
    SessionTicket,
    StatusChange,
    VideoSession,
)

__all__ = [
    "Artifact",
    "AuditEntry",
    "Base",
    "Call",
    "CallLeg",
    "CallMarker",
    "CodeUser",
    "ConsumedEvent",
    "Device",
    "DeviceResponsibleEmployee",
    "DeviceResponsibleTeam",
    "Employee",
    "Invite",
    "JanusNodeState",
    "LoginSession",
    "Notification",
    "NotificationPreference",
    "Organisation",
    "OutboxEvent",
    "Participant",
    "PushSubscription",
    "Rating",
    "Recording",
    "RetiredRoom",
    "Screenshot",
    "ScreenshotElement",
    "SessionRecipient",
    "SessionResponsible",
    "SessionTicket",
    "StatusChange",
    "Team",
    "TeamMember",
    "Ticket",
    "UtcDateTime",
    "VideoSession",
    "stored_enum",
    "utcnow",
]
