"""Actions on video sessions: every status change and edit goes through here.

Each ``do_*`` function runs inside the caller's transaction (``UnitOfWork``), checks
permissions, asks the pure state machine, writes the change with an optimistic
version check, records the status history and stages the events in the outbox.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import delete, exists, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from orchestrator.actions.actors import AnyActor, CodeUserActor, EmployeeActor, SystemActor
from orchestrator.db.models import (
    CodeUser,
    Device,
    Employee,
    Organisation,
    Participant,
    Rating,
    SessionRecipient,
    SessionResponsible,
    SessionTicket,
    StatusChange,
    TeamMember,
    Ticket,
    VideoSession,
)
from orchestrator.domain.errors import (
    Conflict,
    InvalidInput,
    NotFound,
    PermissionDenied,
    VersionConflict,
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
from orchestrator.events.outbox import add_event
from orchestrator.events.schemas import Event, EventType, SessionPayload, SessionRef

EVENT_FOR_TRIGGER: dict[Trigger, EventType] = {
    Trigger.REQUEST: "session.requested",
    Trigger.CREATE: "session.created",
    Trigger.CONFIRM: "session.confirmed",
}


def now() -> datetime:
    return datetime.now(UTC)


# --- loading and access ------------------------------------------------------------


async def load_session_for(db: AsyncSession, actor: AnyActor, session_id: int) -> VideoSession:
    """The session if ``actor`` may see it; otherwise NotFound (no existence leak)."""
    session = await db.get(VideoSession, session_id, populate_existing=True)
    if session is None or not await can_see(db, actor, session):
        raise NotFound(f"video session {session_id} not found", data={"session_id": session_id})
    return session


async def can_see(db: AsyncSession, actor: AnyActor, session: VideoSession) -> bool:
    if isinstance(actor, SystemActor):
        return True
    if actor.organisation_id != session.organisation_id:
        return False
    if isinstance(actor, EmployeeActor):
        return True
    if session.visibility is not Visibility.PUBLIC:
        return False
    return await is_code_user_of(db, actor.code_user_id, session)


async def is_code_user_of(db: AsyncSession, code_user_id: int, session: VideoSession) -> bool:
    if session.requester_id == code_user_id:
        return True
    found = await db.scalar(
        select(
            exists().where(
                Participant.session_id == session.id, Participant.code_user_id == code_user_id
            )
        )
    )
    return bool(found)


async def responsible_ids(db: AsyncSession, session_id: int) -> list[int]:
    rows = await db.scalars(
        select(SessionResponsible.employee_id)
        .where(SessionResponsible.session_id == session_id)
        .order_by(SessionResponsible.employee_id)
    )
    return list(rows)


async def code_user_ids(db: AsyncSession, session: VideoSession) -> list[int]:
    """The requester and every code user admitted through an invite."""
    rows = await db.scalars(
        select(Participant.code_user_id).where(
            Participant.session_id == session.id, Participant.code_user_id.is_not(None)
        )
    )
    ids = {i for i in rows if i is not None}
    if session.requester_id is not None:
        ids.add(session.requester_id)
    return sorted(ids)


def _check_version(session: VideoSession, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != session.version:
        raise VersionConflict(
            "the session was changed by someone else; reload it",
            data={"expected_version": expected_version, "current_version": session.version},
        )


# --- events and history ------------------------------------------------------------


async def session_ref(db: AsyncSession, session: VideoSession) -> SessionRef:
    return SessionRef(
        id=session.id,
        organisation_id=session.organisation_id,
        number=session.number,
        title=session.title,
        status=session.status,
        visibility=session.visibility,
        device_id=session.device_id,
        requester_id=session.requester_id,
        responsible_ids=await responsible_ids(db, session.id),
        code_user_ids=await code_user_ids(db, session),
        version=session.version,
    )


async def stage_event(
    db: AsyncSession,
    event_type: EventType,
    session: VideoSession,
    actor: AnyActor,
    *,
    previous_status: SessionStatus | None = None,
    reason: str = "",
    changes: list[str] | None = None,
    data: dict[str, object] | None = None,
) -> Event:
    await db.flush()
    event = Event(
        type=event_type,
        payload=SessionPayload(
            session=await session_ref(db, session),
            previous_status=previous_status,
            actor=actor.as_event_actor(),
            reason=reason,
            changes=changes or [],
            data=dict(data or {}),
        ),
    )
    add_event(db, event)
    return event


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
    _check_version(session, expected_version)
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


async def _load_device(db: AsyncSession, organisation_id: int, device_id: int) -> Device:
    device = await db.get(Device, device_id)
    if device is None or device.organisation_id != organisation_id:
        raise NotFound(f"device {device_id} not found", field="device_id")
    return device


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
    device = await _load_device(db, actor.organisation_id, device_id)
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
    ticket = await _load_ticket(db, actor.organisation_id, ticket_id) if ticket_id else None
    if device_id is None and ticket is not None:
        device_id = ticket.device_id
    device = await _load_device(db, actor.organisation_id, device_id) if device_id else None
    responsible = {actor.employee_id}
    if responsible_ids:
        responsible.update(await _check_employees(db, actor.organisation_id, responsible_ids))
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


async def _check_employees(db: AsyncSession, organisation_id: int, ids: list[int]) -> set[int]:
    wanted = set(ids)
    found = set(
        await db.scalars(
            select(Employee.id).where(
                Employee.id.in_(wanted),
                Employee.organisation_id == organisation_id,
                Employee.active.is_(True),
            )
        )
    )
    missing = wanted - found
    if missing:
        raise InvalidInput(
            f"unknown employees: {', '.join(map(str, sorted(missing)))}",
            field="employee_ids",
        )
    return found


async def _load_ticket(db: AsyncSession, organisation_id: int, ticket_id: int) -> Ticket:
    ticket = await db.get(Ticket, ticket_id)
    if ticket is None or ticket.organisation_id != organisation_id:
        raise NotFound(f"ticket {ticket_id} not found", field="ticket_id")
    return ticket


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


# --- edits that keep the status ------------------------------------------------------


async def _touch(
    db: AsyncSession,
    actor: AnyActor,
    session: VideoSession,
    expected_version: int | None,
    change: str,
) -> VideoSession:
    _check_version(session, expected_version)
    session.updated_at = now()
    await db.flush()
    await stage_event(db, "session.updated", session, actor, changes=[change])
    return session


async def do_set_visibility(
    db: AsyncSession,
    actor: EmployeeActor,
    session_id: int,
    visibility: Visibility,
    *,
    expected_version: int | None = None,
) -> VideoSession:
    session = await load_session_for(db, actor, session_id)
    if session.visibility is visibility:
        return session
    session.visibility = visibility
    return await _touch(db, actor, session, expected_version, "visibility")


async def _may_change_responsible(
    db: AsyncSession, actor: EmployeeActor, session: VideoSession, employee_id: int
) -> None:
    if actor.is_moderator_or_admin:
        return
    if actor.employee_id in await responsible_ids(db, session.id):
        return
    raise PermissionDenied(
        "only responsible employees, moderators and administrators may change who is responsible"
    )


async def do_add_responsible(
    db: AsyncSession,
    actor: EmployeeActor,
    session_id: int,
    employee_id: int,
    *,
    expected_version: int | None = None,
) -> VideoSession:
    session = await load_session_for(db, actor, session_id)
    await _may_change_responsible(db, actor, session, employee_id)
    await _check_employees(db, actor.organisation_id, [employee_id])
    if employee_id in await responsible_ids(db, session.id):
        return session
    db.add(SessionResponsible(session_id=session.id, employee_id=employee_id))
    return await _touch(db, actor, session, expected_version, "responsible")


async def do_remove_responsible(
    db: AsyncSession,
    actor: EmployeeActor,
    session_id: int,
    employee_id: int,
    *,
    expected_version: int | None = None,
) -> VideoSession:
    session = await load_session_for(db, actor, session_id)
    await _may_change_responsible(db, actor, session, employee_id)
    current = await responsible_ids(db, session.id)
    if employee_id not in current:
        raise NotFound(f"employee {employee_id} is not responsible", field="employee_id")
    await db.execute(
        delete(SessionResponsible).where(
            SessionResponsible.session_id == session.id,
            SessionResponsible.employee_id == employee_id,
        )
    )
    return await _touch(db, actor, session, expected_version, "responsible")


async def do_link_ticket(
    db: AsyncSession, actor: EmployeeActor, session_id: int, ticket_id: int
) -> VideoSession:
    session = await load_session_for(db, actor, session_id)
    ticket = await _load_ticket(db, actor.organisation_id, ticket_id)
    linked = await db.scalar(
        select(
            exists().where(
                SessionTicket.session_id == session.id, SessionTicket.ticket_id == ticket.id
            )
        )
    )
    if linked:
        return session
    db.add(SessionTicket(session_id=session.id, ticket_id=ticket.id))
    return await _touch(db, actor, session, None, "tickets")


async def do_unlink_ticket(
    db: AsyncSession, actor: EmployeeActor, session_id: int, ticket_id: int
) -> VideoSession:
    session = await load_session_for(db, actor, session_id)
    result = await db.execute(
        delete(SessionTicket).where(
            SessionTicket.session_id == session.id, SessionTicket.ticket_id == ticket_id
        )
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        raise NotFound(f"ticket {ticket_id} is not linked to this session", field="ticket_id")
    return await _touch(db, actor, session, None, "tickets")


async def do_record_receipt(
    db: AsyncSession, session_id: int, employee_id: int, *, at: datetime | None = None
) -> bool:
    """Note that an employee received a request; True if this is the first receipt."""
    seen = await db.get(SessionRecipient, (session_id, employee_id))
    if seen is not None:
        return False
    db.add(
        SessionRecipient(session_id=session_id, employee_id=employee_id, received_at=at or now())
    )
    return True


async def do_rate(
    db: AsyncSession, actor: CodeUserActor, session_id: int, *, stars: int, comment: str = ""
) -> Rating:
    session = await load_session_for(db, actor, session_id)
    if session.status is not SessionStatus.DONE:
        raise Conflict("only a finished session can be rated", code="not_finished")
    if not 1 <= stars <= 5:
        raise InvalidInput("stars must be between 1 and 5", field="stars")
    existing = await db.scalar(
        select(Rating).where(
            Rating.session_id == session.id, Rating.code_user_id == actor.code_user_id
        )
    )
    if existing is not None:
        raise Conflict("you have already rated this session", code="already_rated")
    rating = Rating(
        session_id=session.id,
        code_user_id=actor.code_user_id,
        stars=stars,
        comment=comment.strip(),
        created_at=now(),
    )
    db.add(rating)
    await db.flush()
    return rating
