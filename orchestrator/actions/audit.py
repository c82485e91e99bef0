"""The audit log of employee actions, written in the action's own transaction.

The route layer opens a pending entry for every state-changing employee request
(``auditing``): who, which operation, the targets named in the path and the body
with secrets redacted. The unit of work adds it to the first transaction of that
request that commits (``write_pending``), so an entry exists exactly when the
change does: a refused or rolled-back request leaves none. A new session or device
made by the request is named by its id, read from the rows the transaction adds.
Logins, which have no employee before they succeed, write their entry directly.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from orchestrator.db.models import AuditEntry, Device, VideoSession, utcnow

SECRET_FIELD = re.compile(r"password|secret|token|auth|p256dh|key", re.IGNORECASE)
MAX_DETAILS_CHARS = 2000


@dataclass
class PendingAudit:
    """An employee action about to happen; becomes an ``AuditEntry`` if it commits."""

    organisation_id: int
    employee_id: int
    employee_email: str
    action: str
    method: str = ""
    path: str = ""
    session_id: int | None = None
    device_id: int | None = None
    target: str = ""
    details: dict[str, Any] = field(default_factory=dict)
    request_id: str = ""
    client_address: str = ""
    written: bool = False


_PENDING: ContextVar[PendingAudit | None] = ContextVar("pending_audit", default=None)
_CREATED = "audit_created"


@event.listens_for(Session, "pending_to_persistent")
def _note_created(session: Session, instance: object) -> None:
    """Remember the sessions and devices a transaction inserts (by any flush)."""
    if isinstance(instance, VideoSession | Device):
        session.info.setdefault(_CREATED, []).append(instance)


def redacted(data: Any) -> Any:
    """``data`` with the values of secret-looking fields replaced."""
    if isinstance(data, dict):
        return {
            key: "[redacted]" if SECRET_FIELD.search(str(key)) else redacted(value)
            for key, value in data.items()
        }
    if isinstance(data, list):
        return [redacted(item) for item in data]
    return data


def details_of(body: dict[str, Any]) -> dict[str, Any]:
    """What the request asked for, small enough to keep: redacted, else only field names."""
    clean = redacted(body)
    if len(json.dumps(clean, default=str)) <= MAX_DETAILS_CHARS:
        return dict(clean)
    return {"fields": sorted(clean), "truncated": True}


@contextmanager
def auditing(pending: PendingAudit) -> Iterator[PendingAudit]:
    """Within this block the request's first committing transaction records ``pending``.

    Tasks started inside inherit the context; closing the block marks the entry as
    settled, so a task that outlives the request never writes it later.
    """
    token = _PENDING.set(pending)
    try:
        yield pending
    finally:
        pending.written = True
        _PENDING.reset(token)


async def write_pending(db: AsyncSession) -> None:
    """Add the pending entry (if any) to this transaction; called just before commit."""
    pending = _PENDING.get()
    if pending is None or pending.written:
        return
    pending.written = True
    await db.flush()
    created = db.sync_session.info.get(_CREATED, [])
    if pending.session_id is None:
        pending.session_id = next((o.id for o in created if isinstance(o, VideoSession)), None)
    if pending.device_id is None:
        pending.device_id = next((o.id for o in created if isinstance(o, Device)), None)
    write_entry(db, pending)


def write_entry(db: AsyncSession, pending: PendingAudit) -> AuditEntry:
    """Stage the entry in ``db``'s transaction."""
    entry = AuditEntry(
        occurred_at=utcnow(),
        organisation_id=pending.organisation_id,
        employee_id=pending.employee_id,
        employee_email=pending.employee_email[:320],
        action=pending.action[:100],
        method=pending.method,
        path=pending.path[:500],
        session_id=pending.session_id,
        device_id=pending.device_id,
        target=pending.target[:100],
        details=pending.details,
        request_id=pending.request_id[:64],
        client_address=pending.client_address[:64],
    )
    db.add(entry)
    pending.written = True
    return entry
