"""Recording a real two-browser call (docs/recording.md): the employee starts it on the
call screen, both sides see the red dot, the hang-up ends it, the recorder stores the
file, the code user plays it back in the browser (fetched through the orchestrator),
and ffprobe finds both participants' audio and video in it."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import DEMO_DEVICE, Contexts
from tests.e2e.pages import (
    CodeUserPage,
    EmployeePage,
    accept_incoming,
    connect_call,
    eventually,
    hang_up,
    unique_reason,
    wait_for_remote_frames,
)

pytestmark = [pytest.mark.e2e, pytest.mark.janus]

RECORD_MS = 8000
# The <video> of the opened artifact: it knows its length and its clock moves while it plays.
PLAYS = """async () => {
  const video = document.querySelector('[data-testid="artifact-video"]');
  if (!video || video.readyState < 1) return null;
  video.muted = true;
  await video.play();
  const start = video.currentTime;
  await new Promise((resolve) => setTimeout(resolve, 1500));
  return { duration: video.duration, start, now: video.currentTime, width: video.videoWidth };
}"""


def stored_recording(employee: EmployeePage, session_id: int) -> dict[str, Any]:
    def stored() -> dict[str, Any] | None:
        for artifact in employee.api_session(session_id)["artifacts"]:
            if artifact["kind"] == "recording" and artifact["state"] == "stored":
                return dict(artifact)
        return None

    found: dict[str, Any] = eventually(stored, "the stored recording", timeout=90)
    return found


def dot(page: Page) -> Any:
    return page.get_by_test_id("recording-dot")


def test_a_recorded_call_shows_the_dot_on_both_sides_and_plays_back(
    contexts: Contexts, tmp_path: Path
) -> None:
    code_user, employee, session_id = connect_call(contexts)
    expect(dot(employee.page)).to_be_hidden()
    expect(dot(code_user.page)).to_be_hidden()
    toggle = employee.page.get_by_test_id("recording-toggle")
    expect(toggle).to_have_attribute("aria-pressed", "false")
    expect(code_user.page.get_by_test_id("recording-toggle")).to_be_hidden()  # employees only

    toggle.click()
    expect(dot(employee.page)).to_be_visible()
    expect(dot(code_user.page)).to_be_visible()  # through the code user's live socket
    expect(toggle).to_have_attribute("aria-pressed", "true")
    box = dot(code_user.page).bounding_box()
    viewport = code_user.page.viewport_size
    assert box is not None and viewport is not None
    assert box["x"] < viewport["width"] / 4 and box["y"] < viewport["height"] / 4  # top left
    assert employee.api_session(session_id)["recording"] is not None
    employee.page.wait_for_timeout(RECORD_MS)

    hang_up(code_user.page, employee.page, employee, session_id)  # the call's end stops it
    artifact = stored_recording(employee, session_id)
    assert employee.api_session(session_id)["recording"] is None

    card = code_user.session(session_id)
    recording = card.locator('[data-testid="artifact"][data-kind="recording"]')
    recording.get_by_test_id("artifact-open").click()
    expect(recording.get_by_test_id("artifact-video")).to_be_visible()
    played = eventually(lambda: code_user.page.evaluate(PLAYS), "the recording to play", 30)
    # What plays is what was stored (bench/recording.py measures the stored duration
    # against the recorder's wall time on a quiet machine).
    assert abs(played["duration"] - artifact["duration_ms"] / 1000) < 0.5, (played, artifact)
    assert played["duration"] > RECORD_MS / 1000 - 2.5, played
    assert played["now"] > played["start"], played
    assert played["width"] > 0, played

    response = employee.page.request.get(
        f"/api/sessions/{session_id}/artifacts/{artifact['id']}/content"
    )
    assert response.ok, response.status
    path = tmp_path / "recording.mkv"
    path.write_bytes(response.body())
    assert path.stat().st_size == artifact["size_bytes"]
    probe = json.loads(
        subprocess.run(
            ["ffprobe", "-v", "error", "-show_format", "-show_streams", "-of", "json", str(path)],
            capture_output=True,
            check=True,
            timeout=30,
        ).stdout
    )
    tracks = sorted(
        (s.get("tags", {}).get("title", "").split(":")[0], s["codec_type"])
        for s in probe["streams"]
    )
    assert tracks == [
        ("code_user", "audio"),
        ("code_user", "video"),
        ("employee", "audio"),
        ("employee", "video"),
    ]
    # The dot shows from the employee's click; the file starts at the first keyframe
    # Janus forwards after ffmpeg is up (about a second later on these machines).
    assert float(probe["format"]["duration"]) > RECORD_MS / 1000 - 2.5


def test_a_code_user_who_did_not_consent_is_asked_on_the_call_screen(contexts: Contexts) -> None:
    """Without consent at request time the employee cannot record; the code user's call
    screen asks, and once they agree the recording starts and stops from the button."""
    code_user = CodeUserPage(contexts.phone()).open(DEMO_DEVICE)
    employee = EmployeePage(contexts.desktop()).login(email="employee@demo.fernblick.test")
    session_id = code_user.request(unique_reason(), consent=False)
    employee.confirm(session_id)
    employee.start_call(session_id)
    accept_incoming(code_user.page)
    wait_for_remote_frames(employee.page)
    employee.wait_for_status(session_id, "RUNNING")

    question = code_user.page.get_by_test_id("recording-consent")
    expect(question).to_be_visible()
    expect(employee.page.get_by_test_id("recording-consent")).to_be_hidden()  # code users only
    toggle = employee.page.get_by_test_id("recording-toggle")
    toggle.click()
    expect(employee.page.get_by_test_id("recording-error")).to_be_visible()  # consent missing
    expect(dot(employee.page)).to_be_hidden()
    assert employee.api_session(session_id)["recording"] is None

    question.get_by_test_id("recording-consent-yes").click()
    expect(question).to_be_hidden()
    assert employee.api_session(session_id)["recording_consent"] is True
    toggle.click()
    expect(dot(employee.page)).to_be_visible()
    expect(dot(code_user.page)).to_be_visible()
    expect(toggle).to_have_text("Stop recording")  # this employee reads English

    toggle.click()
    expect(dot(employee.page)).to_be_hidden()
    expect(dot(code_user.page)).to_be_hidden()
    expect(toggle).to_have_text("Start recording")
    hang_up(employee.page, code_user.page, employee, session_id)
    stored_recording(employee, session_id)
