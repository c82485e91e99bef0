"""Bulk creation of sessions for benchmarks and load tests.

Writes the same rows as the action functions (sessions, responsible employees, the
code user as participant, the status history, outbox events marked published) with
a few multi-row INSERTs instead of one transaction per session. A test keeps the two
paths equivalent as seen through the API.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import cast

from sqlalchemy import Table, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from orchestrator.actions.sessions import search_text
from orchestrator.db.models import (
    Device,
    Organisation,
    OutboxEvent,
    Participant,
    SessionResponsible,
    StatusChange,
    VideoSession,
)
from orchestrator.domain.types import ActorKind, ParticipantKind, SessionStatus, Trigger, Visibility
from orchestrator.events.schemas import Actor, Event, SessionPayload, SessionRef

# The triggers that lead from a code user's request to each status, as the actions take them.
PATH_FROM_REQUEST: dict[SessionStatus, list[tuple[Trigger, ActorKind]]] = {
    SessionStatus.REQUESTED: [],
    SessionStatus.CONFIRMED: [(Trigger.CONFIRM, ActorKind.EMPLOYEE)],
    SessionStatus.RUNNING: [
        (Trigger.CONFIRM, ActorKind.EMPLOYEE),
        (Trigger.CALL_STARTED, ActorKind.SYSTEM),
    ],
    SessionStatus.DONE: [
        (Trigger.CONFIRM, ActorKind.EMPLOYEE),
        (Trigger.CALL_STARTED, ActorKind.SYSTEM),
        (Trigger.CALL_ENDED, ActorKind.SYSTEM),
    ],
    SessionStatus.CANCELLED: [(Trigger.WITHDRAW, ActorKind.CODE_USER)],
}


@dataclass(frozen=True)
class BulkRequest:
    """One code user's request, and the status it has reached by now."""

    device_id: int
    requester_id: int
    reason: str
    contact: str
    status: SessionStatus
    confirmed_by: int
    created_at: datetime
    labels: list[str] = field(default_factory=list)


async def bulk_request_sessions(
    db: AsyncSession,
    organisation_id: int,
    requests: Sequence[BulkRequest],
    responsible: dict[int, list[int]],
) -> list[int]:
    """Insert ``requests`` as sessions; ``responsible`` maps device id → employee ids."""
    first = await db.scalar(
        update(Organisation)
        .where(Organisation.id == organisation_id)
        .values(next_session_number=Organisation.next_session_number + len(requests))
        .returning(Organisation.next_session_number - len(requests))
    )
    assert first is not None
    devices = dict(
        (
            await db.execute(
                select(Device.id, Device.name).where(Device.organisation_id == organisation_id)
            )
        ).all()
    )
    rows = []
    for offset, request in enumerate(requests):
        number = first + offset
        rows.append(
            {
                "organisation_id": organisation_id,
                "number": number,
                "title": devices[request.device_id],
                "device_id": request.device_id,
                "reason": request.reason,
                "contact": request.contact,
                "labels": request.labels,
                "requester_id": request.requester_id,
                "created_by_id": None,
                "visibility": Visibility.PUBLIC,
                "status": request.status,
                "recording_consent": False,
                "recording_consent_at": None,
                "search_text": search_text(
                    number,
                    devices[request.device_id],
                    request.reason,
                    request.contact,
                    devices[request.device_id],
                ),
                "created_at": request.created_at,
                "updated_at": request.created_at,
            }
        )
    ids = list(
        await db.scalars(
            insert(VideoSession).returning(VideoSession.id, sort_by_parameter_order=True), rows
        )
    )
    await _set_versions(db, ids, requests)
    responsible_rows, participant_rows, history_rows, outbox_rows = [], [], [], []
    for session_id, request, row in zip(ids, requests, rows, strict=True):
        for employee_id in responsible.get(request.device_id, []):
            responsible_rows.append({"session_id": session_id, "employee_id": employee_id})
        participant_rows.append(
            {
                "session_id": session_id,
                "kind": ParticipantKind.CODE_USER,
                "code_user_id": request.requester_id,
                "joined_at": request.created_at,
            }
        )
        history_rows.append(
            _history(
                session_id,
                None,
                SessionStatus.REQUESTED,
                Trigger.REQUEST,
                ActorKind.CODE_USER,
                request,
            )
        )
        status = SessionStatus.REQUESTED
        for trigger, actor in PATH_FROM_REQUEST[request.status]:
            target = _TARGET[trigger]
            history_rows.append(_history(session_id, status, target, trigger, actor, request))
            status = target
        event = Event(
            type="session.requested",
            occurred_at=request.created_at,
            payload=SessionPayload(
                session=SessionRef(
                    id=session_id,
                    organisation_id=organisation_id,
                    number=int(row["number"]),
                    title=str(row["title"]),
                    status=SessionStatus.REQUESTED,
                    visibility=Visibility.PUBLIC,
                    device_id=request.device_id,
                    requester_id=request.requester_id,
                    responsible_ids=sorted(responsible.get(request.device_id, [])),
                    code_user_ids=[request.requester_id],
                    version=1,
                ),
                actor=Actor(kind=ActorKind.CODE_USER, id=request.requester_id),
            ),
        )
        outbox_rows.append(
            {
                "event_id": event.id,
                "type": event.type,
                "payload": event.payload.model_dump(mode="json"),
                "occurred_at": event.occurred_at,
                "published_at": request.created_at,  # history: already delivered
                "attempts": 1,
            }
        )
    for table, batch in (
        (SessionResponsible, responsible_rows),
        (Participant, participant_rows),
        (StatusChange, history_rows),
        (OutboxEvent, outbox_rows),
    ):
        if batch:
            await db.execute(insert(table), batch)
    return ids


async def _set_versions(db: AsyncSession, ids: list[int], requests: Sequence[BulkRequest]) -> None:
    """One version per status change, as the actions count them.

    The mapper's version counter starts every inserted row at 1, so the versions of
    sessions that went further are set afterwards, one UPDATE per status.
    """
    by_status: dict[SessionStatus, list[int]] = {}
    for session_id, request in zip(ids, requests, strict=True):
        by_status.setdefault(request.status, []).append(session_id)
    table = cast(Table, VideoSession.__table__)
    for status, session_ids in by_status.items():
        version = 1 + len(PATH_FROM_REQUEST[status])
        if version > 1:
            await db.execute(
                update(table).where(table.c.id.in_(session_ids)).values(version=version)
            )


_TARGET = {
    Trigger.CONFIRM: SessionStatus.CONFIRMED,
    Trigger.CALL_STARTED: SessionStatus.RUNNING,
    Trigger.CALL_ENDED: SessionStatus.DONE,
    Trigger.WITHDRAW: SessionStatus.CANCELLED,
}


def _history(
    session_id: int,
    from_status: SessionStatus | None,
    to_status: SessionStatus,
    trigger: Trigger,
    actor: ActorKind,
    request: BulkRequest,
) -> dict[str, object]:
    return {
        "session_id": session_id,
        "from_status": from_status,
        "to_status": to_status,
        "trigger": trigger,
        "actor_kind": actor,
        "actor_employee_id": request.confirmed_by if actor is ActorKind.EMPLOYEE else None,
        "actor_code_user_id": request.requester_id if actor is ActorKind.CODE_USER else None,
        "reason": "",
        "at": request.created_at,
    }
