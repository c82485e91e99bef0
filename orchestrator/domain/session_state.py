"""The video session state machine: one pure table, no I/O.

Every status change of a video session is decided here. The table mirrors the
lifecycle in ``docs/architecture.md``; ``next_state`` either returns the new status or
raises :class:`InvalidTransition` (the trigger does not apply in this state) or
:class:`PermissionDenied` (it applies, but not for this kind of actor).
"""

from __future__ import annotations

from dataclasses import dataclass

from orchestrator.domain.errors import InvalidInput, InvalidTransition, PermissionDenied
from orchestrator.domain.types import ActorKind, SessionStatus, Trigger

S = SessionStatus
T = Trigger
A = ActorKind


@dataclass(frozen=True)
class Rule:
    """One edge of the lifecycle: who may fire it, and where it leads."""

    target: SessionStatus
    actors: frozenset[ActorKind]


def _rule(target: SessionStatus, *actors: ActorKind) -> Rule:
    return Rule(target, frozenset(actors))


#: (current status or None for a new session, trigger) -> rule.
TRANSITIONS: dict[tuple[SessionStatus | None, Trigger], Rule] = {
    (None, T.REQUEST): _rule(S.REQUESTED, A.CODE_USER),
    (None, T.CREATE): _rule(S.CONFIRMED, A.EMPLOYEE),
    (S.REQUESTED, T.CONFIRM): _rule(S.CONFIRMED, A.EMPLOYEE),
    (S.CONFIRMED, T.CALL_STARTED): _rule(S.RUNNING, A.SYSTEM),
    (S.RUNNING, T.CALL_ENDED): _rule(S.DONE, A.SYSTEM),
    (S.DONE, T.REOPEN): _rule(S.CONFIRMED, A.EMPLOYEE),
    (S.REQUESTED, T.WITHDRAW): _rule(S.CANCELLED, A.CODE_USER),
    (S.REQUESTED, T.CANCEL): _rule(S.CANCELLED, A.EMPLOYEE),
    (S.CONFIRMED, T.CANCEL): _rule(S.CANCELLED, A.EMPLOYEE),
    (S.RUNNING, T.CANCEL): _rule(S.CANCELLED, A.EMPLOYEE),
    (S.DONE, T.CANCEL): _rule(S.CANCELLED, A.EMPLOYEE),
}

#: Edges an employee may take by hand with SET_STATUS: every edge of the table between
#: two existing statuses ("within the rules above"), including the automatic ones, so
#: that a stuck call can be marked RUNNING or DONE.
MANUAL_EDGES: frozenset[tuple[SessionStatus, SessionStatus]] = frozenset(
    (current, rule.target)
    for (current, _trigger), rule in TRANSITIONS.items()
    if current is not None
)

#: Statuses in which a call may be started or rejoined.
CALLABLE: frozenset[SessionStatus] = frozenset({S.CONFIRMED, S.RUNNING})

#: Statuses after which the session's room is destroyed.
FINISHED: frozenset[SessionStatus] = frozenset({S.DONE, S.CANCELLED})


def next_state(
    current: SessionStatus | None,
    trigger: Trigger,
    actor: ActorKind,
    target: SessionStatus | None = None,
) -> SessionStatus:
    """Return the status that ``trigger`` by ``actor`` leads to from ``current``.

    ``target`` is required for SET_STATUS and ignored otherwise.
    """
    if trigger is Trigger.SET_STATUS:
        return _manual(current, actor, target)
    rule = TRANSITIONS.get((current, trigger))
    if rule is None:
        raise InvalidTransition(
            f"cannot {trigger.value} a session that is {_name(current)}",
            data={"status": _name(current), "trigger": trigger.value},
        )
    if actor not in rule.actors:
        raise PermissionDenied(
            f"a {actor.value} may not {trigger.value} a session",
            data={"status": _name(current), "trigger": trigger.value},
        )
    return rule.target


def _manual(
    current: SessionStatus | None, actor: ActorKind, target: SessionStatus | None
) -> SessionStatus:
    if target is None:
        raise InvalidInput("a target status is required", field="status")
    if actor is not ActorKind.EMPLOYEE:
        raise PermissionDenied(f"a {actor.value} may not set a status by hand")
    if current is None or (current, target) not in MANUAL_EDGES:
        raise InvalidTransition(
            f"cannot set a session that is {_name(current)} to {target.value}",
            data={"status": _name(current), "target": target.value},
        )
    return target


def allowed_triggers(current: SessionStatus, actor: ActorKind) -> list[Trigger]:
    """Triggers ``actor`` may fire now; the UI shows these as buttons."""
    found = [t for (s, t), rule in TRANSITIONS.items() if s == current and actor in rule.actors]
    if actor is ActorKind.EMPLOYEE and any(s == current for s, _ in MANUAL_EDGES):
        found.append(Trigger.SET_STATUS)
    return found


def manual_targets(current: SessionStatus) -> list[SessionStatus]:
    """Statuses an employee may set by hand from ``current``."""
    return sorted((t for s, t in MANUAL_EDGES if s == current), key=list(SessionStatus).index)


def _name(status: SessionStatus | None) -> str:
    return "new" if status is None else status.value
