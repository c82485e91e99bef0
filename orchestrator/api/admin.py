"""Administration: organisation settings, employees and teams."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from orchestrator.actions.organisation import (
    do_create_employee,
    do_create_team,
    do_update_employee,
    do_update_organisation,
    do_update_team,
    load_organisation,
)
from orchestrator.api.auth import employee_out
from orchestrator.api.routing import Api, Call, Empty
from orchestrator.api.schemas import (
    EmployeeIn,
    EmployeeOut,
    EmployeePatch,
    ListQuery,
    OrganisationOut,
    OrganisationPatch,
    TeamIn,
    TeamOut,
    TeamPatch,
)
from orchestrator.db.models import Employee, Organisation, Team
from orchestrator.domain.org_settings import OrganisationSettings

api = Api()


def organisation_out(org: Organisation) -> OrganisationOut:
    return OrganisationOut(
        id=org.id, name=org.name, settings=OrganisationSettings.model_validate(org.settings)
    )


def team_out(team: Team) -> TeamOut:
    return TeamOut(id=team.id, name=team.name, member_ids=sorted(m.id for m in team.members))


@api.route(
    "GET",
    "/api/organisation",
    summary="The organisation and its settings",
    tag="organisation",
    response=OrganisationOut,
)
async def get_organisation(call: Call[Empty, Empty]) -> OrganisationOut:
    async with call.uow.read() as db:
        return organisation_out(await load_organisation(db, call.employee.organisation_id))


@api.route(
    "PATCH",
    "/api/organisation",
    summary="Change the organisation's settings (administrators)",
    tag="organisation",
    body=OrganisationPatch,
    response=OrganisationOut,
)
async def update_organisation(call: Call[OrganisationPatch, Empty]) -> OrganisationOut:
    async with call.uow.transaction() as db:
        org = await do_update_organisation(
            db, call.employee, name=call.body.name, settings=call.body.settings
        )
        return organisation_out(org)


@api.route(
    "GET",
    "/api/employees",
    summary="List employees",
    tag="employees",
    query=ListQuery,
    response=list[EmployeeOut],
)
async def list_employees(call: Call[Empty, ListQuery]) -> list[EmployeeOut]:
    async with call.uow.read() as db:
        rows = await db.scalars(
            select(Employee)
            .options(selectinload(Employee.teams))
            .where(Employee.organisation_id == call.employee.organisation_id)
            .order_by(Employee.name, Employee.id)
            .limit(call.query.limit)
            .offset(call.query.offset)
        )
        return [employee_out(e) for e in rows]


@api.route(
    "POST",
    "/api/employees",
    summary="Create an employee (administrators)",
    tag="employees",
    body=EmployeeIn,
    response=EmployeeOut,
    status=201,
)
async def create_employee(call: Call[EmployeeIn, Empty]) -> EmployeeOut:
    body = call.body
    async with call.uow.transaction() as db:
        employee = await do_create_employee(
            db,
            call.employee,
            name=body.name,
            email=body.email,
            password=body.password,
            role=body.role,
            language=body.language,
        )
        await db.refresh(employee, ["teams"])
        return employee_out(employee)


@api.route(
    "PATCH",
    "/api/employees/{employee_id:\\d+}",
    summary="Edit an employee",
    tag="employees",
    body=EmployeePatch,
    response=EmployeeOut,
)
async def update_employee(call: Call[EmployeePatch, Empty]) -> EmployeeOut:
    body = call.body
    async with call.uow.transaction() as db:
        employee = await do_update_employee(
            db,
            call.employee,
            call.path_id("employee_id"),
            name=body.name,
            role=body.role,
            language=body.language,
            active=body.active,
            password=body.password,
        )
        await db.refresh(employee, ["teams"])
        return employee_out(employee)


@api.route("GET", "/api/teams", summary="List teams", tag="employees", response=list[TeamOut])
async def list_teams(call: Call[Empty, Empty]) -> list[TeamOut]:
    async with call.uow.read() as db:
        rows = await db.scalars(
            select(Team)
            .where(Team.organisation_id == call.employee.organisation_id)
            .order_by(Team.name)
        )
        return [team_out(t) for t in rows]


@api.route(
    "POST",
    "/api/teams",
    summary="Create a team (administrators)",
    tag="employees",
    body=TeamIn,
    response=TeamOut,
    status=201,
)
async def create_team(call: Call[TeamIn, Empty]) -> TeamOut:
    async with call.uow.transaction() as db:
        team = await do_create_team(
            db, call.employee, name=call.body.name, member_ids=call.body.member_ids
        )
        return team_out(team)


@api.route(
    "PATCH",
    "/api/teams/{team_id:\\d+}",
    summary="Edit a team (administrators)",
    tag="employees",
    body=TeamPatch,
    response=TeamOut,
)
async def update_team(call: Call[TeamPatch, Empty]) -> TeamOut:
    async with call.uow.transaction() as db:
        team = await do_update_team(
            db,
            call.employee,
            call.path_id("team_id"),
            name=call.body.name,
            member_ids=call.body.member_ids,
        )
        return team_out(team)
