"""Actions that create video sessions and change their status.

Each ``do_*`` function runs inside the caller's transaction (``UnitOfWork``), checks
permissions, asks the pure state machine, writes the change with an optimistic
version check, records the status history and stages the events in the outbox. Edits
that keep the status are in `session_edits.py`; loading and events in
`session_access.py`.
"""

from __future__ import annotations

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from orchestrator.actions.actors import AnyActor, CodeUserActor, EmployeeActor, SystemActor
from orchestrator.actions.clock import now
from orchestrator.actions.session_access import (
    check_employees,
    check_version,
    load_device,
    load_session_for,
    load_ticket,
    stage_event,
)
from orchestrator.db.models import (
    CodeUser,
    Device,
    Employee,
    Organisation,
    Participant,
    SessionResponsible,
    SessionTicket,
    StatusChange,
    TeamMember,
    VideoSession,
)
from orchestrator.domain.errors import (
    InvalidInput,
    NotFound,
    PermissionDenied,
)
from orchestrator.domain.org_settings import OrganisationSettings
from orchestrator.domain.session_state import FINISHED, next_state
from orchestrator.domain.types import (
    ParticipantKind,
    RequestPolicy,
    RequestStep,
    SessionStatus,
    Trigger,
    Visibility,
)
from orchestrator.events.schemas import EventType

EVENT_FOR_TRIGGER: dict[Trigger, EventType] = {
    Trigger.REQUEST: "session.requested",
    Trigger.CREATE: "session.created",
    Trigger.CONFIRM: "session.confirmed",
}


# --- history ---------------------------------------------------------------------


def _record_history(
    db: AsyncSession,
    session: VideoSession,
    previous: SessionStatus | None,
    trigger: Trigger,
    actor: AnyActor,
    reason: str,
) -> None:
    db.add(
        StatusChange(
            session_id=session.id,
            from_status=previous,
            to_status=session.status,
            trigger=trigger,
            actor_kind=actor.kind,
            actor_employee_id=actor.employee_id if isinstance(actor, EmployeeActor) else None,
            actor_code_user_id=actor.code_user_id if isinstance(actor, CodeUserActor) else None,
            reason=reason,
            at=session.updated_at,
        )
    )


async def _transition(
    db: AsyncSession,
    actor: AnyActor,
    session: VideoSession,
    trigger: Trigger,
    *,
    expected_version: int | None = None,
    target: SessionStatus | None = None,
    reason: str = "",
) -> VideoSession:
    new_status = next_state(session.status, trigger, actor.kind, target)
    check_version(session, expected_version)
    previous = session.status
    session.status = new_status
    session.updated_at = now()
    if new_status in FINISHED:
        # Imported here: the call actions build on this module.
        from orchestrator.actions.call_records import finish_session_calls

        await finish_session_calls(db, session, actor)  # ends its call, retires its room
    await db.flush()  # the version check happens here (StaleDataError -> 409)
    _record_history(db, session, previous, trigger, actor, reason)
    event_type = EVENT_FOR_TRIGGER.get(trigger, "session.status_changed")
    await stage_event(db, event_type, session, actor, previous_status=previous, reason=reason)
    return session


# --- creation ----------------------------------------------------------------------


async def _next_session_number(db: AsyncSession, organisation_id: int) -> int:
    number = await db.scalar(
        update(Organisation)
        .where(Organisation.id == organisation_id)
        .values(next_session_number=Organisation.next_session_number + 1)
        .returning(Organisation.next_session_number - 1)
    )
    if number is None:
        raise NotFound("organisation not found")
    return int(number)


async def device_responsible_ids(db: AsyncSession, device: Device) -> list[int]:
    """Employees responsible for a device: named ones and members of its teams."""
    ids = {e.id for e in device.responsible_employees if e.active}
    team_ids = [t.id for t in device.responsible_teams]
    if team_ids:
        members = await db.scalars(
            select(TeamMember.employee_id)
            .join(Employee, Employee.id == TeamMember.employee_id)
            .where(TeamMember.team_id.in_(team_ids), Employee.active.is_(True))
        )
        ids.update(members)
    return sorted(ids)


