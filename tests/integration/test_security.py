"""Security hardening against the real app: headers and CSP, cookie flags, rate limits
(in memory and shared through the real Redis)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from orchestrator.actions.unit_of_work import UnitOfWork
from orchestrator.app import create_app
from orchestrator.security.rate_limit import RedisRateLimiter
from orchestrator.settings import JanusNode, Settings
from tests.support.ports import free_tcp_ports
from tests.support.world import (
    EMAILS,
    PASSWORD,
    World,
    assert_problem,
    bearer,
    open_device,
    table_counts,
)

_DOWN = free_tcp_ports(1)[0]
JANUS = JanusNode(
    name="janus-1",
    url=f"http://127.0.0.1:{_DOWN}/janus",
    admin_url=f"http://127.0.0.1:{_DOWN}/admin",
    public_url="wss://media.example.org:8989/janus",
)


def directives(policy: str) -> dict[str, list[str]]:
    parsed = {}
    for part in policy.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


async def test_every_response_carries_the_security_headers(
    aiohttp_client: Any, settings: Settings, world: World
) -> None:
    client = await aiohttp_client(create_app(settings.model_copy(update={"janus_nodes": [JANUS]})))
    for path in (
        "/",
        "/d/abc",
        "/app",
        "/api/docs",
        "/api/openapi.json",
        "/api/sessions",
        "/healthz",
        "/nowhere",
    ):
        response = await client.get(path)
        headers = response.headers
        policy = headers["Content-Security-Policy"]
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, path
        csp = directives(policy)
        assert csp["script-src"] == ["'self'"] and csp["style-src"] == ["'self'"], path
        assert csp["frame-ancestors"] == ["'none'"] and csp["object-src"] == ["'none'"]
        assert "wss://media.example.org:8989" in csp["connect-src"]
        assert "ws://127.0.0.1:8080" in csp["connect-src"]
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"
        assert "camera=(self)" in headers["Permissions-Policy"]
        assert "microphone=(self)" in headers["Permissions-Policy"]
        assert "Strict-Transport-Security" not in headers, "no HSTS over plain HTTP"


async def test_the_api_documentation_needs_no_inline_style(
    aiohttp_client: Any, settings: Settings, world: World
) -> None:
    client = await aiohttp_client(create_app(settings))
    page = await (await client.get("/api/docs")).text()
    assert "<style" not in page and "style=" not in page and "<script" not in page
    assert "href='/api/docs.css'" in page
    css = await client.get("/api/docs.css")
    assert css.status == 200 and css.content_type == "text/css"
    assert "font-family" in await css.text()


async def test_https_sites_get_hsts_and_secure_cookies(
    aiohttp_client: Any, settings: Settings, world: World
) -> None:
    https = settings.model_copy(update={"public_url": "https://support.example.org"})
    client = await aiohttp_client(create_app(https))
    response = await client.post(
        "/api/auth/login", json={"email": EMAILS["admin"], "password": PASSWORD}
    )
    assert response.status == 200
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"
    cookie = response.cookies["fernblick_session"]
    assert cookie["secure"] and cookie["httponly"] and cookie["samesite"] == "Lax"
    assert (
        "wss://support.example.org"
        in directives(response.headers["Content-Security-Policy"])["connect-src"]
    )


async def test_plain_http_cookies_are_httponly_and_samesite(
    aiohttp_client: Any, settings: Settings, world: World
) -> None:
    client = await aiohttp_client(create_app(settings))
    response = await client.post(
        "/api/auth/login", json={"email": EMAILS["admin"], "password": PASSWORD}
    )
    cookie = response.cookies["fernblick_session"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and not cookie["secure"]


async def failed_login(client: TestClient[Any, Any], email: str, address: str) -> Any:
    return await client.post(
        "/api/auth/login",
        json={"email": email, "password": "wrong password"},
        headers={"X-Forwarded-For": f"198.51.100.7, {address}"},
    )


async def test_failed_logins_are_limited_per_address_and_per_account(
    aiohttp_client: Any, settings: Settings, uow: UnitOfWork, world: World
) -> None:
    limited = settings.model_copy(
        update={"login_failures_per_minute": 3, "trust_forwarded_for": True}
    )
    client = await aiohttp_client(create_app(limited))
    before = await table_counts(uow)
    for _ in range(3):
        await assert_problem(await failed_login(client, EMAILS["admin"], "203.0.113.1"), 401)
    refused = await failed_login(client, EMAILS["admin"], "203.0.113.1")
    body = await assert_problem(refused, 429, "rate_limited")
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert body["retry_after"] == int(refused.headers["Retry-After"])
    # The right password does not help from this address now, nor for this account
    # from another address; another account from another address is not affected.
    right = {"email": EMAILS["admin"], "password": PASSWORD}
    same_address = await client.post(
        "/api/auth/login", json=right, headers={"X-Forwarded-For": "203.0.113.1"}
    )
    await assert_problem(same_address, 429)
    await assert_problem(await failed_login(client, EMAILS["admin"], "203.0.113.2"), 429)
    assert await table_counts(uow) == before
    other = await client.post(
        "/api/auth/login",
        json={"email": EMAILS["moderator"], "password": PASSWORD},
        headers={"X-Forwarded-For": "203.0.113.2"},
    )
    assert other.status == 200


async def test_successful_logins_are_not_counted(
    aiohttp_client: Any, settings: Settings, world: World
) -> None:
    client = await aiohttp_client(
        create_app(settings.model_copy(update={"login_failures_per_minute": 2}))
    )
    for _ in range(5):
        response = await client.post(
            "/api/auth/login", json={"email": EMAILS["admin"], "password": PASSWORD}
        )
        assert response.status == 200


async def test_code_user_requests_are_limited_per_code_user(
    aiohttp_client: Any, settings: Settings, world: World
) -> None:
    client = await aiohttp_client(
        create_app(settings.model_copy(update={"code_user_requests_per_minute": 4}))
    )
    token, _ = await open_device(client, world.device_code)  # anonymous: 1 of 4 for the address
    for _ in range(4):
        assert (await client.get("/api/code-user/sessions", headers=bearer(token))).status == 200
    refused = await client.get("/api/code-user/sessions", headers=bearer(token))
    await assert_problem(refused, 429, "rate_limited")
    assert int(refused.headers["Retry-After"]) >= 1
    # Another code user has a budget of its own; employees are not limited.
    other, _ = await open_device(client, world.device_code)
    assert (await client.get("/api/code-user/sessions", headers=bearer(other))).status == 200


@pytest.mark.redis
async def test_redis_shares_the_budget_between_orchestrators(
    aiohttp_client: Any, settings: Settings, world: World
) -> None:
    shared = settings.model_copy(
        update={
            "redis_url": "redis://127.0.0.1:6379/0",
            "redis_channel_prefix": f"test-{uuid.uuid4().hex}",
            "code_user_requests_per_minute": 5,
        }
    )
    first = await aiohttp_client(create_app(shared))
    second = await aiohttp_client(create_app(shared))
    token, _ = await open_device(first, world.device_code)
    for client in (first, second, first, second, first):
        assert (await client.get("/api/code-user/sessions", headers=bearer(token))).status == 200
    await assert_problem(await second.get("/api/code-user/sessions", headers=bearer(token)), 429)


async def test_a_redis_outage_lets_requests_through() -> None:
    """The limiter fails open: an unreachable Redis counts nothing and refuses nobody."""
    limiter = RedisRateLimiter(f"redis://127.0.0.1:{free_tcp_ports(1)[0]}/0", "test")
    try:
        for _ in range(3):
            count, left = await limiter.hit("code-user:1")
            assert count == 0 and 0 < left <= 60
        assert (await limiter.count("code-user:1"))[0] == 0
    finally:
        await limiter.close()
