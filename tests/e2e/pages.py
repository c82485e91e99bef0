"""What the browser tests do on Fernblick's pages, by ``data-testid`` (a small page-object
layer, so that the tests read as the flow they check)."""

from __future__ import annotations

import os
import re
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import APIRequestContext, Page, expect

from tests.e2e.conftest import ADMIN_EMAIL, DEMO_DEVICE, DEMO_PASSWORD, Contexts

ARTIFACTS = Path(__file__).parents[1] / "artifacts"

# Counts the frames the remote video presents (requestVideoFrameCallback), afresh for
# each remote video track object; true once a frame of a track other than the one
# marked stale (by ``mark_remote_track_stale``, before a rejoin) had a real size.
REMOTE_FRAMES = """() => {
  const video = document.querySelector('[data-testid="remote-video"]');
  const track = video && video.srcObject && video.srcObject.getVideoTracks()[0];
  if (!track || track === video.__staleTrack) return false;
  if (video.__watchedTrack !== track) {
    video.__watchedTrack = track;
    video.__frames = 0;
    if (!video.__watching) {
      video.__watching = true;
      const tick = () => video.requestVideoFrameCallback(() => { video.__frames += 1; tick(); });
      tick();
    }
    return false;
  }
  return video.__frames > 0 && video.videoWidth > 0;
}"""

MARK_STALE = """() => {
  const video = document.querySelector('[data-testid="remote-video"]');
  video.__staleTrack = video.srcObject.getVideoTracks()[0];
}"""


def screenshot(page: Page, name: str) -> Path:
    """Save the whole page as tests/artifacts/<test>/<name>.png for a reviewer to look at."""
    current = os.environ.get("PYTEST_CURRENT_TEST", "outside-a-test").split(" ")[0]
    folder = ARTIFACTS / re.sub(r"[^\w.-]+", "_", current.split("::")[-1])
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def eventually(check: Callable[[], Any], what: str, timeout: float = 30.0) -> Any:
    """Poll ``check`` until it returns something truthy (a bound for failure, not a measure)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.2)


class CodeUserPage:
    """The device page /d/<code> on a phone."""

    def __init__(self, page: Page) -> None:
        self.page = page

    def open(self, code: str, query: str = "") -> CodeUserPage:
        self.page.goto(f"/d/{code}{query}")
        expect(self.page.get_by_test_id("device-name")).to_be_visible()
        return self

    def request(
        self, reason: str, contact: str = "+49 30 555 0101", *, consent: bool = True
    ) -> int:
        """Request a video session (agreeing to recording unless ``consent`` is False); the
        id of the new session in the own list."""
        self.open_request()
        self.page.get_by_test_id("request-reason").fill(reason)
        self.page.get_by_test_id("request-contact").fill(contact)
        if consent:
            self.page.get_by_test_id("request-consent").check()
        self.page.get_by_test_id("request-submit").click()
        row = self.page.get_by_test_id("session").filter(has_text=reason)
        expect(row).to_have_attribute("data-status", "REQUESTED")
        return int(row.get_attribute("data-session-id") or 0)

    def open_request(self) -> None:
        """The assistant's request button opens the request flow."""
        self.page.get_by_test_id("assistant-request").click()
        expect(self.page.get_by_test_id("request-form")).to_be_visible()

    def session(self, session_id: int) -> Any:
        return self.page.locator(f'[data-testid="session"][data-session-id="{session_id}"]')

    def token(self) -> str:
        return str(self.page.evaluate("localStorage.getItem('fernblick.codeUserToken')"))

    def rate(self, session_id: int, stars: int, comment: str) -> None:
        """Rate a finished session from its card."""
        form = self.session(session_id).get_by_test_id("rating-form")
        form.get_by_test_id(f"rating-star-{stars}").check()
        form.get_by_test_id("rating-comment").fill(comment)
        form.get_by_test_id("rating-submit").click()
        expect(self.session(session_id).get_by_test_id("rating-given")).to_be_visible()