async def _new_session(
    db: AsyncSession,
    *,
    organisation_id: int,
    status: SessionStatus,
    trigger: Trigger,
    actor: AnyActor,
    title: str,
    reason: str,
    contact: str,
    labels: list[str],
    device: Device | None,
    requester_id: int | None,
    created_by_id: int | None,
    visibility: Visibility,
    recording_consent: bool,
    responsible: list[int],
) -> VideoSession:
    at = now()
    number = await _next_session_number(db, organisation_id)
    title = title.strip() or (f"{device.name}" if device else f"Video session {number}")
    session = VideoSession(
        organisation_id=organisation_id,
        number=number,
        title=title,
        device_id=device.id if device else None,
        reason=reason,
        contact=contact,
        labels=labels,
        requester_id=requester_id,
        created_by_id=created_by_id,
        visibility=visibility,
        status=status,
        recording_consent=recording_consent,
        recording_consent_at=at if recording_consent else None,
        search_text=search_text(number, title, reason, contact, device.name if device else ""),
        created_at=at,
        updated_at=at,
    )
    db.add(session)
    await db.flush()
    if responsible:
        await db.execute(
            insert(SessionResponsible),
            [{"session_id": session.id, "employee_id": e} for e in responsible],
        )
    if requester_id is not None:
        db.add(
            Participant(
                session_id=session.id,
                kind=ParticipantKind.CODE_USER,
                code_user_id=requester_id,
                joined_at=at,
            )
        )
    _record_history(db, session, None, trigger, actor, "")
    await stage_event(db, EVENT_FOR_TRIGGER[trigger], session, actor)
    return session


def search_text(number: int, *parts: str) -> str:
    return " ".join([f"#{number}", *(p for p in parts if p)]).lower()


async def do_request_session(
    db: AsyncSession,
    actor: CodeUserActor,
    *,
    device_id: int,
    reason: str = "",
    contact: str = "",
    name: str = "",
    labels: list[str] | None = None,
    recording_consent: bool = False,
) -> VideoSession:
    """A code user asks for a video session from a device page."""
    next_state(None, Trigger.REQUEST, actor.kind)
    org = await db.get(Organisation, actor.organisation_id)
    if org is None:
        raise NotFound("organisation not found")
    settings = OrganisationSettings.model_validate(org.settings)
    if settings.who_may_request is RequestPolicy.NOBODY:
        hint = settings.request_contact_hint or "Please contact the device's operator."
        raise PermissionDenied(
            f"video sessions cannot be requested here. {hint}",
            data={"contact_hint": settings.request_contact_hint},
            code="requests_disabled",
        )
    device = await load_device(db, actor.organisation_id, device_id)
    labels = _validate_request(settings, reason, contact, labels or [], recording_consent)
    code_user = await db.get(CodeUser, actor.code_user_id)
    if code_user is not None:
        if name.strip():
            code_user.name = name.strip()
        if contact.strip():
            code_user.contact = contact.strip()
    return await _new_session(
        db,
        organisation_id=actor.organisation_id,
        status=SessionStatus.REQUESTED,
        trigger=Trigger.REQUEST,
        actor=actor,
        title=device.name,
        reason=reason.strip(),
        contact=contact.strip(),
        labels=labels,
        device=device,
        requester_id=actor.code_user_id,
        created_by_id=None,
        visibility=Visibility.PUBLIC,
        recording_consent=recording_consent,
        responsible=await device_responsible_ids(db, device),
    )


def _validate_request(
    settings: OrganisationSettings,
    reason: str,
    contact: str,
    labels: list[str],
    recording_consent: bool,
) -> list[str]:
    steps = set(settings.request_steps)
    if RequestStep.REASON in steps and not reason.strip():
        raise InvalidInput("please describe the reason for the video session", field="reason")
    if RequestStep.CONTACT in steps and not contact.strip():
        raise InvalidInput("please say how we can reach you", field="contact")
    if labels and RequestStep.LABELS not in steps:
        raise InvalidInput("this organisation does not use labels", field="labels")
    unknown = [label for label in labels if label not in settings.labels]
    if unknown:
        raise InvalidInput(f"unknown labels: {', '.join(unknown)}", field="labels")
    if recording_consent and not (settings.recording_allowed and RequestStep.CONSENT in steps):
        raise InvalidInput(
            "this organisation does not record video sessions", field="recording_consent"
        )
    return list(dict.fromkeys(labels))


