"""Recording rules, pure: when a session may be recorded, and the recording states.

The API asks :func:`refusal` before a recording starts; the answer is the one error
the employee sees (403 when the organisation or the code user does not allow it,
409 when the call is not in a state that can be recorded).
"""

from __future__ import annotations

from enum import StrEnum

from orchestrator.domain.errors import Conflict, FernblickError, PermissionDenied
from orchestrator.domain.types import SessionStatus


class RecordingState(StrEnum):
    RECORDING = "recording"
    """Asked to run: the recorder is (or is about to be) writing segments."""
    STOPPED = "stopped"
    """Stopped by the employee, by the end of the call, or by a recorder failure."""


class RecordingStopReason(StrEnum):
    STOPPED = "stopped"
    CALL_ENDED = "call_ended"
    RECORDER_FAILED = "recorder_failed"


def refusal(
    *,
    recording_allowed: bool,
    consent: bool,
    status: SessionStatus,
    call_active: bool,
    already_recording: bool,
) -> FernblickError | None:
    """Why a recording may not start now, or None when it may."""
    if not recording_allowed:
        return PermissionDenied(
            "this organisation does not record video sessions", code="recording_not_allowed"
        )
    if not consent:
        return PermissionDenied(
            "the code user has not consented to a recording", code="recording_consent_missing"
        )
    if status is not SessionStatus.RUNNING or not call_active:
        return Conflict(
            "only a running call can be recorded",
            code="call_not_running",
            data={"status": status.value},
        )
    if already_recording:
        return Conflict("the call is already being recorded", code="already_recording")
    return None
