"""Calls in two real browsers through the real orchestrator, Janus and coturn
(docs/calls.md): a code user on a phone and an employee on a desktop."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Playwright, expect

from tests.e2e.conftest import (
    CHROMIUM,
    CHROMIUM_ARGS,
    DEMO_DEVICE,
    PHONE,
    Contexts,
    Stack,
    running_stack,
)
from tests.e2e.pages import (
    CodeUserPage,
    EmployeePage,
    accept_incoming,
    connect_call,
    employee_api,
    eventually,
    hang_up,
    mark_remote_track_stale,
    reset_remote_frames,
    unique_reason,
    wait_for_remote_frames,
)
from tests.support.coturn_server import CoturnServer

pytestmark = [pytest.mark.e2e, pytest.mark.janus]

# What the system does to a backgrounded phone's camera: the track ends.
LOSE_CAMERA = """() => {
  const video = document.querySelector('[data-testid="local-video"]');
  window.__lostTrack = video.srcObject.getVideoTracks()[0];
  window.__lostTrack.stop();
}"""
CAMERA_BACK = """() => {
  const video = document.querySelector('[data-testid="local-video"]');
  const track = video.srcObject && video.srcObject.getVideoTracks()[0];
  return Boolean(track && track !== window.__lostTrack && track.readyState === "live");
}"""


def test_request_appears_for_the_employee_live(contexts: Contexts) -> None:
    """The harness itself: a request made on the phone reaches the employee's page
    over the WebSocket, with the status chip in the employee's language."""
    employee = EmployeePage(contexts.desktop()).login()
    code_user = CodeUserPage(contexts.phone()).open(DEMO_DEVICE)
    reason = unique_reason()
    session_id = code_user.request(reason)

    row = employee.session(session_id)
    expect(row).to_have_attribute("data-status", "REQUESTED")
    expect(row.get_by_test_id("status-chip")).to_have_text("Angefragt")  # the admin speaks German
    expect(row).to_contain_text(reason)
    expect(code_user.session(session_id).get_by_test_id("status-chip")).to_have_text("Angefragt")


def test_call_from_request_to_done(contexts: Contexts) -> None:
    code_user, employee, session_id = connect_call(contexts)
    expect(employee.session(session_id).get_by_test_id("status-chip")).to_have_text("Läuft")
    expect(code_user.session(session_id)).to_have_attribute("data-status", "RUNNING")

    hang_up(code_user.page, employee.page, employee, session_id)
    expect(code_user.session(session_id)).to_have_attribute("data-status", "DONE")


def test_the_code_user_can_start_and_the_employee_accepts(contexts: Contexts) -> None:
    """START works from the phone too: the employee's page rings and accepts."""
    code_user = CodeUserPage(contexts.phone()).open(DEMO_DEVICE)
    employee = EmployeePage(contexts.desktop()).login(email="employee@demo.fernblick.test")
    session_id = code_user.request(unique_reason())
    employee.confirm(session_id)
    expect(code_user.session(session_id)).to_have_attribute("data-status", "CONFIRMED")

    code_user.session(session_id).get_by_test_id("start-call").click()
    expect(code_user.page.get_by_test_id("call-screen")).to_be_visible()
    incoming = employee.page.get_by_test_id("incoming-call")
    expect(incoming).to_contain_text("Incoming video call")  # this employee reads English
    accept_incoming(employee.page)
    wait_for_remote_frames(employee.page)
    employee.wait_for_status(session_id, "RUNNING")
    expect(employee.session(session_id).get_by_test_id("status-chip")).to_have_text("Running")
    hang_up(employee.page, code_user.page, employee, session_id)


def test_a_declined_call_closes_the_callers_screen(contexts: Contexts) -> None:
    code_user = CodeUserPage(contexts.phone()).open(DEMO_DEVICE)
    employee = EmployeePage(contexts.desktop()).login()
    session_id = code_user.request(unique_reason())
    employee.confirm(session_id)
    employee.start_call(session_id)

    code_user.page.get_by_test_id("decline-call").click()
    expect(code_user.page.get_by_test_id("incoming-call")).to_have_count(0)
    expect(employee.page.get_by_test_id("call-screen")).to_have_count(0)
    expect(employee.page.get_by_test_id("call-ended-toast")).to_have_text(
        "Der Anruf wurde abgelehnt."
    )
    assert employee.api_session(session_id)["status"] == "CONFIRMED"


def test_reload_during_the_call_rejoins_and_stays_running(contexts: Contexts) -> None:
    code_user, employee, session_id = connect_call(contexts)

    mark_remote_track_stale(employee.page)
    code_user.page.reload()
    expect(code_user.page.get_by_test_id("call-screen")).to_be_visible()
    wait_for_remote_frames(code_user.page)
    # The employee's subscription follows the code user's new feed.
    wait_for_remote_frames(employee.page)
    assert employee.api_session(session_id)["status"] == "RUNNING"
    history = [change["to_status"] for change in employee.api_session(session_id)["history"]]
    assert history.count("RUNNING") == 1, history

    hang_up(employee.page, code_user.page, employee, session_id)