async def do_create_session(
    db: AsyncSession,
    actor: EmployeeActor,
    *,
    title: str = "",
    reason: str = "",
    device_id: int | None = None,
    ticket_id: int | None = None,
    visibility: Visibility = Visibility.PUBLIC,
    responsible_ids: list[int] | None = None,
) -> VideoSession:
    """An employee creates a session (from scratch, a device or a ticket): CONFIRMED."""
    next_state(None, Trigger.CREATE, actor.kind)
    ticket = await load_ticket(db, actor.organisation_id, ticket_id) if ticket_id else None
    if device_id is None and ticket is not None:
        device_id = ticket.device_id
    device = await load_device(db, actor.organisation_id, device_id) if device_id else None
    responsible = {actor.employee_id}
    if responsible_ids:
        responsible.update(await check_employees(db, actor.organisation_id, responsible_ids))
    if not title.strip() and ticket is not None:
        title = ticket.title
    session = await _new_session(
        db,
        organisation_id=actor.organisation_id,
        status=SessionStatus.CONFIRMED,
        trigger=Trigger.CREATE,
        actor=actor,
        title=title,
        reason=reason.strip(),
        contact="",
        labels=[],
        device=device,
        requester_id=None,
        created_by_id=actor.employee_id,
        visibility=visibility,
        recording_consent=False,
        responsible=sorted(responsible),
    )
    if ticket is not None:
        db.add(SessionTicket(session_id=session.id, ticket_id=ticket.id))
    return session


# --- status changes ------------------------------------------------------------------


async def do_confirm(
    db: AsyncSession, actor: EmployeeActor, session_id: int, *, expected_version: int | None = None
) -> VideoSession:
    session = await load_session_for(db, actor, session_id)
    return await _transition(db, actor, session, Trigger.CONFIRM, expected_version=expected_version)


async def do_cancel(
    db: AsyncSession,
    actor: EmployeeActor,
    session_id: int,
    *,
    expected_version: int | None = None,
    reason: str = "",
) -> VideoSession:
    session = await load_session_for(db, actor, session_id)
    return await _transition(
        db, actor, session, Trigger.CANCEL, expected_version=expected_version, reason=reason
    )


async def do_withdraw(
    db: AsyncSession,
    actor: CodeUserActor,
    session_id: int,
    *,
    expected_version: int | None = None,
) -> VideoSession:
    session = await load_session_for(db, actor, session_id)
    if session.requester_id != actor.code_user_id:
        raise PermissionDenied("only the code user who requested a session may withdraw it")
    return await _transition(
        db, actor, session, Trigger.WITHDRAW, expected_version=expected_version
    )


async def do_set_status(
    db: AsyncSession,
    actor: EmployeeActor,
    session_id: int,
    status: SessionStatus,
    *,
    expected_version: int | None = None,
    reason: str = "",
) -> VideoSession:
    session = await load_session_for(db, actor, session_id)
    return await _transition(
        db,
        actor,
        session,
        Trigger.SET_STATUS,
        expected_version=expected_version,
        target=status,
        reason=reason,
    )


async def do_reopen(
    db: AsyncSession, actor: EmployeeActor, session_id: int, *, expected_version: int | None = None
) -> VideoSession:
    session = await load_session_for(db, actor, session_id)
    return await _transition(db, actor, session, Trigger.REOPEN, expected_version=expected_version)


async def do_call_started(
    db: AsyncSession,
    session_id: int,
    *,
    participants: list[str] | None = None,
    call_id: int | None = None,
) -> VideoSession:
    """Media flows between both sides: CONFIRMED -> RUNNING (from Janus events)."""
    actor = SystemActor()
    session = await load_session_for(db, actor, session_id)
    await _transition(db, actor, session, Trigger.CALL_STARTED)
    data: dict[str, object] = {"participants": list(participants or [])}
    if call_id is not None:
        data["call_id"] = call_id
    await stage_event(db, "call.started", session, actor, data=data)
    return session


async def do_call_ended(
    db: AsyncSession,
    session_id: int,
    *,
    duration_seconds: float,
    reason: str = "",
    call_id: int | None = None,
) -> VideoSession:
    """The call is over (hang-up, both left, media lost): RUNNING -> DONE."""
    actor = SystemActor()
    session = await load_session_for(db, actor, session_id)
    await _transition(db, actor, session, Trigger.CALL_ENDED, reason=reason)
    data: dict[str, object] = {"duration_seconds": round(duration_seconds, 3)}
    if call_id is not None:
        data |= {"call_id": call_id, "reason": reason}
    await stage_event(db, "call.ended", session, actor, data=data)
    return session
