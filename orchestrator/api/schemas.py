"""Request and response bodies of the REST API (pydantic; unknown fields rejected)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from orchestrator.domain.assistant import AssistantButton
from orchestrator.domain.calls import CallEndReason, CallSide, CallState
from orchestrator.domain.org_settings import OrganisationSettings
from orchestrator.domain.types import (
    ActorKind,
    ArtifactKind,
    ArtifactState,
    Language,
    NotificationChannel,
    NotificationState,
    RequestStep,
    Role,
    SessionStatus,
    TicketStatus,
    Trigger,
    Visibility,
)
from orchestrator.janus.rooms import JoinTicket

Id = Annotated[int, Field(ge=1, le=2**31 - 1)]
ShortText = Annotated[str, StringConstraints(max_length=300)]
LongText = Annotated[str, StringConstraints(max_length=5000)]


class In(BaseModel):
    """Base of request bodies and queries: unknown fields are an error."""

    model_config = ConfigDict(extra="forbid")


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


# --- auth -------------------------------------------------------------------------------


class LoginIn(In):
    email: Annotated[str, StringConstraints(min_length=1, max_length=320)]
    password: Annotated[str, StringConstraints(min_length=1, max_length=500)]


class EmployeeOut(Out):
    id: int
    name: str
    email: str
    role: Role
    language: Language
    active: bool
    team_ids: list[int] = Field(default_factory=list)


class MeOut(Out):
    employee: EmployeeOut
    organisation_id: int
    organisation_name: str
    csrf_token: str


# --- sessions ---------------------------------------------------------------------------


class Ref(Out):
    id: int
    name: str


class TicketRef(Out):
    id: int
    number: int
    title: str


class SessionSummary(Out):
    id: int
    number: int
    title: str
    status: SessionStatus
    visibility: Visibility
    device: Ref | None
    reason: str
    requester_name: str
    responsible: list[Ref]
    created_at: datetime
    updated_at: datetime
    version: int


class SessionPage(Out):
    items: list[SessionSummary]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null at the end."
    )


class StatusChangeOut(Out):
    from_status: SessionStatus | None
    to_status: SessionStatus
    trigger: Trigger
    actor_kind: ActorKind
    actor_name: str
    reason: str
    at: datetime


class RecipientOut(Out):
    employee: Ref
    received_at: datetime


class NotificationOut(Out):
    """One delivery of the notifier: who was told what, how, and how it went."""

    employee: Ref
    kind: str
    channel: NotificationChannel
    state: NotificationState
    attempts: int
    last_error: str
    created_at: datetime
    delivered_at: datetime | None


class RequesterOut(Out):
    id: int
    name: str
    contact: str


class ArtifactOut(Out):
    id: int
    kind: ArtifactKind
    content_type: str
    size_bytes: int
    duration_ms: int | None
    state: ArtifactState
    upload_attempts: int = Field(default=0, description="Failed upload attempts so far.")
    created_at: datetime


class RecordingOut(Out):
    """The call's running recording: the red dot on both screens while it exists."""

    id: int
    started_at: datetime
    started_by_id: int | None


class RatingOut(Out):
    stars: int
    comment: str
    created_at: datetime


class SessionDetails(SessionSummary):
    contact: str
    labels: list[str]
    requester: RequesterOut | None
    created_by: Ref | None
    recipients: list[RecipientOut]
    notifications: list[NotificationOut]
    tickets: list[TicketRef]
    history: list[StatusChangeOut]
    recording_consent: bool
    recording_consent_at: datetime | None
    recording_allowed: bool = Field(
        default=False, description="Whether the organisation records sessions at all."
    )
    artifacts: list[ArtifactOut]
    recording: RecordingOut | None = None
    rating: RatingOut | None
    allowed_actions: list[Trigger]
    manual_targets: list[SessionStatus]


SortKey = Literal["created_at", "-created_at", "updated_at", "-updated_at", "number", "-number"]


class SessionListQuery(In):
    status: list[SessionStatus] = Field(default_factory=list)
    device_id: Id | None = None
    responsible_id: Id | None = None
    mine: bool = False
    q: Annotated[str, StringConstraints(max_length=200)] = ""
    sort: SortKey = "-created_at"
    limit: Annotated[int, Field(ge=1, le=200)] = 50
    cursor: Annotated[str, StringConstraints(max_length=500)] | None = None


class CreateSessionIn(In):
    title: ShortText = ""
    reason: LongText = ""
    device_id: Id | None = None
    ticket_id: Id | None = None
    visibility: Visibility = Visibility.PUBLIC
    responsible_ids: Annotated[list[Id], Field(max_length=100)] = Field(default_factory=list)


class ReasonIn(In):
    reason: LongText = ""


class SetStatusIn(In):
    status: SessionStatus
    reason: LongText = ""


class VisibilityIn(In):
    visibility: Visibility


class EmployeeIdIn(In):
    employee_id: Id


class TicketIdIn(In):
    ticket_id: Id


class InviteOut(Out):
    url: str
    token: str
    expires_at: datetime
    qr_data_url: str = Field(
        description="The link as a QR code (an SVG data: URL), to show on screen for a phone."
    )


# --- code users ---------------------------------------------------------------------------


class OpenDeviceIn(In):
    code: Annotated[str, StringConstraints(min_length=1, max_length=64)]


class PublicDevice(Out):
    id: int
    name: str
    location: str
    picture_url: str
    assistant: list[AssistantButton]


