"""Calls: their states, end reasons and the pure rule that follows media (no I/O).

A call is one ring-and-talk attempt of a video session (``docs/calls.md``). The
session's status follows media, not buttons: :func:`media_verdict` looks at what
Janus reported about each side and says whether the call has just started (both
sides' media flow), must end (both gone, or one gone past the grace period), or
goes on. The actions apply the verdict; this module only decides.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from orchestrator.domain.types import ParticipantKind

CallSide = ParticipantKind
"""The two sides of a call: the employee side and the code-user side."""


class CallState(StrEnum):
    RINGING = "ringing"
    ACTIVE = "active"
    ENDED = "ended"


class CallEndReason(StrEnum):
    HANGUP = "hangup"
    DECLINED = "declined"
    MISSED = "missed"
    MEDIA_LOST = "media_lost"
    CANCELLED = "cancelled"
    JANUS_FAILED = "janus_failed"


def other_side(side: CallSide) -> CallSide:
    return CallSide.CODE_USER if side is CallSide.EMPLOYEE else CallSide.EMPLOYEE


def participant_key(side: CallSide, person_id: int) -> str:
    """The Janus display and token name of a participant: ``employee:7``, ``code_user:3``."""
    return f"{side.value}:{person_id}"


def parse_participant_key(key: str) -> tuple[CallSide, int] | None:
    """The side and id in a participant key, or None if it is not one of ours."""
    side, _, raw_id = key.partition(":")
    if side not in (CallSide.EMPLOYEE.value, CallSide.CODE_USER.value) or not raw_id.isdigit():
        return None
    return CallSide(side), int(raw_id)


@dataclass(frozen=True)
class MediaPicture:
    """What is known about an active call's media at one moment."""

    flowing: frozenset[CallSide]
    """Sides with at least one publisher whose media Janus receives."""
    present: frozenset[CallSide]
    """Sides with at least one publisher still in the room (flowing or not)."""
    node_healthy: bool
    answered_at: datetime
    media_started_at: datetime | None
    media_lost_at: datetime | None


@dataclass(frozen=True)
class Verdict:
    """What to do with an active call now."""

    start: bool = False
    """Both sides flow for the first time: the call (and the session) runs."""
    lost_since: datetime | None = None
    """When the call stopped having both sides flowing (None while both flow)."""
    end_reason: CallEndReason | None = None
    """Set when the call must end now."""


def media_verdict(
    picture: MediaPicture, *, now: datetime, grace: timedelta, setup: timedelta
) -> Verdict:
    """Decide an active call's fate from its media picture.

    Before media first flows, the call has ``setup`` (the ring time) from the
    accept to get both sides flowing. Afterwards, a side that stops flowing (a
    reload, a network hiccup, a dead Janus node) has ``grace`` to come back;
    when both sides have left the room, the call ends at once.
    """
    both = picture.node_healthy and picture.flowing >= {CallSide.EMPLOYEE, CallSide.CODE_USER}
    if picture.media_started_at is None:
        if both:
            return Verdict(start=True)
        if now - picture.answered_at >= setup:
            return Verdict(end_reason=_lost_reason(picture))
        return Verdict()
    if both:
        return Verdict()
    lost_since = picture.media_lost_at or now
    if picture.node_healthy and not picture.present:
        return Verdict(lost_since=lost_since, end_reason=CallEndReason.HANGUP)
    if now - lost_since >= grace:
        return Verdict(lost_since=lost_since, end_reason=_lost_reason(picture))
    return Verdict(lost_since=lost_since)


def _lost_reason(picture: MediaPicture) -> CallEndReason:
    return CallEndReason.MEDIA_LOST if picture.node_healthy else CallEndReason.JANUS_FAILED
