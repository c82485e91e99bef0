"""Who is acting: an authenticated employee, a code user, or the system itself."""

from __future__ import annotations

from dataclasses import dataclass

from orchestrator.domain.errors import PermissionDenied
from orchestrator.domain.types import ActorKind, Role
from orchestrator.events.schemas import Actor


@dataclass(frozen=True)
class EmployeeActor:
    employee_id: int
    organisation_id: int
    role: Role

    kind = ActorKind.EMPLOYEE

    def as_event_actor(self) -> Actor:
        return Actor(kind=ActorKind.EMPLOYEE, id=self.employee_id)

    def require_role(self, *roles: Role) -> None:
        if self.role not in roles:
            names = " or ".join(r.value for r in roles)
            raise PermissionDenied(f"only an {names} may do this", data={"role": self.role.value})

    @property
    def is_moderator_or_admin(self) -> bool:
        return self.role in (Role.ADMINISTRATOR, Role.MODERATOR)


@dataclass(frozen=True)
class CodeUserActor:
    code_user_id: int
    organisation_id: int

    kind = ActorKind.CODE_USER

    def as_event_actor(self) -> Actor:
        return Actor(kind=ActorKind.CODE_USER, id=self.code_user_id)


@dataclass(frozen=True)
class SystemActor:
    """The orchestrator itself (Janus events, timers); it acts within one organisation."""

    organisation_id: int | None = None

    kind = ActorKind.SYSTEM

    def as_event_actor(self) -> Actor:
        return Actor(kind=ActorKind.SYSTEM)


AnyActor = EmployeeActor | CodeUserActor | SystemActor
