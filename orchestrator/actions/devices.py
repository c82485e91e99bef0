"""Actions on devices (the things with a QR code) and their assistants."""

from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from orchestrator.actions.actors import EmployeeActor
from orchestrator.db.models import Device, Employee, Team
from orchestrator.domain.assistant import AssistantButton, default_assistant
from orchestrator.domain.errors import InvalidInput, NotFound
from orchestrator.domain.types import Role

#: Device codes avoid look-alike characters; they are typed from stickers sometimes.
CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def new_device_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(10))


async def load_device(db: AsyncSession, actor: EmployeeActor, device_id: int) -> Device:
    device = await db.get(Device, device_id)
    if device is None or device.organisation_id != actor.organisation_id:
        raise NotFound(f"device {device_id} not found")
    return device


async def _employees(db: AsyncSession, organisation_id: int, ids: list[int]) -> list[Employee]:
    found = list(
        await db.scalars(
            select(Employee).where(
                Employee.id.in_(ids), Employee.organisation_id == organisation_id
            )
        )
    )
    missing = set(ids) - {e.id for e in found}
    if missing:
        raise InvalidInput(
            f"unknown employees: {sorted(missing)}", field="responsible_employee_ids"
        )
    return found


async def _teams(db: AsyncSession, organisation_id: int, ids: list[int]) -> list[Team]:
    found = list(
        await db.scalars(
            select(Team).where(Team.id.in_(ids), Team.organisation_id == organisation_id)
        )
    )
    missing = set(ids) - {t.id for t in found}
    if missing:
        raise InvalidInput(f"unknown teams: {sorted(missing)}", field="responsible_team_ids")
    return found


async def do_create_device(
    db: AsyncSession,
    actor: EmployeeActor,
    *,
    name: str,
    location: str = "",
    picture_url: str = "",
    assistant: list[AssistantButton] | None = None,
    responsible_employee_ids: list[int] | None = None,
    responsible_team_ids: list[int] | None = None,
    code: str | None = None,
) -> Device:
    actor.require_role(Role.ADMINISTRATOR, Role.MODERATOR)
    if not name.strip():
        raise InvalidInput("a device needs a name", field="name")
    device = Device(
        organisation_id=actor.organisation_id,
        name=name.strip(),
        code=code or new_device_code(),
        location=location.strip(),
        picture_url=picture_url.strip(),
        assistant=[
            b.model_dump() for b in (assistant if assistant is not None else default_assistant())
        ],
    )
    device.responsible_employees = await _employees(
        db, actor.organisation_id, responsible_employee_ids or []
    )
    device.responsible_teams = await _teams(db, actor.organisation_id, responsible_team_ids or [])
    db.add(device)
    await db.flush()
    return device


async def do_update_device(
    db: AsyncSession,
    actor: EmployeeActor,
    device_id: int,
    *,
    name: str | None = None,
    location: str | None = None,
    picture_url: str | None = None,
    assistant: list[AssistantButton] | None = None,
    responsible_employee_ids: list[int] | None = None,
    responsible_team_ids: list[int] | None = None,
) -> Device:
    actor.require_role(Role.ADMINISTRATOR, Role.MODERATOR)
    device = await load_device(db, actor, device_id)
    if name is not None:
        if not name.strip():
            raise InvalidInput("a device needs a name", field="name")
        device.name = name.strip()
    if location is not None:
        device.location = location.strip()
    if picture_url is not None:
        device.picture_url = picture_url.strip()
    if assistant is not None:
        device.assistant = [b.model_dump() for b in assistant]
    if responsible_employee_ids is not None:
        device.responsible_employees = await _employees(
            db, actor.organisation_id, responsible_employee_ids
        )
    if responsible_team_ids is not None:
        device.responsible_teams = await _teams(db, actor.organisation_id, responsible_team_ids)
    await db.flush()
    return device


async def do_delete_device(db: AsyncSession, actor: EmployeeActor, device_id: int) -> None:
    """Sessions of the device keep their history; their device link becomes empty."""
    actor.require_role(Role.ADMINISTRATOR, Role.MODERATOR)
    device = await load_device(db, actor, device_id)
    await db.delete(device)
