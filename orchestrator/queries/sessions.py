"""Read models of video sessions: the list (keyset pagination) and the details.

Reads never change state; they shape rows into the API's response models with a
fixed number of queries per page (no N+1).
"""

from __future__ import annotations

import base64
import json
from collections import defaultdict
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from orchestrator.actions.actors import AnyActor, CodeUserActor, EmployeeActor
from orchestrator.actions.recordings import recording_allowed
from orchestrator.actions.session_access import can_see
from orchestrator.api.schemas import (
    ArtifactOut,
    CodeUserSession,
    RatingOut,
    RecipientOut,
    RecordingOut,
    Ref,
    RequesterOut,
    SessionDetails,
    SessionListQuery,
    SessionPage,
    SessionSummary,
    StatusChangeOut,
    TicketRef,
)
from orchestrator.db.models import (
    Artifact,
    CodeUser,
    Device,
    Employee,
    Participant,
    Rating,
    Recording,
    SessionRecipient,
    SessionResponsible,
    SessionTicket,
    StatusChange,
    Ticket,
    VideoSession,
)
from orchestrator.domain.errors import InvalidInput, NotFound
from orchestrator.domain.session_state import allowed_triggers, manual_targets
from orchestrator.domain.types import ActorKind, Visibility
from orchestrator.queries.notifications import session_notifications

_SORT_COLUMNS = {
    "created_at": VideoSession.created_at,
    "updated_at": VideoSession.updated_at,
    "number": VideoSession.number,
}


