"""Invite links in real browsers: an employee creates a session without a device,
hands the customer its link, and they talk (docs/api.md, invites)."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import DEMO_DEVICE, Contexts
from tests.e2e.pages import (
    CodeUserPage,
    EmployeePage,
    accept_incoming,
    wait_for_remote_frames,
)

pytestmark = [pytest.mark.e2e, pytest.mark.janus]


def test_invite_link_without_device_leads_to_a_call(contexts: Contexts) -> None:
    employee = EmployeePage(contexts.desktop()).login()
    csrf = {
        "X-CSRF-Token": employee.page.evaluate(
            "() => fetch('/api/auth/me').then(r => r.json()).then(b => b.csrf_token)"
        )
    }
    title = f"Fernwartung {uuid.uuid4().hex[:6]}"
    created = employee.page.context.request.post(
        "/api/sessions", data={"title": title}, headers=csrf
    )
    assert created.status == 201, created.text()
    session_id = created.json()["id"]
    invite = employee.page.context.request.post(f"/api/sessions/{session_id}/invites", headers=csrf)
    link = invite.json()["url"]

    phone = contexts.phone()
    phone.goto(link)
    expect(phone.get_by_test_id("invite-title")).to_have_text(title)
    row = phone.locator(f'[data-testid="session"][data-session-id="{session_id}"]')
    expect(row).to_have_attribute("data-status", "CONFIRMED")

    employee.page.reload()
    employee.start_call(session_id)
    expect(phone.get_by_test_id("incoming-call")).to_be_visible()
    accept_incoming(phone)
    wait_for_remote_frames(employee.page)
    employee.wait_for_status(session_id, "RUNNING")
    employee.page.get_by_test_id("hangup").click()
    employee.wait_for_status(session_id, "DONE")


def test_invite_link_with_device_continues_on_the_device_page(contexts: Contexts) -> None:
    employee = EmployeePage(contexts.desktop()).login()
    csrf = {
        "X-CSRF-Token": employee.page.evaluate(
            "() => fetch('/api/auth/me').then(r => r.json()).then(b => b.csrf_token)"
        )
    }
    devices = employee.page.context.request.get("/api/devices").json()
    device = next(d for d in devices if d["code"] == DEMO_DEVICE)
    created = employee.page.context.request.post(
        "/api/sessions", data={"device_id": device["id"]}, headers=csrf
    )
    session_id = created.json()["id"]
    link = employee.page.context.request.post(
        f"/api/sessions/{session_id}/invites", headers=csrf
    ).json()["url"]
    code_user = CodeUserPage(contexts.phone())
    code_user.page.goto(link)
    expect(code_user.page.get_by_test_id("device-name")).to_have_text(device["name"])
    expect(code_user.session(session_id)).to_have_attribute("data-status", "CONFIRMED")
    code_user.page.goto(link)  # the same browser may open its link again
    expect(code_user.session(session_id)).to_be_visible()


def test_a_used_invite_link_is_refused_elsewhere(contexts: Contexts) -> None:
    employee = EmployeePage(contexts.desktop()).login()
    csrf = {
        "X-CSRF-Token": employee.page.evaluate(
            "() => fetch('/api/auth/me').then(r => r.json()).then(b => b.csrf_token)"
        )
    }
    session_id = employee.page.context.request.post(
        "/api/sessions", data={"title": "once"}, headers=csrf
    ).json()["id"]
    link = employee.page.context.request.post(
        f"/api/sessions/{session_id}/invites", headers=csrf
    ).json()["url"]
    first = contexts.phone()
    first.goto(link)
    expect(first.get_by_test_id("invite-title")).to_be_visible()
    second = contexts.phone()
    second.goto(link)
    expect(second.get_by_test_id("page-error")).to_contain_text("Einladungslink")
