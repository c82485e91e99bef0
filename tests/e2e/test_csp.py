"""The web app runs under the Content-Security-Policy (no inline script or style):
the device page, the back office, the API documentation and a whole call report
no violation in Chromium."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import DEMO_DEVICE, Contexts
from tests.e2e.pages import CodeUserPage, EmployeePage, accept_incoming, wait_for_remote_frames

pytestmark = [pytest.mark.e2e, pytest.mark.janus]

RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(`${e.effectiveDirective} blocked ${e.blockedURI || "inline"} in ${e.sourceFile}:${e.lineNumber}`);
});
"""


def watched(page: Page) -> Page:
    """Record CSP violations of every document ``page`` loads, from the console too."""
    page.add_init_script(RECORD_VIOLATIONS)
    console: list[str] = []
    page.on(
        "console",
        lambda message: (
            console.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.__dict__["csp_console"] = console
    return page


def violations(page: Page) -> list[str]:
    return [*page.evaluate("() => window.__csp"), *page.__dict__["csp_console"]]


def test_pages_and_a_call_raise_no_csp_violation(contexts: Contexts) -> None:
    phone = watched(contexts.phone())
    desktop = watched(contexts.desktop())
    response = phone.goto(f"/d/{DEMO_DEVICE}")
    assert response is not None
    policy = response.headers["content-security-policy"]
    assert "unsafe-inline" not in policy and "script-src 'self'" in policy
    code_user = CodeUserPage(phone).open(DEMO_DEVICE)
    employee = EmployeePage(desktop).login()
    session_id = code_user.request(f"CSP {uuid.uuid4().hex[:8]}")
    employee.confirm(session_id)
    employee.start_call(session_id)
    expect(phone.get_by_test_id("incoming-call")).to_be_visible()
    accept_incoming(phone)
    wait_for_remote_frames(desktop)  # the phone's camera (the employee's starts off)
    employee.wait_for_status(session_id, "RUNNING")
    desktop.get_by_test_id("hangup").click()
    employee.wait_for_status(session_id, "DONE")
    assert violations(phone) == [] and violations(desktop) == []

    docs = watched(contexts.desktop())
    docs.goto("/api/docs")
    expect(docs.locator("h1")).to_contain_text("Fernblick API")
    # The linked stylesheet applied (an inline one would have been blocked).
    assert docs.evaluate("() => getComputedStyle(document.body).maxWidth") != "none"
    assert violations(docs) == []
    # The watch itself works: an inline style is blocked and reported.
    docs.evaluate(
        "() => { const s = document.createElement('style'); s.textContent = 'h1{color:red}';"
        " document.head.append(s); }"
    )
    docs.wait_for_function("() => window.__csp.length > 0")
    assert any(v.startswith("style-src-elem blocked inline") for v in violations(docs))