def test_an_employee_reload_during_the_call_rejoins(contexts: Contexts) -> None:
    """The employee's side rejoins too (audio only again: the camera starts off)."""
    code_user, employee, session_id = connect_call(contexts)

    employee.page.reload()
    expect(employee.page.get_by_test_id("call-screen")).to_be_visible()
    expect(employee.page.get_by_test_id("call-screen")).to_have_attribute("data-phase", "connected")
    wait_for_remote_frames(employee.page)
    assert employee.api_session(session_id)["status"] == "RUNNING"

    hang_up(code_user.page, employee.page, employee, session_id)


def test_a_phone_that_loses_its_camera_gets_it_back_when_visible_again(
    contexts: Contexts,
) -> None:
    """A phone that switched apps or locked its screen finds its camera track ended;
    when the page is visible again the call screen acquires a new one and the other
    side sees video again, in the same call."""
    code_user, employee, session_id = connect_call(contexts)
    page = code_user.page
    page.evaluate(LOSE_CAMERA)
    page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    page.wait_for_function(CAMERA_BACK)

    reset_remote_frames(employee.page)
    wait_for_remote_frames(employee.page)
    assert employee.api_session(session_id)["status"] == "RUNNING"
    hang_up(page, employee.page, employee, session_id)


def test_a_phone_that_reloads_while_ringing_still_gets_the_call(contexts: Contexts) -> None:
    """The ring is not lost to a reload: the page catches up from the API and the
    call connects as usual."""
    code_user = CodeUserPage(contexts.phone()).open(DEMO_DEVICE)
    employee = EmployeePage(contexts.desktop()).login()
    session_id = code_user.request(unique_reason())
    employee.confirm(session_id)
    employee.start_call(session_id)
    expect(code_user.page.get_by_test_id("incoming-call")).to_be_visible()

    code_user.page.reload()
    expect(code_user.page.get_by_test_id("incoming-call")).to_be_visible()
    accept_incoming(code_user.page)
    wait_for_remote_frames(employee.page)
    employee.wait_for_status(session_id, "RUNNING")
    hang_up(code_user.page, employee.page, employee, session_id)


def test_a_phone_that_denies_camera_and_microphone_is_told_what_to_do(
    contexts: Contexts, playwright: Playwright, stack: Stack
) -> None:
    """Without the fake permission prompt, headless Chromium denies media access, as a
    person tapping "Block" would: the call screen says how to allow it."""
    denying = playwright.chromium.launch(
        executable_path=CHROMIUM,
        args=[arg for arg in CHROMIUM_ARGS if arg != "--use-fake-ui-for-media-stream"],
    )
    try:
        phone = denying.new_context(base_url=stack.base_url, **PHONE).new_page()
        code_user = CodeUserPage(phone).open(DEMO_DEVICE)
        employee = EmployeePage(contexts.desktop()).login()
        session_id = code_user.request(unique_reason())
        employee.confirm(session_id)
        employee.start_call(session_id)
        accept_incoming(phone)
        error = phone.get_by_test_id("call-error")
        expect(error).to_have_attribute("data-code", "permission_denied")
        expect(error).to_contain_text("Website-Einstellungen")

        phone.get_by_test_id("hangup").click()
        expect(phone.get_by_test_id("call-screen")).to_have_count(0)
        expect(employee.page.get_by_test_id("call-screen")).to_have_count(0)
        # No media ever flowed: the session is still waiting for its call.
        assert employee.api_session(session_id)["status"] == "CONFIRMED"
    finally:
        denying.close()