class EmployeePage:
    """The employee's page: /app on a desktop, or the mobile view /m on a phone (both
    log in with the same form and list sessions with the same test ids)."""

    def __init__(self, page: Page, path: str = "/app") -> None:
        self.page = page
        self.path = path

    def login(self, email: str = ADMIN_EMAIL, query: str = "") -> EmployeePage:
        self.page.goto(f"{self.path}{query}")
        self.page.get_by_test_id("login-email").fill(email)
        self.page.get_by_test_id("login-password").fill(DEMO_PASSWORD)
        self.page.get_by_test_id("login-submit").click()
        expect(self.page.get_by_test_id("employee-name")).to_be_visible()
        return self

    def session(self, session_id: int) -> Any:
        return self.page.locator(f'[data-testid="session"][data-session-id="{session_id}"]')

    def confirm(self, session_id: int) -> None:
        self.session(session_id).get_by_test_id("confirm").click()
        expect(self.session(session_id)).to_have_attribute("data-status", "CONFIRMED")

    def start_call(self, session_id: int) -> None:
        self.session(session_id).get_by_test_id("start-call").click()
        expect(self.page.get_by_test_id("call-screen")).to_be_visible()

    def open_session(self, session_id: int, tab: str = "") -> Any:
        """The back office's details page of a session (General tab unless ``tab``)."""
        self.page.goto(f"/app/sessions/{session_id}" + (f"/{tab}" if tab else ""))
        details = self.page.get_by_test_id("session-details")
        expect(details).to_have_attribute("data-session-id", str(session_id))
        return details

    def go(self, section: str) -> None:
        """Open a back-office section from the main menu (sessions, devices, tickets, ...)."""
        self.page.get_by_test_id(f"nav-{section}").click()
        expect(self.page.get_by_test_id(f"nav-{section}")).to_have_attribute("aria-current", "page")

    def create_session_in_dialog(self) -> int:
        """Submit the open "new session" dialog; the new session's id."""
        dialog = self.page.get_by_test_id("create-session-dialog")
        dialog.get_by_test_id("create-submit").click()
        created = dialog.get_by_test_id("session-created")
        expect(created).to_be_visible()
        return int(created.get_attribute("data-session-id") or 0)

    def invite_link(self) -> str:
        """Create the invitation in the visible invite panel; its link (the QR code shows too)."""
        panel = self.page.get_by_test_id("invite-panel")
        panel.get_by_test_id("invite-create").click()
        expect(panel.get_by_test_id("invite-qr")).to_be_visible()
        return str(panel.get_by_test_id("invite-url").input_value())

    def api_session(self, session_id: int) -> dict[str, Any]:
        """The session as the API reports it (with this employee's cookie)."""
        response = self.page.context.request.get(f"/api/sessions/{session_id}")
        assert response.ok, response.text()
        return dict(response.json())

    def wait_for_status(self, session_id: int, status: str) -> None:
        eventually(
            lambda: self.api_session(session_id)["status"] == status,
            f"session {session_id} to become {status}",
        )


def accept_incoming(page: Page) -> None:
    page.get_by_test_id("accept-call").click()
    expect(page.get_by_test_id("call-screen")).to_be_visible()


def wait_for_remote_frames(page: Page) -> None:
    """The remote video decodes frames: requestVideoFrameCallback fired, videoWidth > 0."""
    page.wait_for_function(REMOTE_FRAMES, polling=100, timeout=45_000)


def reset_remote_frames(page: Page) -> None:
    """Count the remote video's frames from zero again (same track)."""
    page.evaluate(
        "() => { document.querySelector('[data-testid=\"remote-video\"]').__frames = 0; }"
    )


def mark_remote_track_stale(page: Page) -> None:
    """From now on only frames of another remote video track count (after a rejoin)."""
    page.evaluate(MARK_STALE)


def employee_api(request: APIRequestContext, email: str = ADMIN_EMAIL) -> dict[str, str]:
    """Log ``request`` in as an employee; the CSRF header for its unsafe requests."""
    response = request.post("/api/auth/login", data={"email": email, "password": DEMO_PASSWORD})
    assert response.ok, response.text()
    return {"X-CSRF-Token": response.json()["csrf_token"]}


def unique_reason() -> str:
    return f"Spindel quietscht {uuid.uuid4().hex[:8]}"


def connect_call(contexts: Contexts, query: str = "") -> tuple[CodeUserPage, EmployeePage, int]:
    """Request on the phone → the employee sees it live, confirms, STARTs → the phone
    accepts → the employee switches the camera on → both decode the other's video."""
    code_user = CodeUserPage(contexts.phone()).open(DEMO_DEVICE, query)
    employee = EmployeePage(contexts.desktop()).login(query=query)
    session_id = code_user.request(unique_reason())

    expect(employee.session(session_id)).to_have_attribute("data-status", "REQUESTED")
    employee.confirm(session_id)
    expect(code_user.session(session_id)).to_have_attribute("data-status", "CONFIRMED")

    employee.start_call(session_id)
    incoming = code_user.page.get_by_test_id("incoming-call")
    expect(incoming).to_be_visible()
    accept_incoming(code_user.page)
    # The employee's camera is off by default: audio only until switched on.
    expect(employee.page.get_by_test_id("toggle-camera")).to_have_attribute("aria-pressed", "false")
    employee.page.get_by_test_id("toggle-camera").click()
    expect(employee.page.get_by_test_id("toggle-camera")).to_have_attribute("aria-pressed", "true")

    wait_for_remote_frames(employee.page)
    wait_for_remote_frames(code_user.page)
    employee.wait_for_status(session_id, "RUNNING")
    return code_user, employee, session_id


def hang_up(hanging: Page, other: Page, employee: EmployeePage, session_id: int) -> None:
    hanging.get_by_test_id("hangup").click()
    expect(hanging.get_by_test_id("call-screen")).to_have_count(0)
    expect(other.get_by_test_id("call-screen")).to_have_count(0)
    employee.wait_for_status(session_id, "DONE")
