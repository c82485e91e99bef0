"""The state machine over every (state, trigger, actor) combination, and a stateful test."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from orchestrator.domain.errors import InvalidInput, InvalidTransition, PermissionDenied
from orchestrator.domain.session_state import (
    MANUAL_EDGES,
    allowed_triggers,
    manual_targets,
    next_state,
)
from orchestrator.domain.types import ActorKind as A
from orchestrator.domain.types import SessionStatus as S
from orchestrator.domain.types import Trigger as T

# The lifecycle table of docs/architecture.md, written out independently of the module.
EXPECTED: dict[tuple[S | None, T], tuple[S, A]] = {
    (None, T.REQUEST): (S.REQUESTED, A.CODE_USER),
    (None, T.CREATE): (S.CONFIRMED, A.EMPLOYEE),
    (S.REQUESTED, T.CONFIRM): (S.CONFIRMED, A.EMPLOYEE),
    (S.CONFIRMED, T.CALL_STARTED): (S.RUNNING, A.SYSTEM),
    (S.RUNNING, T.CALL_ENDED): (S.DONE, A.SYSTEM),
    (S.DONE, T.REOPEN): (S.CONFIRMED, A.EMPLOYEE),
    (S.REQUESTED, T.WITHDRAW): (S.CANCELLED, A.CODE_USER),
    (S.REQUESTED, T.CANCEL): (S.CANCELLED, A.EMPLOYEE),
    (S.CONFIRMED, T.CANCEL): (S.CANCELLED, A.EMPLOYEE),
    (S.RUNNING, T.CANCEL): (S.CANCELLED, A.EMPLOYEE),
    (S.DONE, T.CANCEL): (S.CANCELLED, A.EMPLOYEE),
}
STATES: list[S | None] = [None, *S]
PLAIN_TRIGGERS = [t for t in T if t is not T.SET_STATUS]


@pytest.mark.parametrize(
    ("state", "trigger", "actor"), list(itertools.product(STATES, PLAIN_TRIGGERS, list(A)))
)
def test_every_state_trigger_and_actor(state: S | None, trigger: T, actor: A) -> None:
    expected = EXPECTED.get((state, trigger))
    if expected is None:
        with pytest.raises(InvalidTransition) as info:
            next_state(state, trigger, actor)
        assert info.value.status == 409
    elif expected[1] is not actor:
        with pytest.raises(PermissionDenied):
            next_state(state, trigger, actor)
    else:
        assert next_state(state, trigger, actor) is expected[0]


MANUAL_EXPECTED = {(s, t) for (s, _), (t, _) in EXPECTED.items() if s is not None}


@pytest.mark.parametrize(("state", "target", "actor"), list(itertools.product(STATES, list(S), list(A))))
def test_set_status_by_hand(state: S | None, target: S, actor: A) -> None:
    if actor is not A.EMPLOYEE:
        with pytest.raises(PermissionDenied):
            next_state(state, T.SET_STATUS, actor, target)
    elif (state, target) in MANUAL_EXPECTED:
        assert next_state(state, T.SET_STATUS, actor, target) is target
    else:
        with pytest.raises(InvalidTransition):
            next_state(state, T.SET_STATUS, actor, target)


def test_set_status_needs_a_target() -> None:
    with pytest.raises(InvalidInput):
        next_state(S.REQUESTED, T.SET_STATUS, A.EMPLOYEE, None)


def test_manual_edges_are_the_table_edges() -> None:
    assert set(MANUAL_EDGES) == MANUAL_EXPECTED
    assert manual_targets(S.CANCELLED) == []
    assert manual_targets(S.REQUESTED) == [S.CONFIRMED, S.CANCELLED]


def test_allowed_triggers_for_buttons() -> None:
    assert allowed_triggers(S.REQUESTED, A.EMPLOYEE) == [T.CONFIRM, T.CANCEL, T.SET_STATUS]
    assert allowed_triggers(S.REQUESTED, A.CODE_USER) == [T.WITHDRAW]
    assert allowed_triggers(S.CANCELLED, A.EMPLOYEE) == []


class Lifecycle(RuleBasedStateMachine):
    """Random walks through the lifecycle agree with a model of the table."""

    def __init__(self) -> None:
        super().__init__()
        self.status: S | None = None
        self.history: list[S] = []

    @rule(trigger=st.sampled_from(list(T)), actor=st.sampled_from(list(A)), goal=st.sampled_from(list(S)))
    def fire(self, trigger: T, actor: A, goal: S) -> None:
        target = goal
        if trigger is T.SET_STATUS:
            legal = actor is A.EMPLOYEE and (self.status, target) in MANUAL_EXPECTED
            expected_target: S | None = target if legal else None
        else:
            entry = EXPECTED.get((self.status, trigger))
            expected_target = entry[0] if entry and entry[1] is actor else None
        try:
            result = next_state(self.status, trigger, actor, target)
        except (InvalidTransition, PermissionDenied):
            assert expected_target is None
            return
        assert result is expected_target
        self.status = result
        self.history.append(result)

    @precondition(lambda self: self.status is S.CANCELLED)
    @rule()
    def cancelled_is_final(self) -> None:
        for trigger, actor in itertools.product(list(T), list(A)):
            for target in S:
                with pytest.raises((InvalidTransition, PermissionDenied, InvalidInput)):
                    next_state(S.CANCELLED, trigger, actor, target)

    @invariant()
    def only_known_statuses(self) -> None:
        assert self.status is None or self.status in S
        if self.history:
            assert self.history[0] in (S.REQUESTED, S.CONFIRMED)


TestLifecycle = Lifecycle.TestCase
