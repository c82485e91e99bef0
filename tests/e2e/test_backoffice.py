"""The back office (/app) in a real browser against the real orchestrator and Janus:
sessions from a ticket and from a device with their invitation, cancel during a call,
reopen a DONE session, and the language switch. Each test saves screenshots of the
pages it visits under tests/artifacts/<test>/."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import DEMO_DEVICE, Contexts
from tests.e2e.pages import (
    ADMIN_EMAIL,
    DEMO_PASSWORD,
    CodeUserPage,
    EmployeePage,
    accept_incoming,
    screenshot,
)

pytestmark = [pytest.mark.e2e, pytest.mark.janus]


def _tag() -> str:
    return uuid.uuid4().hex[:6]


def _in_call(contexts: Contexts, reason: str) -> tuple[CodeUserPage, EmployeePage, int]:
    """A code user's request, confirmed and called by the administrator, accepted: RUNNING."""
    code_user = CodeUserPage(contexts.phone()).open(DEMO_DEVICE)
    employee = EmployeePage(contexts.desktop()).login()
    session_id = code_user.request(f"{reason} {_tag()}")
    # The administrator is responsible for the demo device: the request announces itself.
    expect(employee.page.get_by_test_id("new-request-toast").first).to_be_visible()
    employee.confirm(session_id)
    employee.start_call(session_id)
    accept_incoming(code_user.page)
    employee.wait_for_status(session_id, "RUNNING")
    return code_user, employee, session_id


def test_employee_creates_a_session_from_a_ticket(contexts: Contexts) -> None:
    employee = EmployeePage(contexts.desktop()).login()
    page = employee.page
    employee.go("tickets")
    title = f"Spindel prüfen {_tag()}"
    page.get_by_test_id("new-ticket").click()
    dialog = page.get_by_test_id("ticket-dialog")
    dialog.get_by_test_id("ticket-title").fill(title)
    dialog.get_by_test_id("ticket-description").fill("Kunde meldet Geräusche an der Spindel.")
    dialog.get_by_test_id("ticket-device").select_option(label="Fräsmaschine FM-200")
    screenshot(page, "1-new-ticket")
    dialog.get_by_test_id("ticket-save").click()
    row = page.get_by_test_id("ticket").filter(has_text=title)
    expect(row).to_be_visible()
    row.get_by_test_id("edit-ticket").click()
    edit = page.get_by_test_id("ticket-dialog")
    edit.get_by_test_id("ticket-description").fill("Geräusche an der Spindel ab 3000/min.")
    edit.get_by_test_id("ticket-save").click()
    expect(row).to_contain_text("ab 3000/min")
    screenshot(page, "2-tickets")

    row.get_by_test_id("ticket-new-session").click()
    create = page.get_by_test_id("create-session-dialog")
    # The ticket's title and device are the starting point.
    expect(create.get_by_test_id("create-title")).to_have_value(title)
    expect(create.get_by_test_id("create-device").locator("option:checked")).to_have_text(
        re.compile("Fräsmaschine FM-200")
    )
    session_id = employee.create_session_in_dialog()
    link = employee.invite_link()
    assert re.search(r"/i/[\w-]+$", link), link
    screenshot(page, "3-created-with-invitation")

    create.get_by_test_id("open-created").click()
    expect(page).to_have_url(re.compile(f"/app/sessions/{session_id}$"))
    details = page.get_by_test_id("session-details")
    expect(details).to_have_attribute("data-status", "CONFIRMED")
    expect(details.get_by_test_id("detail-device")).to_have_text("Fräsmaschine FM-200")
    page.get_by_test_id("tab-tickets").click()
    expect(page).to_have_url(re.compile(f"/app/sessions/{session_id}/tickets$"))
    expect(page.get_by_test_id("linked-tickets")).to_contain_text(title)
    screenshot(page, "4-linked-tickets")

    # The customer opens the invitation on a phone: the session is theirs, on the device page.
    code_user = CodeUserPage(contexts.phone())
    code_user.page.goto(link)
    expect(code_user.page.get_by_test_id("device-name")).to_have_text("Fräsmaschine FM-200")
    expect(code_user.session(session_id)).to_have_attribute("data-status", "CONFIRMED")
    screenshot(code_user.page, "5-customer-phone")


