"""The notifier's pure parts: who is told about what, backoff, and the templates."""

from __future__ import annotations

import pytest

from notifier.audience import plan
from notifier.deliveries import backoff_seconds
from notifier.messages import KINDS, MessageContext, render
from orchestrator.domain.types import ActorKind, Language, SessionStatus
from orchestrator.events.schemas import Actor, Event, EventType
from tests.support.events import make_event


def event(
    kind: EventType,
    *,
    status: SessionStatus = SessionStatus.REQUESTED,
    actor: int | None = None,
    data: dict[str, object] | None = None,
) -> Event:
    base = make_event(kind)
    session = base.payload.session.model_copy(
        update={"responsible_ids": [3, 5, 3], "status": status}
    )
    payload = base.payload.model_copy(
        update={
            "session": session,
            "actor": Actor(kind=ActorKind.EMPLOYEE, id=actor) if actor else base.payload.actor,
            "data": data or {},
        }
    )
    return base.model_copy(update={"payload": payload})


def test_a_request_goes_to_every_responsible_employee_and_is_recorded() -> None:
    what = plan(event("session.requested"))
    assert what is not None
    assert (what.kind, what.recipient_ids, what.records_receipt) == (
        "session.requested",
        [3, 5],
        True,
    )


def test_confirm_and_cancel_skip_the_employee_who_did_it() -> None:
    confirmed = plan(event("session.confirmed", status=SessionStatus.CONFIRMED, actor=3))
    assert confirmed is not None and confirmed.recipient_ids == [5]
    cancelled = plan(event("session.status_changed", status=SessionStatus.CANCELLED, actor=5))
    assert cancelled is not None
    assert (cancelled.kind, cancelled.recipient_ids) == ("session.cancelled", [3])
    assert plan(event("session.status_changed", status=SessionStatus.DONE)) is None


def test_only_a_call_from_the_code_user_is_announced_and_never_in_app() -> None:
    ringing = plan(event("call.ringing", data={"from": "code_user"}))
    assert ringing is not None and ringing.live_channels is False
    assert plan(event("call.ringing", data={"from": "employee"})) is None
    assert plan(event("call.ended")) is None


def test_backoff_doubles_up_to_the_limit() -> None:
    assert [backoff_seconds(n, 2.0, 20.0) for n in range(1, 6)] == [2, 4, 8, 16, 20]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("language", list(Language))
def test_every_template_renders_with_the_deep_link(kind: str, language: Language) -> None:
    message = render(
        MessageContext(
            kind=kind,
            language=language,
            recipient_name="Kim",
            session_id=42,
            number=7,
            title="Press P-1",
            reason="Leaks oil\nsecond line",
            caller="Alex",
            site_url="https://support.example.org/",
        )
    )
    assert message.url == "https://support.example.org/app/sessions/42"
    assert message.url in message.body and "#7" in message.subject
    assert "$" not in message.subject + message.body
    assert ("Hallo Kim" if language is Language.DE else "Hello Kim") in message.body


def test_the_vapid_keys_command_prints_a_pair_that_signs(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from cryptography.hazmat.primitives import serialization
    from py_vapid import Vapid

    from orchestrator.cli import main
    from tests.support.push_service import b64decode

    assert main(["vapid-keys"]) == 0
    printed = dict(line.split("=", 1) for line in capsys.readouterr().out.splitlines())
    vapid = Vapid.from_string(private_key=printed["FERNBLICK_VAPID_PRIVATE_KEY"])
    public = vapid.public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    assert public == b64decode(printed["FERNBLICK_VAPID_PUBLIC_KEY"]) and len(public) == 65
