"""The code user's device page and the employee mobile view (/m) in real browsers,
against the real orchestrator, Janus and coturn: request → notification → confirm →
START → accept → hang-up → rating, and withdrawing a request. Each step's page is
saved under tests/artifacts/<test>/ for a reviewer."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import DEMO_DEVICE, Contexts
from tests.e2e.pages import (
    CodeUserPage,
    EmployeePage,
    accept_incoming,
    screenshot,
    unique_reason,
    wait_for_remote_frames,
)

pytestmark = [pytest.mark.e2e, pytest.mark.janus]

# The bound for the responsible employee's notification (a failure bound).
NOTIFICATION_BOUND_MS = 2_000
CSRF_TOKEN = "() => fetch('/api/auth/me').then((r) => r.json()).then((b) => b.csrf_token)"


def test_request_with_consent_to_rating(contexts: Contexts) -> None:
    code_user = CodeUserPage(contexts.phone()).open(DEMO_DEVICE)
    screenshot(code_user.page, "01-device-page")
    # The administrator is responsible for the demo device: their open /m page is told.
    employee = EmployeePage(contexts.phone(), path="/m").login()
    screenshot(employee.page, "02-mobile-signed-in")

    code_user.open_request()
    screenshot(code_user.page, "03-request-form")
    reason = unique_reason()
    session_id = code_user.request(reason)
    expect(code_user.page.get_by_test_id("request-sent")).to_be_visible()
    screenshot(code_user.page, "04-requested")

    toast = employee.page.get_by_test_id("notification-toast")
    expect(toast).to_be_visible(timeout=NOTIFICATION_BOUND_MS)
    expect(employee.session(session_id)).to_have_attribute("data-status", "REQUESTED")
    screenshot(employee.page, "05-mobile-notified")
    assert employee.api_session(session_id)["recording_consent"] is True

    employee.confirm(session_id)
    expect(code_user.session(session_id)).to_have_attribute("data-status", "CONFIRMED")
    # Screen readers hear the change too (an aria-live region).
    expect(code_user.page.get_by_test_id("status-announcement")).to_contain_text("Bestätigt")
    employee.start_call(session_id)
    expect(code_user.page.get_by_test_id("incoming-call")).to_be_visible()
    screenshot(code_user.page, "06-incoming-call")
    accept_incoming(code_user.page)
    wait_for_remote_frames(employee.page)
    employee.wait_for_status(session_id, "RUNNING")
    screenshot(code_user.page, "07-call-code-user")
    screenshot(employee.page, "08-call-mobile")

    code_user.page.get_by_test_id("hangup").click()
    expect(code_user.page.get_by_test_id("call-screen")).to_have_count(0)
    expect(code_user.session(session_id)).to_have_attribute("data-status", "DONE")
    expect(code_user.session(session_id).get_by_test_id("rating-form")).to_be_visible()
    screenshot(code_user.page, "09-rating-form")
    code_user.rate(session_id, 4, "Schnell geholfen")
    screenshot(code_user.page, "10-rated")

    rating = employee.api_session(session_id)["rating"]
    assert rating["stars"] == 4 and rating["comment"] == "Schnell geholfen"


def test_withdraw_and_a_lost_token(contexts: Contexts) -> None:
    code_user = CodeUserPage(contexts.phone()).open(DEMO_DEVICE)
    employee = EmployeePage(contexts.phone(), path="/m").login()
    session_id = code_user.request(unique_reason())
    expect(employee.session(session_id)).to_have_attribute("data-status", "REQUESTED")

    code_user.session(session_id).get_by_test_id("withdraw").click()
    screenshot(code_user.page, "01-withdraw-asks-again")
    code_user.session(session_id).get_by_test_id("withdraw-yes").click()
    expect(code_user.session(session_id)).to_have_attribute("data-status", "CANCELLED")
    expect(code_user.page.get_by_test_id("withdrawn")).to_be_visible()
    screenshot(code_user.page, "02-withdrawn")
    expect(employee.session(session_id)).to_have_attribute("data-status", "CANCELLED")
    screenshot(employee.page, "03-mobile-sees-cancelled")
    assert employee.api_session(session_id)["status"] == "CANCELLED"

    # The browser forgets its token: a new identity, said plainly, without the old sessions.
    code_user.page.evaluate("localStorage.removeItem('fernblick.codeUserToken')")
    code_user.page.reload()
    expect(code_user.page.get_by_test_id("new-identity")).to_be_visible()
    expect(code_user.page.get_by_test_id("sessions-empty")).to_be_visible()
    expect(code_user.session(session_id)).to_have_count(0)
    screenshot(code_user.page, "04-new-identity")


def test_the_code_user_plays_their_own_recording(contexts: Contexts) -> None:
    """With consent, the employee records part of the call; after it the code user finds
    the recording on the session's card and plays it (fetched with the token)."""
    code_user = CodeUserPage(contexts.phone()).open(DEMO_DEVICE)
    employee = EmployeePage(contexts.phone(), path="/m").login()
    session_id = code_user.request(unique_reason())  # with consent
    employee.confirm(session_id)
    employee.start_call(session_id)
    accept_incoming(code_user.page)
    wait_for_remote_frames(employee.page)
    employee.wait_for_status(session_id, "RUNNING")

    csrf = {"X-CSRF-Token": employee.page.evaluate(CSRF_TOKEN)}
    started = employee.page.context.request.post(
        f"/api/sessions/{session_id}/recording/start", headers=csrf
    )
    assert started.status == 201, started.text()
    code_user.page.wait_for_timeout(4_000)  # a few seconds of picture to record
    code_user.page.get_by_test_id("hangup").click()
    expect(code_user.session(session_id)).to_have_attribute("data-status", "DONE")

    recording = code_user.session(session_id).locator(
        '[data-testid="artifact"][data-kind="recording"]'
    )
    # Finalizing and storing the file takes a moment after the call (a failure bound).
    expect(recording.get_by_test_id("artifact-open")).to_be_visible(timeout=90_000)
    screenshot(code_user.page, "01-recording-listed")
    recording.get_by_test_id("artifact-open").click()
    video = recording.get_by_test_id("artifact-video")
    expect(video).to_be_visible()
    code_user.page.wait_for_function(
        "(v) => v.readyState >= 1 && v.duration > 1", arg=video.element_handle()
    )
    screenshot(code_user.page, "02-recording-playing")