def _encode_cursor(value: Any, row_id: int) -> str:
    raw = json.dumps([value.isoformat() if isinstance(value, datetime) else value, row_id])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str, sort_name: str) -> tuple[Any, int]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value, row_id = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(row_id, int):
            raise ValueError("id")
        if sort_name == "number":
            if not isinstance(value, int):
                raise ValueError("number")
            return value, row_id
        return datetime.fromisoformat(value), row_id
    except (ValueError, TypeError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InvalidInput(
            "the cursor is not valid; start from the first page", field="cursor"
        ) from exc


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def list_sessions(
    db: AsyncSession, actor: EmployeeActor, query: SessionListQuery
) -> SessionPage:
    """A page of the organisation's sessions, stable under concurrent inserts."""
    descending = query.sort.startswith("-")
    sort_name = query.sort.lstrip("-")
    column = _SORT_COLUMNS[sort_name]
    stmt = _with_names(select(*_SUMMARY_COLUMNS)).where(
        VideoSession.organisation_id == actor.organisation_id
    )
    if query.status:
        stmt = stmt.where(VideoSession.status.in_(query.status))
    if query.device_id is not None:
        stmt = stmt.where(VideoSession.device_id == query.device_id)
    responsible = actor.employee_id if query.mine else query.responsible_id
    if responsible is not None:
        stmt = stmt.where(
            VideoSession.id.in_(
                select(SessionResponsible.session_id).where(
                    SessionResponsible.employee_id == responsible
                )
            )
        )
    if query.q.strip():
        stmt = stmt.where(
            VideoSession.search_text.like(f"%{_escape_like(query.q.strip().lower())}%", escape="\\")
        )
    if query.cursor:
        value, row_id = _decode_cursor(query.cursor, sort_name)
        if descending:
            stmt = stmt.where(or_(column < value, and_(column == value, VideoSession.id < row_id)))
        else:
            stmt = stmt.where(or_(column > value, and_(column == value, VideoSession.id > row_id)))
    order = (column.desc(), VideoSession.id.desc()) if descending else (column, VideoSession.id)
    rows: list[tuple[VideoSession, str | None, str | None]] = [
        (row[0], row[1], row[2])
        for row in await db.execute(stmt.order_by(*order).limit(query.limit + 1))
    ]
    more = len(rows) > query.limit
    rows = rows[: query.limit]
    items = await summaries(db, rows)
    next_cursor = None
    if more and rows:
        last = rows[-1][0]
        next_cursor = _encode_cursor(getattr(last, sort_name), last.id)
    return SessionPage(items=items, next_cursor=next_cursor)


#: The session with the names a summary shows, in one query (outer joins).
_SUMMARY_COLUMNS = (VideoSession, Device.name, CodeUser.name)


SelectT = TypeVar("SelectT", bound=Select)  # type: ignore[type-arg]


def _with_names(stmt: SelectT) -> SelectT:
    return stmt.outerjoin(Device, Device.id == VideoSession.device_id).outerjoin(
        CodeUser, CodeUser.id == VideoSession.requester_id
    )


async def summaries(
    db: AsyncSession, rows: list[tuple[VideoSession, str | None, str | None]]
) -> list[SessionSummary]:
    """Summaries of (session, device name, requester name) rows; one more query for
    the responsible employees of all of them."""
    responsible: dict[int, list[Ref]] = defaultdict(list)
    ids = [session.id for session, _, _ in rows]
    if ids:
        result = await db.execute(
            select(SessionResponsible.session_id, Employee.id, Employee.name)
            .join(Employee, Employee.id == SessionResponsible.employee_id)
            .where(SessionResponsible.session_id.in_(ids))
            .order_by(Employee.id)
        )
        for session_id, employee_id, name in result:
            responsible[session_id].append(Ref(id=employee_id, name=name))
    return [
        SessionSummary(
            id=r.id,
            number=r.number,
            title=r.title,
            status=r.status,
            visibility=r.visibility,
            device=Ref(id=r.device_id, name=device_name)
            if r.device_id is not None and device_name is not None
            else None,
            reason=r.reason,
            requester_name=requester_name or "",
            responsible=responsible[r.id],
            created_at=r.created_at,
            updated_at=r.updated_at,
            version=r.version,
        )
        for r, device_name, requester_name in rows
    ]


async def _artifacts(db: AsyncSession, session_id: int) -> list[ArtifactOut]:
    rows = await db.scalars(
        select(Artifact).where(Artifact.session_id == session_id).order_by(Artifact.id)
    )
    return [ArtifactOut.model_validate(a) for a in rows]


async def _recording(db: AsyncSession, session_id: int) -> RecordingOut | None:
    """The running recording (the red dot), read fresh: the recorder changes it."""
    running = await db.scalar(
        select(Recording)
        .where(Recording.open_session_id == session_id)
        .execution_options(populate_existing=True)
    )
    return RecordingOut.model_validate(running) if running is not None else None


async def _rating(db: AsyncSession, session_id: int) -> RatingOut | None:
    rating = await db.scalar(select(Rating).where(Rating.session_id == session_id).limit(1))
    return RatingOut.model_validate(rating) if rating else None


async def session_details(
    db: AsyncSession, actor: EmployeeActor, session_id: int
) -> SessionDetails:
    creator = aliased(Employee)
    row = (
        await db.execute(
            _with_names(select(*_SUMMARY_COLUMNS, CodeUser.contact, creator.id, creator.name))
            .outerjoin(creator, creator.id == VideoSession.created_by_id)
            .where(VideoSession.id == session_id)
            .execution_options(populate_existing=True)
        )
    ).first()
    if row is None or not await can_see(db, actor, row[0]):
        raise NotFound(f"video session {session_id} not found", data={"session_id": session_id})
    session, device_name, requester_name, requester_contact, creator_id, creator_name = row
    summary = (await summaries(db, [(session, device_name, requester_name)]))[0]
    recipients = await db.execute(
        select(Employee.id, Employee.name, SessionRecipient.received_at)
        .join(Employee, Employee.id == SessionRecipient.employee_id)
        .where(SessionRecipient.session_id == session.id)
        .order_by(SessionRecipient.received_at, Employee.id)
    )
    tickets = await db.scalars(
        select(Ticket)
        .join(SessionTicket, SessionTicket.ticket_id == Ticket.id)
        .where(SessionTicket.session_id == session.id)
        .order_by(Ticket.number)
    )
    return SessionDetails(
        **summary.model_dump(),
        contact=session.contact,
        labels=list(session.labels or []),
        requester=RequesterOut(
            id=session.requester_id, name=requester_name or "", contact=requester_contact or ""
        )
        if session.requester_id is not None
        else None,
        created_by=Ref(id=creator_id, name=creator_name) if creator_id is not None else None,
        recipients=[
            RecipientOut(employee=Ref(id=i, name=n), received_at=at) for i, n, at in recipients
        ],
        notifications=await session_notifications(db, session.id),
        tickets=[TicketRef(id=t.id, number=t.number, title=t.title) for t in tickets],
        history=await status_history(db, session.id),
        recording_consent=session.recording_consent,
        recording_consent_at=session.recording_consent_at,
        recording_allowed=await recording_allowed(db, session.organisation_id),
        artifacts=await _artifacts(db, session.id),
        recording=await _recording(db, session.id),
        rating=await _rating(db, session.id),
        allowed_actions=allowed_triggers(session.status, ActorKind.EMPLOYEE),
        manual_targets=manual_targets(session.status),
    )


async def status_history(db: AsyncSession, session_id: int) -> list[StatusChangeOut]:
    result = await db.execute(
        select(StatusChange, Employee.name, CodeUser.name)
        .outerjoin(Employee, Employee.id == StatusChange.actor_employee_id)
        .outerjoin(CodeUser, CodeUser.id == StatusChange.actor_code_user_id)
        .where(StatusChange.session_id == session_id)
        .order_by(StatusChange.id)
    )
    return [
        StatusChangeOut(
            from_status=change.from_status,
            to_status=change.to_status,
            trigger=change.trigger,
            actor_kind=change.actor_kind,
            actor_name=employee_name or code_user_name or "",
            reason=change.reason,
            at=change.at,
        )
        for change, employee_name, code_user_name in result
    ]


async def code_user_session(
    db: AsyncSession, actor: AnyActor, session: VideoSession
) -> CodeUserSession:
    device = await db.get(Device, session.device_id) if session.device_id else None
    return CodeUserSession(
        id=session.id,
        number=session.number,
        title=session.title,
        status=session.status,
        device=Ref(id=device.id, name=device.name) if device else None,
        reason=session.reason,
        recording_consent=session.recording_consent,
        created_at=session.created_at,
        updated_at=session.updated_at,
        version=session.version,
        rating=await _rating(db, session.id),
        artifacts=await _artifacts(db, session.id),
        recording=await _recording(db, session.id),
        recording_allowed=await recording_allowed(db, session.organisation_id),
    )


async def code_user_sessions(db: AsyncSession, actor: CodeUserActor) -> list[CodeUserSession]:
    """The code user's own public sessions, newest first."""
    own = select(Participant.session_id).where(Participant.code_user_id == actor.code_user_id)
    rows = await db.scalars(
        select(VideoSession)
        .where(
            VideoSession.organisation_id == actor.organisation_id,
            VideoSession.visibility == Visibility.PUBLIC,
            or_(VideoSession.requester_id == actor.code_user_id, VideoSession.id.in_(own)),
        )
        .order_by(VideoSession.created_at.desc(), VideoSession.id.desc())
        .limit(200)
    )
    return [await code_user_session(db, actor, s) for s in rows]