def test_employee_creates_a_session_from_a_device(contexts: Contexts) -> None:
    employee = EmployeePage(contexts.desktop()).login()
    page = employee.page
    employee.go("devices")
    device = page.locator(f'[data-testid="device"][data-code="{DEMO_DEVICE}"]')
    expect(device.get_by_role("img")).to_be_visible()  # the device page's QR code
    screenshot(page, "1-devices")

    device.get_by_test_id("device-new-session").click()
    create = page.get_by_test_id("create-session-dialog")
    expect(create.get_by_test_id("create-device").locator("option:checked")).to_have_text(
        re.compile("Fräsmaschine FM-200")
    )
    reason = f"Fernwartung Achse {_tag()}"
    create.get_by_test_id("create-reason").fill(reason)
    session_id = employee.create_session_in_dialog()
    link = employee.invite_link()
    expect(create.get_by_test_id("invite-email")).to_have_attribute("href", re.compile("^mailto:"))
    screenshot(page, "2-created-with-invitation")
    create.get_by_test_id("dialog-close").click()

    # The new session is in the sessions table, confirmed, with its device.
    employee.go("sessions")
    row = employee.session(session_id)
    expect(row).to_have_attribute("data-status", "CONFIRMED")
    expect(row).to_contain_text(reason)
    expect(row).to_contain_text("Fräsmaschine FM-200")
    screenshot(page, "3-sessions-table")

    code_user = CodeUserPage(contexts.phone())
    code_user.page.goto(link)
    expect(code_user.session(session_id)).to_have_attribute("data-status", "CONFIRMED")
    screenshot(code_user.page, "4-customer-phone")


def test_cancel_during_a_call(contexts: Contexts) -> None:
    """A moderator cancels a session while the employee talks to the customer: the call
    ends on both screens and everyone sees CANCELLED with the reason."""
    code_user, employee, session_id = _in_call(contexts, "Display flackert")
    screenshot(employee.page, "1-employee-in-call")

    moderator = EmployeePage(contexts.desktop()).login(email="moderator@demo.fernblick.test")
    details = moderator.open_session(session_id)
    expect(details).to_have_attribute("data-status", "RUNNING")
    screenshot(moderator.page, "2-moderator-details-running")
    # The moderator steps back and in again as responsible (the version moves on twice).
    moderator.page.get_by_test_id("tab-employees").click()
    responsible = moderator.page.get_by_test_id("responsible")
    mine = responsible.locator("li", has_text="Moritz Moderator")
    mine.get_by_test_id("remove-responsible").click()
    expect(responsible).not_to_contain_text("Moritz Moderator")
    moderator.page.get_by_test_id("add-me").click()
    expect(responsible).to_contain_text("Moritz Moderator")
    screenshot(moderator.page, "3-moderator-employees-tab")
    moderator.page.get_by_test_id("tab-general").click()
    moderator.page.get_by_test_id("cancel-session").click()
    dialog = moderator.page.get_by_test_id("cancel-dialog")
    dialog.get_by_test_id("cancel-reason").fill("Techniker ist vor Ort")
    screenshot(moderator.page, "4-cancel-dialog")
    dialog.get_by_test_id("cancel-confirm").click()

    expect(details).to_have_attribute("data-status", "CANCELLED")
    expect(details.get_by_test_id("status-chip")).to_have_text("Abgebrochen")
    expect(details.get_by_test_id("history")).to_contain_text("Techniker ist vor Ort")
    expect(employee.page.get_by_test_id("call-screen")).to_have_count(0)
    expect(code_user.page.get_by_test_id("call-screen")).to_have_count(0)
    expect(code_user.session(session_id)).to_have_attribute("data-status", "CANCELLED")
    screenshot(moderator.page, "5-moderator-cancelled")
    screenshot(employee.page, "6-employee-after-cancel")
    screenshot(code_user.page, "7-customer-after-cancel")


def test_reopen_a_done_session(contexts: Contexts) -> None:
    code_user, employee, session_id = _in_call(contexts, "Nachfrage")
    employee.page.get_by_test_id("hangup").click()
    employee.wait_for_status(session_id, "DONE")

    details = employee.open_session(session_id)
    expect(details).to_have_attribute("data-status", "DONE")
    expect(details.get_by_test_id("status-chip")).to_have_text("Fertig")
    screenshot(employee.page, "1-done")
    details.get_by_test_id("reopen").click()
    expect(details).to_have_attribute("data-status", "CONFIRMED")
    expect(details.get_by_test_id("status-chip")).to_have_text("Bestätigt")
    expect(details.get_by_test_id("history")).to_contain_text("wieder geöffnet")
    expect(code_user.session(session_id)).to_have_attribute("data-status", "CONFIRMED")
    screenshot(employee.page, "2-reopened")

    # A reopened session can be called again.
    details.get_by_test_id("start-call").click()
    expect(code_user.page.get_by_test_id("incoming-call")).to_be_visible()
    screenshot(code_user.page, "3-customer-called-again")