def test_another_sessions_token_cannot_join(contexts: Contexts, stack: Stack) -> None:
    """A code user holding a valid ticket for their own session B is refused by Janus
    when the ticket is pointed at session A's room (with A's pin): the per-participant
    token opens its own room only. The orchestrator refuses them A's call outright."""
    # Session A: a call rings (its room exists on Janus with the employee in it).
    code_user_a = CodeUserPage(contexts.phone()).open(DEMO_DEVICE)
    session_a = code_user_a.request(unique_reason())
    employee = EmployeePage(contexts.desktop()).login()
    employee.confirm(session_a)
    # A's room from the ticket START gave the employee's page (asking GET …/call would
    # admit the employee afresh and revoke the token their page is joining with).
    started_a = f"/api/sessions/{session_a}/call"
    with employee.page.expect_response(
        lambda response: response.url.endswith(started_a) and response.request.method == "POST"
    ) as started:
        employee.start_call(session_a)
    room_a = started.value.json()["ticket"]
    eventually(
        lambda: stack.room_displays(room_a["room_id"]), "the employee to join A's room on Janus"
    )

    # Session B, of another code user (a third browser), called by the employee through the API.
    intruder = CodeUserPage(contexts.phone()).open(DEMO_DEVICE)
    session_b = intruder.request(unique_reason())
    api = contexts.browser.new_context(base_url=stack.base_url).request
    csrf = employee_api(api)
    assert api.post(f"/api/sessions/{session_b}/confirm", headers=csrf).ok
    assert api.post(f"/api/sessions/{session_b}/call", headers=csrf).status == 201

    # The orchestrator gives the intruder nothing for A.
    foreign = intruder.page.context.request.get(
        f"/api/code-user/sessions/{session_a}/call",
        headers={"Authorization": f"Bearer {intruder.token()}"},
    )
    assert foreign.status in (403, 404), foreign.text()

    # Their own ticket for B, pointed at A's room and pin: Janus must refuse the join.
    def retarget(route) -> None:  # type: ignore[no-untyped-def]
        response = route.fetch()
        body = response.json()
        assert body["ticket"]["room_id"] != room_a["room_id"]
        body["ticket"]["room_id"] = room_a["room_id"]
        body["ticket"]["pin"] = room_a["pin"]
        route.fulfill(response=response, json=body)

    intruder.page.route(f"**/api/code-user/sessions/{session_b}/call/accept", retarget)
    expect(intruder.page.get_by_test_id("incoming-call")).to_be_visible()
    accept_incoming(intruder.page)
    error = intruder.page.get_by_test_id("call-error")
    expect(error).to_have_attribute("data-code", "refused")
    expect(error).to_have_attribute("data-detail", re.compile(r"not in the allowed list.*\b433\b"))
    expect(intruder.page.get_by_test_id("call-screen")).to_have_attribute("data-phase", "ended")

    # Nobody but the employee is in A's room.
    displays = stack.room_displays(room_a["room_id"])
    assert displays, "the employee should be in A's room"
    assert all(display.startswith("employee:") for display in displays), displays

    for session_id in (session_a, session_b):
        api.post(f"/api/sessions/{session_id}/call/hangup", headers=csrf)
    api.dispose()


def test_relay_only_through_coturn(contexts: Contexts) -> None:
    """Both browsers forced to TURN (iceTransportPolicy "relay") still talk."""
    code_user, employee, session_id = connect_call(contexts, query="?ice=relay")
    for page in (code_user.page, employee.page):
        expect(page.get_by_test_id("call-screen")).to_have_attribute("data-candidate-type", "relay")
    hang_up(employee.page, code_user.page, employee, session_id)


def test_janus_killed_mid_call_ends_it_and_the_next_call_uses_a_healthy_node(
    request: pytest.FixtureRequest,
    browser: Browser,
    web_dist: Path,
    coturn: CoturnServer,
    tmp_path: Path,
) -> None:
    """Two Janus nodes; the one holding the call dies: both browsers see the call end,
    the session ends DONE after the grace period, and after a reopen the next START
    lands on the node that is still alive."""
    fast = {"FERNBLICK_CALL_GRACE_SECONDS": "5", "FERNBLICK_JANUS_HEALTH_INTERVAL_SECONDS": "1"}
    with running_stack(tmp_path, web_dist, coturn, nodes=2, extra_env=fast) as stack:
        contexts = Contexts(browser, stack.base_url, request.node)
        try:
            code_user, employee, session_id = connect_call(contexts)
            request = employee.page.context.request
            ticket = request.get(f"/api/sessions/{session_id}/call").json()["ticket"]
            (doomed,) = [node for node in stack.nodes if node.public_url == ticket["janus_url"]]
            doomed.kill()

            for page in (code_user.page, employee.page):
                expect(page.get_by_test_id("call-screen")).to_have_count(0, timeout=60_000)
            employee.wait_for_status(session_id, "DONE")

            csrf = {"X-CSRF-Token": request.get("/api/auth/me").json()["csrf_token"]}
            version = employee.api_session(session_id)["version"]
            reopened = request.post(
                f"/api/sessions/{session_id}/reopen",
                headers={**csrf, "If-Match": f'"{version}"'},
            )
            assert reopened.ok, reopened.text()
            expect(employee.session(session_id)).to_have_attribute("data-status", "CONFIRMED")

            employee.start_call(session_id)
            accept_incoming(code_user.page)
            employee.page.get_by_test_id("toggle-camera").click()
            wait_for_remote_frames(employee.page)
            wait_for_remote_frames(code_user.page)
            again = request.get(f"/api/sessions/{session_id}/call").json()["ticket"]
            assert again["janus_url"] != doomed.public_url
            employee.wait_for_status(session_id, "RUNNING")
            hang_up(employee.page, code_user.page, employee, session_id)
        finally:
            contexts.close_all()