class RequestFlow(Out):
    may_request: bool
    steps: list[RequestStep]
    labels: list[str]
    recording_allowed: bool
    contact_hint: str


class OpenedDeviceOut(Out):
    device: PublicDevice
    organisation_name: str
    code_user_id: int
    token: str | None = Field(
        description="A new code-user token when the one sent was missing or unknown; keep it."
    )
    request_flow: RequestFlow


class RequestSessionIn(In):
    device_id: Id
    reason: LongText = ""
    contact: ShortText = ""
    name: Annotated[str, StringConstraints(max_length=200)] = ""
    labels: Annotated[
        list[Annotated[str, StringConstraints(max_length=60)]], Field(max_length=50)
    ] = Field(default_factory=list)
    recording_consent: bool = False


class CodeUserSession(Out):
    id: int
    number: int
    title: str
    status: SessionStatus
    device: Ref | None
    reason: str
    recording_consent: bool
    created_at: datetime
    updated_at: datetime
    version: int
    rating: RatingOut | None
    artifacts: list[ArtifactOut]
    recording: RecordingOut | None = None
    recording_allowed: bool = Field(
        default=False,
        description="Whether the organisation records sessions: the call screen then asks "
        "for consent while ``recording_consent`` is false.",
    )


class RateIn(In):
    stars: Annotated[int, Field(ge=1, le=5)]
    comment: LongText = ""


class AcceptInviteIn(In):
    token: Annotated[str, StringConstraints(min_length=1, max_length=200)]


class AcceptedInviteOut(Out):
    session: CodeUserSession
    code_user_id: int
    token: str | None
    organisation_name: str
    device_code: str | None = Field(
        description="The device page to continue on (/d/<code>); null for sessions without a device."
    )


# --- devices, tickets, organisation -----------------------------------------------------------


class DeviceOut(Out):
    id: int
    name: str
    code: str
    location: str
    picture_url: str
    assistant: list[AssistantButton]
    responsible_employee_ids: list[int]
    responsible_team_ids: list[int]
    page_url: str
    created_at: datetime


class DeviceIn(In):
    name: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    location: ShortText = ""
    picture_url: Annotated[
        str, StringConstraints(max_length=1000, pattern=r"^(https?://\S+|/\S*)?$")
    ] = ""
    assistant: Annotated[list[AssistantButton], Field(max_length=20)] | None = None
    responsible_employee_ids: Annotated[list[Id], Field(max_length=100)] = Field(
        default_factory=list
    )
    responsible_team_ids: Annotated[list[Id], Field(max_length=100)] = Field(default_factory=list)


class DevicePatch(In):
    name: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None
    location: ShortText | None = None
    picture_url: (
        Annotated[str, StringConstraints(max_length=1000, pattern=r"^(https?://\S+|/\S*)?$")] | None
    ) = None
    assistant: Annotated[list[AssistantButton], Field(max_length=20)] | None = None
    responsible_employee_ids: Annotated[list[Id], Field(max_length=100)] | None = None
    responsible_team_ids: Annotated[list[Id], Field(max_length=100)] | None = None


class TicketOut(Out):
    id: int
    number: int
    title: str
    description: str
    status: TicketStatus
    device_id: int | None
    created_at: datetime


class TicketIn(In):
    title: Annotated[str, StringConstraints(min_length=1, max_length=300)]
    description: LongText = ""
    device_id: Id | None = None


class TicketPatch(In):
    title: Annotated[str, StringConstraints(min_length=1, max_length=300)] | None = None
    description: LongText | None = None
    status: TicketStatus | None = None
    device_id: Id | None = None


class OrganisationOut(Out):
    id: int
    name: str
    settings: OrganisationSettings


class OrganisationPatch(In):
    name: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None
    settings: OrganisationSettings | None = None


class EmployeeIn(In):
    name: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    email: Annotated[str, StringConstraints(min_length=3, max_length=320)]
    password: Annotated[str, StringConstraints(min_length=8, max_length=500)]
    role: Role = Role.EMPLOYEE
    language: Language = Language.DE


class EmployeePatch(In):
    name: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None
    role: Role | None = None
    language: Language | None = None
    active: bool | None = None
    password: Annotated[str, StringConstraints(min_length=8, max_length=500)] | None = None


class TeamOut(Out):
    id: int
    name: str
    member_ids: list[int]


class TeamIn(In):
    name: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    member_ids: Annotated[list[Id], Field(max_length=500)] = Field(default_factory=list)


class TeamPatch(In):
    name: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None
    member_ids: Annotated[list[Id], Field(max_length=500)] | None = None


class ListQuery(In):
    limit: Annotated[int, Field(ge=1, le=500)] = 100
    offset: Annotated[int, Field(ge=0, le=1_000_000)] = 0


# --- calls ------------------------------------------------------------------------------


class CallOut(Out):
    """One ring-and-talk attempt of a session (``docs/calls.md``)."""

    id: int
    session_id: int
    state: CallState
    started_by: CallSide
    caller_name: str
    started_at: datetime
    answered_at: datetime | None
    ended_at: datetime | None
    end_reason: CallEndReason | None
    ring_timeout_seconds: int


class CallStateOut(Out):
    call: CallOut


class CallTicketOut(Out):
    call: CallOut
    ticket: JoinTicket | None = Field(
        description="How to join the call's Janus room; null while you may not join yet "
        "(the call rings for you: accept it first)."
    )