def test_language_switch(contexts: Contexts) -> None:
    employee = EmployeePage(contexts.desktop())
    page = employee.page
    page.goto("/app")
    # The browser speaks English (DESKTOP locale): the login starts in English.
    expect(page.get_by_test_id("login-submit")).to_have_text("Log in")
    page.get_by_test_id("lang-de").click()
    expect(page.get_by_test_id("login-submit")).to_have_text("Anmelden")
    expect(page.locator("html")).to_have_attribute("lang", "de")
    screenshot(page, "1-login-german")

    employee.login()
    expect(page.get_by_test_id("nav-sessions")).to_have_text("Videositzungen")
    page.get_by_test_id("lang-en").click()
    expect(page.get_by_test_id("nav-sessions")).to_have_text("Video sessions")
    expect(page.get_by_test_id("filter-status").locator("option[value=REQUESTED]")).to_have_text(
        "Requested"
    )
    screenshot(page, "2-sessions-english")

    # The choice is remembered over the employee's own language (German) after a reload.
    page.reload()
    expect(page.get_by_test_id("nav-sessions")).to_have_text("Video sessions")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    employee.go("settings")
    expect(page.get_by_role("heading", name="Settings")).to_be_visible()
    screenshot(page, "3-settings-english")

    # From 360 px wide: the table turns into cards, nothing scrolls sideways.
    page.set_viewport_size({"width": 360, "height": 740})
    employee.go("sessions")
    expect(page.get_by_test_id("session").first).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "4-sessions-360px")


def test_administrator_sets_up_a_device_and_who_may_request(contexts: Contexts) -> None:
    admin = EmployeePage(contexts.desktop()).login()
    page = admin.page
    admin.go("devices")
    page.get_by_test_id("new-device").click()
    form = page.get_by_test_id("device-form")
    name = f"Prüfstand {_tag()}"
    form.get_by_test_id("device-name-input").fill(name)
    form.get_by_test_id("device-location").fill("Halle 3")
    form.get_by_label("Emil Employee").check()
    form.get_by_test_id("add-assistant-button").click()
    second = form.get_by_role("group", name="Schaltfläche 2")
    second.get_by_label("Beschriftung (Deutsch)").fill("Öffnungszeiten")
    second.get_by_label("Beschriftung (Englisch)").fill("Opening hours")
    second.get_by_label(re.compile("^Ziel")).fill("Mo bis Fr 8 bis 17 Uhr")
    screenshot(page, "1-new-device")
    form.get_by_test_id("device-save").click()
    card = page.get_by_test_id("device").filter(has_text=name)
    expect(card).to_contain_text("Emil Employee")
    code = str(card.get_attribute("data-code"))
    screenshot(page, "2-devices")

    original = page.context.request.get("/api/organisation").json()["settings"]
    admin.go("settings")
    try:
        page.get_by_test_id("setting-policy-nobody").check()
        page.get_by_label(re.compile("^An wen man sich")).fill("Bitte rufen Sie die Leitwarte an.")
        page.get_by_test_id("settings-save").click()
        expect(page.get_by_test_id("settings-saved")).to_be_visible()
        screenshot(page, "3-settings-nobody-may-request")

        phone = CodeUserPage(contexts.phone()).open(code)
        expect(phone.page.get_by_test_id("request-not-allowed")).to_contain_text("Leitwarte")
        phone.page.get_by_role("button", name="Öffnungszeiten").click()
        expect(phone.page.get_by_text("Mo bis Fr 8 bis 17 Uhr")).to_be_visible()
        screenshot(phone.page, "4-device-page")
    finally:
        # The stack is shared: the next tests request sessions again.
        csrf = page.evaluate(
            "() => fetch('/api/auth/me').then(r => r.json()).then(b => b.csrf_token)"
        )
        restored = page.context.request.patch(
            "/api/organisation", data={"settings": original}, headers={"X-CSRF-Token": csrf}
        )
        assert restored.ok, restored.text()

    # The device is deleted again: its card goes, its page no longer opens.
    admin.go("devices")
    card.get_by_test_id("edit-device").click()
    page.get_by_test_id("delete-device").click()
    page.get_by_test_id("delete-device-confirm").click()
    expect(card).to_have_count(0)
    assert page.context.request.post("/api/code-user/open", data={"code": code}).status == 404


