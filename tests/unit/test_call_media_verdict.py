"""The pure rule that moves calls by media: every case of ``media_verdict`` in one table."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from orchestrator.domain.calls import (
    CallEndReason,
    CallSide,
    MediaPicture,
    Verdict,
    media_verdict,
    parse_participant_key,
    participant_key,
)

T0 = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
GRACE = timedelta(seconds=20)
SETUP = timedelta(seconds=45)
E, C = CallSide.EMPLOYEE, CallSide.CODE_USER
BOTH = frozenset({E, C})
NONE: frozenset[CallSide] = frozenset()


def picture(
    flowing: frozenset[CallSide],
    present: frozenset[CallSide],
    *,
    healthy: bool = True,
    started: bool = True,
    lost_at: datetime | None = None,
) -> MediaPicture:
    return MediaPicture(
        flowing=flowing,
        present=present,
        node_healthy=healthy,
        answered_at=T0,
        media_started_at=T0 if started else None,
        media_lost_at=lost_at,
    )


LATER = T0 + timedelta(seconds=5)
CASES = [
    # before media first flows
    ("both flow: start", picture(BOTH, BOTH, started=False), LATER, Verdict(start=True)),
    ("one side flows: wait", picture(frozenset({E}), BOTH, started=False), LATER, Verdict()),
    (
        "no media within the ring time",
        picture(frozenset({E}), BOTH, started=False),
        T0 + SETUP,
        Verdict(end_reason=CallEndReason.MEDIA_LOST),
    ),
    (
        "dead node before media",
        picture(BOTH, BOTH, started=False, healthy=False),
        T0 + SETUP,
        Verdict(end_reason=CallEndReason.JANUS_FAILED),
    ),
    # after media flowed
    ("still both", picture(BOTH, BOTH), LATER, Verdict()),
    ("one stops: grace starts", picture(frozenset({E}), BOTH), LATER, Verdict(lost_since=LATER)),
    (
        "one left, inside grace",
        picture(frozenset({E}), frozenset({E}), lost_at=T0),
        T0 + GRACE - timedelta(seconds=1),
        Verdict(lost_since=T0),
    ),
    (
        "one left, past grace",
        picture(frozenset({E}), frozenset({E}), lost_at=T0),
        T0 + GRACE,
        Verdict(lost_since=T0, end_reason=CallEndReason.MEDIA_LOST),
    ),
    (
        "both left: hang-up at once",
        picture(NONE, NONE),
        LATER,
        Verdict(lost_since=LATER, end_reason=CallEndReason.HANGUP),
    ),
    (
        "back inside grace",
        picture(BOTH, BOTH, lost_at=T0),
        T0 + GRACE - timedelta(seconds=1),
        Verdict(),
    ),
    (
        "node dies: grace, not hang-up",
        picture(BOTH, BOTH, healthy=False),
        LATER,
        Verdict(lost_since=LATER),
    ),
    (
        "node dead past grace",
        picture(NONE, NONE, healthy=False, lost_at=T0),
        T0 + GRACE,
        Verdict(lost_since=T0, end_reason=CallEndReason.JANUS_FAILED),
    ),
]


@pytest.mark.parametrize(("name", "seen", "now", "expected"), CASES, ids=[c[0] for c in CASES])
def test_media_verdict(name: str, seen: MediaPicture, now: datetime, expected: Verdict) -> None:
    assert media_verdict(seen, now=now, grace=GRACE, setup=SETUP) == expected


def test_participant_keys_round_trip_and_refuse_strangers() -> None:
    assert participant_key(E, 7) == "employee:7"
    assert parse_participant_key("code_user:3") == (C, 3)
    for key in ("admin:1", "employee:", "employee:x", "synthetic", ""):
        assert parse_participant_key(key) is None
