"""Phone-sized flows (360 px wide) for both faces a phone shows: the code user's
device page and the employee mobile view (/m), plus a mobile employee whose browser
denies the microphone. Screenshots go to tests/artifacts/<test>/."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, Playwright, expect

from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, DEMO_DEVICE, SMALL_PHONE, Contexts, Stack
from tests.e2e.pages import (
    CodeUserPage,
    EmployeePage,
    accept_incoming,
    screenshot,
    unique_reason,
    wait_for_remote_frames,
)

pytestmark = [pytest.mark.e2e, pytest.mark.janus]

# Apple's and Google's guidance for a finger: 44 CSS px at least.
MIN_TOUCH_PX = 44
NO_SIDEWAYS_SCROLL = "() => document.documentElement.scrollWidth <= window.innerWidth"


def _touch_height(page: Page, test_id: str) -> float:
    box = page.get_by_test_id(test_id).first.bounding_box()
    assert box is not None, f"{test_id} is not laid out"
    return float(box["height"])


def test_both_faces_on_a_360px_phone(contexts: Contexts) -> None:
    code_user = CodeUserPage(contexts.small_phone()).open(DEMO_DEVICE)
    assert code_user.page.evaluate(NO_SIDEWAYS_SCROLL)
    assert _touch_height(code_user.page, "assistant-request") >= MIN_TOUCH_PX
    # The language switch works at once and is remembered over a reload.
    code_user.page.get_by_test_id("lang-en").click()
    expect(code_user.page.get_by_test_id("assistant-request")).to_have_text(
        "Request a video session"
    )
    code_user.page.reload()
    expect(code_user.page.get_by_test_id("lang-en")).to_have_attribute("aria-pressed", "true")
    expect(code_user.page.locator("html")).to_have_attribute("lang", "en")
    screenshot(code_user.page, "01-device-page-english")

    employee = EmployeePage(contexts.small_phone(), path="/m").login()
    assert employee.page.evaluate(NO_SIDEWAYS_SCROLL)
    expect(employee.page.get_by_test_id("tab-mine")).to_contain_text("Meine")  # the admin's German
    employee.page.get_by_test_id("lang-en").click()
    expect(employee.page.get_by_test_id("tab-mine")).to_contain_text("Mine")
    session_id = code_user.request(unique_reason())
    mine = employee.session(session_id)
    expect(mine).to_have_attribute("data-status", "REQUESTED")
    # One hand: the tabs sit at the bottom of the screen, the buttons are finger-sized.
    tabs = employee.page.get_by_test_id("tab-mine").bounding_box()
    assert tabs is not None and tabs["y"] + tabs["height"] > 740 * 0.8
    assert _touch_height(employee.page, "tab-mine") >= MIN_TOUCH_PX
    assert _touch_height(employee.page, "confirm") >= MIN_TOUCH_PX
    screenshot(employee.page, "02-mobile-request")

    employee.confirm(session_id)
    employee.start_call(session_id)
    accept_incoming(code_user.page)
    wait_for_remote_frames(employee.page)
    employee.wait_for_status(session_id, "RUNNING")
    assert employee.page.evaluate(NO_SIDEWAYS_SCROLL)
    screenshot(employee.page, "03-mobile-call")
    screenshot(code_user.page, "04-device-call")

    employee.page.get_by_test_id("hangup").click()
    expect(employee.page.get_by_test_id("call-screen")).to_have_count(0)
    employee.wait_for_status(session_id, "DONE")
    expect(code_user.session(session_id).get_by_test_id("rating-form")).to_be_visible()
    assert code_user.page.evaluate(NO_SIDEWAYS_SCROLL)
    screenshot(code_user.page, "05-device-rating")


def test_a_mobile_employee_who_denies_the_microphone_is_told_what_to_do(
    contexts: Contexts, playwright: Playwright, stack: Stack
) -> None:
    """Without the fake permission prompt, headless Chromium denies media access, as a
    person tapping "Block" would: the call screen on /m says how to allow it."""
    denying = playwright.chromium.launch(
        executable_path=CHROMIUM,
        args=[arg for arg in CHROMIUM_ARGS if arg != "--use-fake-ui-for-media-stream"],
    )
    try:
        phone = denying.new_context(base_url=stack.base_url, **SMALL_PHONE).new_page()
        employee = EmployeePage(phone, path="/m").login()
        code_user = CodeUserPage(contexts.phone()).open(DEMO_DEVICE)
        session_id = code_user.request(unique_reason())
        employee.confirm(session_id)
        employee.start_call(session_id)
        error = phone.get_by_test_id("call-error")
        expect(error).to_have_attribute("data-code", "permission_denied")
        expect(error).to_contain_text("Website-Einstellungen")  # the admin reads German
        screenshot(phone, "01-mobile-permission-denied")

        phone.get_by_test_id("hangup").click()
        expect(phone.get_by_test_id("call-screen")).to_have_count(0)
        assert employee.api_session(session_id)["status"] == "CONFIRMED"
    finally:
        denying.close()
