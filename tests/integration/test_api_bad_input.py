"""Bad input gets a clear 4xx problem document and leaves the database unchanged."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import update

from orchestrator.actions.unit_of_work import UnitOfWork
from orchestrator.db.models import Invite, LoginSession
from tests.support.world import World, assert_problem, bearer, login, open_device, table_counts


@pytest.fixture
async def csrf(client: TestClient) -> dict[str, str]:
    return await login(client, "admin")


CASES = [
    # (method, path, kwargs, status, code)
    (
        "POST",
        "/api/sessions",
        {"data": b"{not json", "headers": {"Content-Type": "application/json"}},
        400,
        "malformed_request",
    ),
    (
        "POST",
        "/api/sessions",
        {"data": b"\xff\xfe", "headers": {"Content-Type": "application/json"}},
        400,
        "malformed_request",
    ),
    (
        "POST",
        "/api/sessions",
        {"data": b"title=x", "headers": {"Content-Type": "application/x-www-form-urlencoded"}},
        415,
        "unsupported_media_type",
    ),
    ("POST", "/api/sessions", {"json": [1, 2]}, 422, "invalid_input"),
    ("POST", "/api/sessions", {"json": {"title": 5}}, 422, "invalid_input"),
    ("POST", "/api/sessions", {"json": {"title": "x", "colour": "red"}}, 422, "invalid_input"),
    ("POST", "/api/sessions", {"json": {"device_id": 999999}}, 404, "not_found"),
    ("POST", "/api/sessions", {"json": {"device_id": 99999999999999}}, 422, "invalid_input"),
    ("POST", "/api/sessions", {"json": {"visibility": "secret"}}, 422, "invalid_input"),
    ("POST", "/api/sessions", {"json": {"title": "x" * 2_000_000}}, 413, "payload_too_large"),
    ("POST", "/api/sessions", {"json": {"responsible_ids": [424242]}}, 422, "invalid_input"),
    ("POST", "/api/sessions/424242/confirm", {}, 404, "not_found"),
    ("POST", "/api/sessions/99999999999999999999/confirm", {}, 404, "not_found"),
    ("POST", "/api/sessions/abc/confirm", {}, 404, "not_found"),
    ("GET", "/api/sessions?limit=0", {}, 422, "invalid_input"),
    ("GET", "/api/sessions?status=OPEN", {}, 422, "invalid_input"),
    ("GET", "/api/sessions?cursor=bm9wZQ", {}, 422, "invalid_input"),
    ("GET", "/api/sessions?sort=id;drop", {}, 422, "invalid_input"),
    ("GET", "/api/sessions?unknown=1", {}, 422, "invalid_input"),
    (
        "PATCH",
        "/api/organisation",
        {"json": {"settings": {"request_steps": ["reason", "reason"]}}},
        422,
        "invalid_input",
    ),
    (
        "POST",
        "/api/devices",
        {
            "json": {
                "name": "X",
                "assistant": [
                    {
                        "label_de": "a",
                        "label_en": "b",
                        "action": "open_url",
                        "target": "javascript:alert(1)",
                    }
                ],
            }
        },
        422,
        "invalid_input",
    ),
    (
        "POST",
        "/api/employees",
        {"json": {"name": "X", "email": "admin@example.org", "password": "longenough"}},
        409,
        "email_taken",
    ),
    (
        "POST",
        "/api/employees",
        {"json": {"name": "X", "email": "no-at-sign", "password": "longenough"}},
        422,
        "invalid_input",
    ),
    ("DELETE", "/api/sessions", {}, 405, "method_not_allowed"),
    ("GET", "/api/nothing-here", {}, 404, "not_found"),
]


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status", "code"),
    CASES,
    ids=[f"{c[0]} {c[1][:40]} {c[4]}" for c in CASES],
)
async def test_bad_input_is_a_problem_and_changes_nothing(
    client: TestClient,
    uow: UnitOfWork,
    csrf: dict[str, str],
    method: str,
    path: str,
    kwargs: dict,
    status: int,
    code: str,
) -> None:
    before = await table_counts(uow)
    kwargs = dict(kwargs)  # parameters are shared between the database variants
    headers = {**csrf, **kwargs.pop("headers", {})}
    response = await client.request(method, path, headers=headers, **kwargs)
    await assert_problem(response, status, code)
    assert await table_counts(uow) == before


async def test_problem_names_the_offending_field(client: TestClient, csrf: dict[str, str]) -> None:
    response = await client.post("/api/sessions", json={"title": 5}, headers=csrf)
    body = await assert_problem(response, 422)
    assert body["field"] == "title" and body["errors"][0]["field"] == "title"


async def test_missing_or_wrong_csrf_token(
    client: TestClient, uow: UnitOfWork, csrf: dict[str, str]
) -> None:
    before = await table_counts(uow)
    await assert_problem(await client.post("/api/sessions", json={}), 403, "csrf_failed")
    await assert_problem(
        await client.post("/api/sessions", json={}, headers={"X-CSRF-Token": "forged"}),
        403,
        "csrf_failed",
    )
    assert await table_counts(uow) == before


async def test_not_logged_in_and_expired_or_foreign_tokens(
    client: TestClient, world: World, uow: UnitOfWork
) -> None:
    before = await table_counts(uow)
    await assert_problem(await client.get("/api/sessions"), 401, "not_authenticated")
    client.session.cookie_jar.update_cookies({"fernblick_session": "made-up"})
    await assert_problem(await client.get("/api/sessions"), 401, "not_authenticated")
    await assert_problem(
        await client.get("/api/code-user/sessions", headers=bearer("cu_made_up")), 401
    )
    await assert_problem(
        await client.post(
            "/api/auth/login", json={"email": "admin@example.org", "password": "wrong"}
        ),
        401,
        "bad_credentials",
    )
    await assert_problem(
        await client.post("/api/code-user/open", json={"code": "no-such-device"}),
        404,
        "unknown_device",
    )
    await assert_problem(
        await client.post("/api/code-user/invites/accept", json={"token": "inv_made_up"}),
        404,
        "invite_invalid",
    )
    assert await table_counts(uow) == before


async def test_logout_ends_the_cookie_session(client: TestClient, world: World) -> None:
    csrf = await login(client, "employee")
    assert (await client.post("/api/auth/logout", headers=csrf)).status == 204
    await assert_problem(await client.get("/api/auth/me"), 401)


async def test_request_flow_rules(client: TestClient, world: World, uow: UnitOfWork) -> None:
    token, _ = await open_device(client, world.device_code)
    before = await table_counts(uow)
    base = {"device_id": world.device_id, "reason": "r", "contact": "c"}
    for body, field in (
        ({**base, "reason": "  "}, "reason"),
        ({**base, "contact": ""}, "contact"),
        ({**base, "labels": ["unknown"]}, "labels"),
        ({**base, "device_id": world.foreign_device_id}, "device_id"),
    ):
        response = await client.post("/api/code-user/sessions", json=body, headers=bearer(token))
        problem = await response.json()
        assert response.status in (404, 422) and problem["field"] == field, problem
    assert await table_counts(uow) == before
    csrf = await login(client, "admin")
    await client.patch(
        "/api/organisation",
        json={
            "settings": {
                "recording_allowed": False,
                "who_may_request": "anyone",
                "request_steps": ["reason"],
            }
        },
        headers=csrf,
    )
    consent = await client.post(
        "/api/code-user/sessions", json={**base, "recording_consent": True}, headers=bearer(token)
    )
    assert (await assert_problem(consent, 422))["field"] == "recording_consent"
    await client.patch(
        "/api/organisation",
        json={"settings": {"who_may_request": "nobody", "request_contact_hint": "Call 0800 123"}},
        headers=csrf,
    )
    _, opened = await open_device(client, world.device_code, token)
    assert opened["request_flow"]["may_request"] is False
    assert opened["request_flow"]["contact_hint"] == "Call 0800 123"
    refused = await client.post("/api/code-user/sessions", json=base, headers=bearer(token))
    problem = await assert_problem(refused, 403, "requests_disabled")
    assert "Call 0800 123" in problem["detail"]


async def test_expired_login_is_not_a_login(client: TestClient, world: World, uow: UnitOfWork) -> None:
    csrf = await login(client, "employee")
    assert (await client.get("/api/auth/me")).status == 200
    async with uow.transaction() as db:
        await db.execute(update(LoginSession).values(expires_at=datetime.now(UTC) - timedelta(minutes=1)))
    await assert_problem(await client.get("/api/auth/me"), 401, "not_authenticated")
    await assert_problem(await client.post("/api/sessions", json={}, headers=csrf), 401)


async def test_expired_invite_link(client: TestClient, world: World, uow: UnitOfWork) -> None:
    csrf = await login(client, "employee")
    created = await (await client.post("/api/sessions", json={}, headers=csrf)).json()
    link = await (await client.post(f"/api/sessions/{created['id']}/invites", headers=csrf)).json()
    async with uow.transaction() as db:
        await db.execute(update(Invite).values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
    before = await table_counts(uow)
    expired = await client.post("/api/code-user/invites/accept", json={"token": link["token"]})
    await assert_problem(expired, 404, "invite_invalid")
    assert await table_counts(uow) == before