def test_the_table_searches_filters_and_shows_more(contexts: Contexts) -> None:
    employee = EmployeePage(contexts.desktop()).login()
    page = employee.page
    tag = f"Serie{_tag()}"
    csrf = {
        "X-CSRF-Token": page.evaluate(
            "() => fetch('/api/auth/me').then(r => r.json()).then(b => b.csrf_token)"
        )
    }
    ids = []
    for n in range(101):
        created = page.context.request.post(
            "/api/sessions", data={"title": f"{tag} {n}"}, headers=csrf
        )
        assert created.status == 201, created.text()
        ids.append(created.json()["id"])
    page.get_by_test_id("filter-search").fill(tag)
    expect(page.get_by_test_id("session")).to_have_count(100)
    expect(page.get_by_test_id("sessions-count")).to_contain_text("100")
    page.get_by_test_id("sessions-more").click()
    expect(page.get_by_test_id("session")).to_have_count(101)
    expect(page.get_by_test_id("sessions-more")).to_have_count(0)

    # Oldest first by number, then only cancelled ones (none of these).
    page.get_by_test_id("sort").select_option("number")
    expect(page.get_by_test_id("session").first).to_have_attribute("data-session-id", str(ids[0]))
    screenshot(page, "1-search-sorted")
    page.get_by_test_id("filter-status").select_option("CANCELLED")
    expect(page.get_by_test_id("sessions-empty")).to_be_visible()
    screenshot(page, "2-filtered-empty")


def test_an_expired_login_leads_back_to_the_same_page(contexts: Contexts) -> None:
    employee = EmployeePage(contexts.desktop()).login()
    page = employee.page
    employee.go("tickets")
    expect(page.get_by_test_id("new-ticket")).to_be_visible()
    # The login ends elsewhere (another tab logs out): the next answer is 401.
    page.evaluate(
        """() => fetch('/api/auth/me').then(r => r.json()).then(me =>
             fetch('/api/auth/logout', {method: 'POST', headers: {'X-CSRF-Token': me.csrf_token}}))"""
    )
    page.get_by_test_id("nav-devices").click()
    expect(page.get_by_test_id("login-form")).to_be_visible()
    screenshot(page, "1-login-again")
    page.get_by_test_id("login-email").fill(ADMIN_EMAIL)
    page.get_by_test_id("login-password").fill(DEMO_PASSWORD)
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("devices")).to_be_visible()
    expect(page).to_have_url(re.compile("/app/devices$"))


def test_administrator_adds_an_employee_and_a_team(contexts: Contexts) -> None:
    admin = EmployeePage(contexts.desktop()).login()
    page = admin.page
    admin.go("employees")
    name = f"Erika {_tag()}"
    email = f"{name.split()[1]}@demo.fernblick.test"
    page.get_by_test_id("new-employee").click()
    dialog = page.get_by_test_id("employee-dialog")
    dialog.get_by_label("Name").fill(name)
    dialog.get_by_label("E-Mail").fill(email)
    dialog.get_by_label(re.compile("^Erstes Passwort")).fill(DEMO_PASSWORD)
    dialog.get_by_label("Sprache").select_option("en")
    screenshot(page, "1-new-employee")
    dialog.get_by_role("button", name="Speichern").click()
    expect(page.get_by_test_id("employee").filter(has_text=name)).to_be_visible()

    page.get_by_test_id("new-team").click()
    team = page.get_by_test_id("team-dialog")
    team.get_by_label("Teamname").fill(f"Team {name}")
    team.get_by_label(name).check()
    team.get_by_role("button", name="Speichern").click()
    expect(page.get_by_test_id("teams")).to_contain_text(f"Team {name}: {name}")
    screenshot(page, "2-employees-and-teams")

    # A new password, set by the administrator, works (the old one no longer does).
    page.get_by_test_id("employee").filter(has_text=name).get_by_test_id("set-password").click()
    password = page.get_by_test_id("password-dialog")
    password.get_by_test_id("new-password").fill("neues-passwort-2026")
    password.get_by_test_id("password-save").click()
    expect(password).to_have_count(0)
    check = contexts.desktop().context.request
    assert check.post(
        "/api/auth/login", data={"email": email, "password": "neues-passwort-2026"}
    ).ok
    assert (
        check.post("/api/auth/login", data={"email": email, "password": DEMO_PASSWORD}).status
        == 401
    )
    page.get_by_test_id("employee").filter(has_text=name).get_by_test_id("set-password").click()
    password.get_by_test_id("new-password").fill(DEMO_PASSWORD)
    password.get_by_test_id("password-save").click()
    expect(password).to_have_count(0)

    # The new employee logs in; her back office speaks her language and has no admin menu.
    erika = EmployeePage(contexts.desktop()).login(email=email)
    expect(erika.page.get_by_test_id("nav-sessions")).to_have_text("Video sessions")
    expect(erika.page.get_by_test_id("nav-employees")).to_have_count(0)
    screenshot(erika.page, "3-new-employee-logged-in")
