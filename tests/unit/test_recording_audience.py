"""Both sides' screens hear of a recording starting and stopping, with its id (the red dot)."""

from __future__ import annotations

from orchestrator.actions.actors import CodeUserActor, EmployeeActor
from orchestrator.domain.types import ActorKind, Role, SessionStatus, Visibility
from orchestrator.events.schemas import Actor, Event, SessionPayload, SessionRef
from orchestrator.realtime.ws import audience_view


def recording_event(event_type: str, visibility: Visibility) -> Event:
    return Event.model_validate(
        {
            "type": event_type,
            "payload": SessionPayload(
                session=SessionRef(
                    id=5,
                    organisation_id=1,
                    number=5,
                    title="",
                    status=SessionStatus.RUNNING,
                    visibility=visibility,
                    device_id=None,
                    requester_id=3,
                    responsible_ids=[],
                    version=4,
                ),
                actor=Actor(kind=ActorKind.EMPLOYEE, id=7),
                data={"recording_id": 11, "call_id": 2},
            ),
        }
    )


def test_both_sides_see_recording_events_with_the_recording_id() -> None:
    code_user = CodeUserActor(code_user_id=3, organisation_id=1)
    employee = EmployeeActor(employee_id=7, organisation_id=1, role=Role.EMPLOYEE)
    for event_type in ("recording.start", "recording.stop"):
        event = recording_event(event_type, Visibility.PUBLIC)
        for actor in (code_user, employee):
            view = audience_view(event, actor)
            assert view is not None and view["type"] == event_type
            assert view["payload"]["data"]["recording_id"] == 11


def test_strangers_and_internal_sessions_stay_silent() -> None:
    stranger = CodeUserActor(code_user_id=99, organisation_id=1)
    assert audience_view(recording_event("recording.start", Visibility.PUBLIC), stranger) is None
    own = CodeUserActor(code_user_id=3, organisation_id=1)
    assert audience_view(recording_event("recording.start", Visibility.INTERNAL), own) is None
