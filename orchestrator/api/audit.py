"""The audit log of employee actions, for administrators (newest first, paginated)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import Field
from sqlalchemy import select

from orchestrator.api.routing import Api, Call, Empty
from orchestrator.api.schemas import ListQuery, Out
from orchestrator.db.models import AuditEntry
from orchestrator.domain.types import Role

api = Api()

DbId = Annotated[int, Field(ge=1, le=2**31 - 1)]


class AuditQuery(ListQuery):
    session_id: DbId | None = None
    device_id: DbId | None = None
    employee_id: DbId | None = None
    before_id: DbId | None = Field(
        default=None, description="Only entries older than this one (stable paging)."
    )


class AuditEntryOut(Out):
    id: int
    occurred_at: datetime
    employee_id: int
    employee_email: str
    action: str = Field(description="route tag and operation, e.g. sessions.confirm")
    method: str
    path: str
    session_id: int | None
    device_id: int | None
    target: str = Field(description="another object the action was about, e.g. ticket:3")
    details: dict[str, Any] = Field(description="the request's fields, secrets redacted")
    request_id: str
    client_address: str


@api.route(
    "GET",
    "/api/audit-log",
    summary="Employee actions of the organisation, newest first (administrators)",
    tag="organisation",
    query=AuditQuery,
    response=list[AuditEntryOut],
)
async def list_audit_log(call: Call[Empty, AuditQuery]) -> list[AuditEntryOut]:
    call.employee.require_role(Role.ADMINISTRATOR)
    q = call.query
    query = select(AuditEntry).where(AuditEntry.organisation_id == call.employee.organisation_id)
    for column, value in (
        (AuditEntry.session_id, q.session_id),
        (AuditEntry.device_id, q.device_id),
        (AuditEntry.employee_id, q.employee_id),
    ):
        if value is not None:
            query = query.where(column == value)
    if q.before_id is not None:
        query = query.where(AuditEntry.id < q.before_id)
    async with call.uow.read() as db:
        rows = await db.scalars(
            query.order_by(AuditEntry.id.desc()).limit(q.limit).offset(q.offset)
        )
        return [AuditEntryOut.model_validate(row, from_attributes=True) for row in rows]
