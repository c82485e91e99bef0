"""Actions on the organisation, its employees and teams (administrators)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from orchestrator.actions.actors import EmployeeActor
from orchestrator.auth.passwords import MIN_PASSWORD_LENGTH, hash_password
from orchestrator.db.models import Employee, Organisation, Team
from orchestrator.domain.errors import Conflict, InvalidInput, NotFound
from orchestrator.domain.org_settings import OrganisationSettings
from orchestrator.domain.types import Language, Role


async def do_create_organisation(
    db: AsyncSession, *, name: str, settings: OrganisationSettings | None = None
) -> Organisation:
    """Set-up only (CLI, demo data): there is no API to create organisations."""
    org = Organisation(
        name=name, settings=(settings or OrganisationSettings()).model_dump(mode="json")
    )
    db.add(org)
    await db.flush()
    return org


async def load_organisation(db: AsyncSession, organisation_id: int) -> Organisation:
    org = await db.get(Organisation, organisation_id)
    if org is None:
        raise NotFound("organisation not found")
    return org


async def do_update_organisation(
    db: AsyncSession,
    actor: EmployeeActor,
    *,
    name: str | None = None,
    settings: OrganisationSettings | None = None,
) -> Organisation:
    actor.require_role(Role.ADMINISTRATOR)
    org = await load_organisation(db, actor.organisation_id)
    if name is not None:
        if not name.strip():
            raise InvalidInput("an organisation needs a name", field="name")
        org.name = name.strip()
    if settings is not None:
        org.settings = settings.model_dump(mode="json")
    await db.flush()
    return org


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            f"a password needs at least {MIN_PASSWORD_LENGTH} characters", field="password"
        )


def _clean_email(email: str) -> str:
    cleaned = email.strip().lower()
    local, _, domain = cleaned.partition("@")
    if not local or "." not in domain or " " in cleaned:
        raise InvalidInput("this is not an e-mail address", field="email")
    return cleaned


async def add_employee(
    db: AsyncSession,
    organisation_id: int,
    *,
    name: str,
    email: str,
    password: str,
    role: Role,
    language: Language = Language.DE,
) -> Employee:
    """Create an employee; used by the administrator action and the CLI."""
    if not name.strip():
        raise InvalidInput("an employee needs a name", field="name")
    _check_password(password)
    email = _clean_email(email)
    if await db.scalar(select(Employee.id).where(Employee.email == email)) is not None:
        raise Conflict("an employee with this e-mail exists", field="email", code="email_taken")
    employee = Employee(
        organisation_id=organisation_id,
        name=name.strip(),
        email=email,
        password_hash=hash_password(password),
        role=role,
        language=language,
        active=True,
    )
    db.add(employee)
    await db.flush()
    return employee


async def do_create_employee(
    db: AsyncSession,
    actor: EmployeeActor,
    *,
    name: str,
    email: str,
    password: str,
    role: Role,
    language: Language = Language.DE,
) -> Employee:
    actor.require_role(Role.ADMINISTRATOR)
    return await add_employee(
        db,
        actor.organisation_id,
        name=name,
        email=email,
        password=password,
        role=role,
        language=language,
    )


async def load_employee(db: AsyncSession, actor: EmployeeActor, employee_id: int) -> Employee:
    employee = await db.get(Employee, employee_id)
    if employee is None or employee.organisation_id != actor.organisation_id:
        raise NotFound(f"employee {employee_id} not found")
    return employee


async def do_update_employee(
    db: AsyncSession,
    actor: EmployeeActor,
    employee_id: int,
    *,
    name: str | None = None,
    role: Role | None = None,
    language: Language | None = None,
    active: bool | None = None,
    password: str | None = None,
) -> Employee:
    """Administrators edit anyone; every employee may change their own name, language, password."""
    own = employee_id == actor.employee_id
    if not own or role is not None or active is not None:
        actor.require_role(Role.ADMINISTRATOR)
    employee = await load_employee(db, actor, employee_id)
    if own and (active is False or (role is not None and role is not Role.ADMINISTRATOR)):
        raise Conflict("administrators cannot demote or deactivate themselves", code="self_lockout")
    if name is not None:
        if not name.strip():
            raise InvalidInput("an employee needs a name", field="name")
        employee.name = name.strip()
    if role is not None:
        employee.role = role
    if language is not None:
        employee.language = language
    if active is not None:
        employee.active = active
    if password is not None:
        _check_password(password)
        employee.password_hash = hash_password(password)
    await db.flush()
    return employee


async def do_create_team(
    db: AsyncSession, actor: EmployeeActor, *, name: str, member_ids: list[int] | None = None
) -> Team:
    actor.require_role(Role.ADMINISTRATOR)
    if not name.strip():
        raise InvalidInput("a team needs a name", field="name")
    team = Team(organisation_id=actor.organisation_id, name=name.strip())
    team.members = [await load_employee(db, actor, i) for i in dict.fromkeys(member_ids or [])]
    db.add(team)
    await db.flush()
    return team


async def do_update_team(
    db: AsyncSession,
    actor: EmployeeActor,
    team_id: int,
    *,
    name: str | None = None,
    member_ids: list[int] | None = None,
) -> Team:
    actor.require_role(Role.ADMINISTRATOR)
    team = await db.get(Team, team_id)
    if team is None or team.organisation_id != actor.organisation_id:
        raise NotFound(f"team {team_id} not found")
    if name is not None:
        if not name.strip():
            raise InvalidInput("a team needs a name", field="name")
        team.name = name.strip()
    if member_ids is not None:
        team.members = [await load_employee(db, actor, i) for i in dict.fromkeys(member_ids)]
    await db.flush()
    return team
