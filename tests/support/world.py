"""Test data made through the action functions (never raw inserts), and API helpers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aiohttp.test_utils import TestClient
from sqlalchemy import func, select

from orchestrator.actions.actors import EmployeeActor
from orchestrator.actions.devices import do_create_device
from orchestrator.actions.organisation import add_employee, do_create_organisation, do_create_team
from orchestrator.actions.tickets import do_create_ticket
from orchestrator.actions.unit_of_work import UnitOfWork
from orchestrator.db.models import Base
from orchestrator.domain.org_settings import OrganisationSettings
from orchestrator.domain.types import RequestStep, Role

PASSWORD = "correct horse battery"


@dataclass
class World:
    org_id: int
    admin: EmployeeActor
    moderator: EmployeeActor
    employee: EmployeeActor
    device_id: int
    device_code: str
    other_device_id: int
    ticket_id: int
    team_id: int
    foreign_org_id: int
    foreign_admin: EmployeeActor
    foreign_device_code: str
    foreign_device_id: int


EMAILS = {
    "admin": "admin@example.org",
    "moderator": "moderator@example.org",
    "employee": "employee@example.org",
    "foreign": "foreign@example.net",
}


async def build_world(uow: UnitOfWork, settings: OrganisationSettings | None = None) -> World:
    async with uow.transaction() as db:
        org = await do_create_organisation(
            db,
            name="Acme",
            settings=settings
            or OrganisationSettings(
                recording_allowed=True,
                request_steps=[
                    RequestStep.REASON,
                    RequestStep.CONTACT,
                    RequestStep.LABELS,
                    RequestStep.CONSENT,
                ],
                labels=["fault", "question"],
            ),
        )
        staff = {}
        for key, role in (
            ("admin", Role.ADMINISTRATOR),
            ("moderator", Role.MODERATOR),
            ("employee", Role.EMPLOYEE),
        ):
            e = await add_employee(
                db, org.id, name=key.title(), email=EMAILS[key], password=PASSWORD, role=role
            )
            staff[key] = EmployeeActor(e.id, org.id, role)
        team = await do_create_team(
            db, staff["admin"], name="Service", member_ids=[staff["employee"].employee_id]
        )
        device = await do_create_device(
            db,
            staff["admin"],
            name="Press P-1",
            code="press-p1",
            responsible_team_ids=[team.id],
            responsible_employee_ids=[staff["moderator"].employee_id],
        )
        other = await do_create_device(db, staff["admin"], name="Lathe L-2", code="lathe-l2")
        ticket = await do_create_ticket(
            db, staff["admin"], title="Press leaks oil", device_id=device.id
        )
        foreign = await do_create_organisation(db, name="Other Corp")
        fa = await add_employee(
            db,
            foreign.id,
            name="Foreign",
            email=EMAILS["foreign"],
            password=PASSWORD,
            role=Role.ADMINISTRATOR,
        )
        foreign_admin = EmployeeActor(fa.id, foreign.id, Role.ADMINISTRATOR)
        foreign_device = await do_create_device(
            db, foreign_admin, name="Other press", code="other-press"
        )
        return World(
            org_id=org.id,
            admin=staff["admin"],
            moderator=staff["moderator"],
            employee=staff["employee"],
            device_id=device.id,
            device_code=device.code,
            other_device_id=other.id,
            ticket_id=ticket.id,
            team_id=team.id,
            foreign_org_id=foreign.id,
            foreign_admin=foreign_admin,
            foreign_device_code=foreign_device.code,
            foreign_device_id=foreign_device.id,
        )


async def login(client: TestClient, who: str) -> dict[str, str]:
    """Log in (the cookie stays in the client's jar); returns the CSRF header to send."""
    response = await client.post(
        "/api/auth/login", json={"email": EMAILS[who], "password": PASSWORD}
    )
    assert response.status == 200, await response.text()
    body = await response.json()
    return {"X-CSRF-Token": body["csrf_token"]}


async def open_device(
    client: TestClient, code: str, token: str | None = None
) -> tuple[str, dict[str, Any]]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = await client.post("/api/code-user/open", json={"code": code}, headers=headers)
    assert response.status == 200, await response.text()
    body = await response.json()
    return body["token"] or token, body


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def table_counts(uow: UnitOfWork) -> dict[str, int]:
    """Row counts of every table: a cheap way to assert 'the database is unchanged'."""
    counts = {}
    async with uow.read() as db:
        for table in Base.metadata.sorted_tables:
            if table.name in ("login_sessions",):
                continue
            counts[table.name] = int(await db.scalar(select(func.count()).select_from(table)) or 0)
    return counts


async def assert_problem(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    assert response.status == status, await response.text()
    assert response.headers["Content-Type"].startswith("application/problem+json")
    body = await response.json()
    assert body["status"] == status and body["title"] and body["detail"] and body["code"]
    if code is not None:
        assert body["code"] == code, body
    return body
