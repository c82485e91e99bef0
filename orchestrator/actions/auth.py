"""Actions for logging in employees and identifying code users."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from orchestrator.actions.actors import CodeUserActor, EmployeeActor
from orchestrator.auth.passwords import verify_password
from orchestrator.auth.tokens import new_token, token_hash
from orchestrator.db.models import CodeUser, Device, Employee, LoginSession
from orchestrator.domain.errors import NotAuthenticated, NotFound


@dataclass(frozen=True)
class Login:
    employee: Employee
    token: str
    csrf_token: str
    expires_at: datetime


async def do_login(db: AsyncSession, email: str, password: str, *, hours: int) -> Login:
    employee = await db.scalar(select(Employee).where(Employee.email == email.strip().lower()))
    ok = verify_password(employee.password_hash if employee else None, password)
    if employee is None or not ok or not employee.active:
        raise NotAuthenticated("e-mail or password is wrong", code="bad_credentials")
    token, csrf = new_token(), new_token()
    expires_at = datetime.now(UTC) + timedelta(hours=hours)
    db.add(
        LoginSession(
            token_hash=token_hash(token),
            employee_id=employee.id,
            csrf_token=csrf,
            expires_at=expires_at,
        )
    )
    return Login(employee, token, csrf, expires_at)


async def do_logout(db: AsyncSession, token: str) -> None:
    await db.execute(delete(LoginSession).where(LoginSession.token_hash == token_hash(token)))


@dataclass(frozen=True)
class EmployeeIdentity:
    actor: EmployeeActor
    employee: Employee
    csrf_token: str


async def employee_by_token(db: AsyncSession, token: str) -> EmployeeIdentity | None:
    row = await db.execute(
        select(LoginSession, Employee)
        .join(Employee, Employee.id == LoginSession.employee_id)
        .where(LoginSession.token_hash == token_hash(token))
    )
    found = row.first()
    if found is None:
        return None
    login, employee = found
    if login.expires_at <= datetime.now(UTC) or not employee.active:
        return None
    actor = EmployeeActor(employee.id, employee.organisation_id, employee.role)
    return EmployeeIdentity(actor, employee, login.csrf_token)


async def code_user_by_token(db: AsyncSession, token: str) -> CodeUserActor | None:
    code_user = await db.scalar(select(CodeUser).where(CodeUser.token_hash == token_hash(token)))
    if code_user is None:
        return None
    return CodeUserActor(code_user.id, code_user.organisation_id)


@dataclass(frozen=True)
class OpenedDevice:
    device: Device
    actor: CodeUserActor
    new_token: str | None


async def do_open_device(db: AsyncSession, code: str, token: str | None) -> OpenedDevice:
    """What scanning a device's QR code does: the device, and the code user's identity.

    A token of the same organisation is kept; a missing, unknown or foreign one gives
    a new anonymous identity (the browser stores the new token).
    """
    device = await db.scalar(select(Device).where(Device.code == code))
    if device is None:
        raise NotFound("no device has this code", field="code", code="unknown_device")
    if token:
        actor = await code_user_by_token(db, token)
        if actor is not None and actor.organisation_id == device.organisation_id:
            return OpenedDevice(device, actor, None)
    fresh = new_token("cu_")
    code_user = CodeUser(
        organisation_id=device.organisation_id, device_id=device.id, token_hash=token_hash(fresh)
    )
    db.add(code_user)
    await db.flush()
    return OpenedDevice(device, CodeUserActor(code_user.id, device.organisation_id), fresh)
