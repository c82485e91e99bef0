"""The notifier end to end: a real SMTP server (aiosmtpd), a local Web Push service
that checks VAPID and decrypts, and the employee's WebSocket.

The app runs the embedded notifier on the in-process bus; every wait is bounded.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
import pytest_asyncio
from aiohttp import ClientWebSocketResponse
from aiohttp.test_utils import TestClient
from pydantic import SecretStr
from sqlalchemy import func, select

from notifier.channels.web_push import generate_vapid_keys
from notifier.worker import NotifyConsumer
from orchestrator.actions.organisation import do_update_employee
from orchestrator.actions.unit_of_work import UnitOfWork
from orchestrator.app import create_app
from orchestrator.db.models import Notification, OutboxEvent
from orchestrator.domain.types import Language, NotificationChannel, NotificationState
from orchestrator.events.outbox import row_to_event
from orchestrator.settings import Settings
from tests.support.events import wait_until
from tests.support.ports import free_tcp_ports
from tests.support.push_service import PushService
from tests.support.smtp_server import SmtpServer
from tests.support.world import EMAILS, World, assert_problem, bearer, login, open_device

SITE = "http://127.0.0.1:8080"


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer(free_tcp_ports(1)[0])
    yield server
    server.stop()


@pytest.fixture
def vapid() -> tuple[str, str]:
    return generate_vapid_keys()


@pytest_asyncio.fixture
async def push(vapid: tuple[str, str]) -> AsyncIterator[PushService]:
    service = PushService(vapid_public_key=vapid[1])
    await service.start()
    yield service
    await service.stop()


@pytest.fixture
def notify_settings(settings: Settings, smtp: SmtpServer, vapid: tuple[str, str]) -> Settings:
    return settings.model_copy(
        update={
            "smtp_host": "127.0.0.1",
            "smtp_port": smtp.port,
            "smtp_tls": "none",
            "smtp_timeout_seconds": 5.0,
            "smtp_from": "Fernblick <noreply@example.org>",
            "vapid_private_key": SecretStr(vapid[0]),
            "vapid_public_key": vapid[1],
            "vapid_subject": "mailto:ops@example.org",
            "notify_retry_base_seconds": 0.05,
            "notify_retry_max_seconds": 0.2,
            "notify_max_attempts": 50,
        }
    )


def app_client(aiohttp_client: Any, settings: Settings) -> Any:
    return aiohttp_client(create_app(settings))


async def english(uow: UnitOfWork, world: World) -> None:
    """The team member reads English; the moderator keeps the default, German."""
    async with uow.transaction() as db:
        await do_update_employee(db, world.admin, world.employee.employee_id, language=Language.EN)


async def request(client: TestClient[Any, Any], world: World) -> int:
    token, _ = await open_device(client, world.device_code)
    body = {
        "device_id": world.device_id,
        "reason": "The press leaks oil",
        "contact": "+49 170 1234567",
    }
    response = await client.post("/api/code-user/sessions", json=body, headers=bearer(token))
    assert response.status == 201, await response.text()
    return int((await response.json())["id"])


async def rows(uow: UnitOfWork, session_id: int) -> list[Notification]:
    async with uow.read() as db:
        result = await db.scalars(
            select(Notification)
            .where(Notification.session_id == session_id)
            .order_by(Notification.id)
        )
        return list(result)


async def settled(uow: UnitOfWork, session_id: int, count: int) -> list[Notification]:
    """Wait until ``count`` notification rows of the session are no longer pending."""
    found: list[Notification] = []

    async def done() -> bool:
        nonlocal found
        found = await rows(uow, session_id)
        return len(found) == count and all(n.state is not NotificationState.PENDING for n in found)

    await wait_until(done, f"{count} settled notifications", within=30)
    return found


async def next_notification(ws: ClientWebSocketResponse) -> dict[str, Any]:
    async with asyncio.timeout(15):
        while True:
            frame = await ws.receive_json()
            if frame["type"] == "notification":
                return dict(frame["notification"])


def by(found: list[Notification]) -> dict[tuple[int, NotificationChannel], Notification]:
    return {(n.recipient_id, n.channel): n for n in found}


async def test_a_request_reaches_each_responsible_employee_once_on_every_channel(
    aiohttp_client: Any,
    notify_settings: Settings,
    uow: UnitOfWork,
    world: World,
    smtp: SmtpServer,
    push: PushService,
) -> None:
    smtp.start()
    await english(uow, world)
    client = await app_client(aiohttp_client, notify_settings)
    csrf = await login(client, "moderator")
    browser = push.subscribe("moderator-phone")
    added = await client.post(
        "/api/me/push-subscriptions", json=browser.subscription(), headers=csrf
    )
    assert added.status == 201, await added.text()
    config = await (await client.get("/api/me/push-config")).json()
    assert config == {"enabled": True, "public_key": notify_settings.vapid_public_key}
    await login(client, "employee")
    ws = await client.ws_connect("/api/ws")
    assert (await ws.receive_json())["type"] == "snapshot"

    session_id = await request(client, world)
    in_app = await next_notification(ws)
    found = await settled(uow, session_id, 5)

    link = f"{SITE}/app/sessions/{session_id}"
    assert in_app["url"] == link and in_app["title"].startswith("New request: video session #")
    moderator, employee = world.moderator.employee_id, world.employee.employee_id
    assert set(by(found)) == {
        (moderator, NotificationChannel.IN_APP),
        (moderator, NotificationChannel.EMAIL),
        (moderator, NotificationChannel.WEB_PUSH),
        (employee, NotificationChannel.IN_APP),
        (employee, NotificationChannel.EMAIL),
    }
    assert all(n.state is NotificationState.DELIVERED and n.attempts == 1 for n in found)

    (german,) = smtp.to(EMAILS["moderator"])
    assert german.message["Subject"].startswith("Neue Anfrage: Videositzung #")
    assert "Grund: The press leaks oil" in german.text and link in german.text
    (english_mail,) = smtp.to(EMAILS["employee"])
    assert english_mail.message["Subject"].startswith("New request: video session #")
    assert "Reason: The press leaks oil" in english_mail.text and link in english_mail.text
    assert len(smtp.mails) == 2

    (pushed,) = push.payloads("moderator-phone")
    assert pushed["url"] == link and pushed["session_id"] == session_id
    assert pushed["title"] == german.message["Subject"] and push.rejected == []

    details = await (await client.get(f"/api/sessions/{session_id}")).json()
    assert {r["employee"]["id"] for r in details["recipients"]} == {moderator, employee}
    told = {(n["employee"]["name"], n["channel"], n["state"]) for n in details["notifications"]}
    assert told == {
        ("Moderator", "in_app", "delivered"),
        ("Moderator", "email", "delivered"),
        ("Moderator", "web_push", "delivered"),
        ("Employee", "in_app", "delivered"),
        ("Employee", "email", "delivered"),
    }

    # The bus redelivers the event: nothing new happens.
    async with uow.read() as db:
        outbox = await db.scalar(select(OutboxEvent).where(OutboxEvent.type == "session.requested"))
        assert outbox is not None
    again = NotifyConsumer(uow.session_factory, frozenset(NotificationChannel))
    assert await again.consume(row_to_event(outbox)) is False
    assert len(await rows(uow, session_id)) == 5
    await ws.close()


async def test_confirm_and_cancel_tell_the_other_responsible_employees(
    aiohttp_client: Any, notify_settings: Settings, uow: UnitOfWork, world: World, smtp: SmtpServer
) -> None:
    smtp.start()
    await english(uow, world)
    client = await app_client(aiohttp_client, notify_settings)
    session_id = await request(client, world)
    await settled(uow, session_id, 4)
    csrf = await login(client, "employee")
    confirmed = await client.post(f"/api/sessions/{session_id}/confirm", headers=csrf)
    assert confirmed.status == 200, await confirmed.text()
    await settled(uow, session_id, 6)
    cancelled = await client.post(
        f"/api/sessions/{session_id}/cancel", json={"reason": "solved on the phone"}, headers=csrf
    )
    assert cancelled.status == 200, await cancelled.text()
    await settled(uow, session_id, 8)

    subjects = [m.message["Subject"] for m in smtp.to(EMAILS["moderator"])]
    assert [s.split(":")[0] for s in subjects] == ["Neue Anfrage", "Bestätigt", "Abgesagt"]
    assert len(smtp.to(EMAILS["employee"])) == 1  # only the request: they did the rest


async def test_smtp_down_then_up_is_retried_and_delivered_once(
    aiohttp_client: Any, notify_settings: Settings, uow: UnitOfWork, world: World, smtp: SmtpServer
) -> None:
    client = await app_client(aiohttp_client, notify_settings)
    session_id = await request(client, world)

    async def retried() -> bool:
        emails = [n for n in await rows(uow, session_id) if n.channel is NotificationChannel.EMAIL]
        return len(emails) == 2 and all(n.attempts >= 2 for n in emails)

    await wait_until(retried, "two failed attempts per e-mail", within=30)
    failing = [n for n in await rows(uow, session_id) if n.channel is NotificationChannel.EMAIL]
    assert all(n.state is NotificationState.PENDING for n in failing), failing
    assert all("SMTP server unreachable" in n.last_error for n in failing), [
        n.last_error for n in failing
    ]

    smtp.start()
    found = await settled(uow, session_id, 4)
    emails = [n for n in found if n.channel is NotificationChannel.EMAIL]
    assert all(n.state is NotificationState.DELIVERED and n.attempts >= 2 for n in emails)
    assert all(n.last_error == "" and n.delivered_at is not None for n in emails)
    assert len(smtp.to(EMAILS["moderator"])) == 1 and len(smtp.to(EMAILS["employee"])) == 1
    csrf = await login(client, "moderator")
    details = await (await client.get(f"/api/sessions/{session_id}", headers=csrf)).json()
    attempts = {n["attempts"] for n in details["notifications"] if n["channel"] == "email"}
    assert min(attempts) >= 2


async def test_a_delivery_that_cannot_succeed_ends_failed_with_its_error(
    aiohttp_client: Any, notify_settings: Settings, uow: UnitOfWork, world: World, smtp: SmtpServer
) -> None:
    smtp.handler.refuse.add(EMAILS["moderator"])
    smtp.start()
    client = await app_client(aiohttp_client, notify_settings)
    session_id = await request(client, world)
    found = by(await settled(uow, session_id, 4))
    refused = found[(world.moderator.employee_id, NotificationChannel.EMAIL)]
    assert refused.state is NotificationState.FAILED and refused.attempts == 1
    assert "550" in refused.last_error
    delivered = found[(world.employee.employee_id, NotificationChannel.EMAIL)]
    assert delivered.state is NotificationState.DELIVERED


async def test_retries_are_bounded(
    aiohttp_client: Any, notify_settings: Settings, uow: UnitOfWork, world: World
) -> None:
    bounded = notify_settings.model_copy(update={"notify_max_attempts": 3})
    client = await app_client(aiohttp_client, bounded)  # the SMTP server never starts
    session_id = await request(client, world)
    found = await settled(uow, session_id, 4)
    emails = [n for n in found if n.channel is NotificationChannel.EMAIL]
    assert [(n.state, n.attempts) for n in emails] == [(NotificationState.FAILED, 3)] * 2
    assert all("SMTP server unreachable" in n.last_error for n in emails)
    assert all(n.next_attempt_at is None for n in emails)


async def test_preferences_are_respected(
    aiohttp_client: Any,
    notify_settings: Settings,
    uow: UnitOfWork,
    world: World,
    smtp: SmtpServer,
    push: PushService,
) -> None:
    smtp.start()
    client = await app_client(aiohttp_client, notify_settings)
    csrf = await login(client, "moderator")
    defaults = await (await client.get("/api/me/notification-preferences")).json()
    assert defaults == {"in_app": True, "email": True, "web_push": True}
    await client.post(
        "/api/me/push-subscriptions", json=push.subscribe("m").subscription(), headers=csrf
    )
    wanted = {"in_app": True, "email": False, "web_push": False}
    put = await client.put("/api/me/notification-preferences", json=wanted, headers=csrf)
    assert put.status == 200 and await put.json() == wanted
    assert await (await client.get("/api/me/notification-preferences")).json() == wanted
    bad = await client.put(
        "/api/me/notification-preferences", json={"email": "maybe"}, headers=csrf
    )
    await assert_problem(bad, 422, "invalid_input")

    session_id = await request(client, world)
    found = await settled(uow, session_id, 3)
    assert set(by(found)) == {
        (world.moderator.employee_id, NotificationChannel.IN_APP),
        (world.employee.employee_id, NotificationChannel.IN_APP),
        (world.employee.employee_id, NotificationChannel.EMAIL),
    }
    assert smtp.to(EMAILS["moderator"]) == [] and push.received == []


async def test_a_push_subscription_the_service_dropped_is_forgotten(
    aiohttp_client: Any,
    notify_settings: Settings,
    uow: UnitOfWork,
    world: World,
    smtp: SmtpServer,
    push: PushService,
) -> None:
    smtp.start()
    client = await app_client(aiohttp_client, notify_settings)
    csrf = await login(client, "moderator")
    push.answer["old-laptop"] = 410
    for name in ("old-laptop", "phone"):
        response = await client.post(
            "/api/me/push-subscriptions", json=push.subscribe(name).subscription(), headers=csrf
        )
        assert response.status == 201
    session_id = await request(client, world)
    found = by(await settled(uow, session_id, 5))
    assert found[(world.moderator.employee_id, NotificationChannel.WEB_PUSH)].state is (
        NotificationState.DELIVERED
    )
    assert len(push.payloads("phone")) == 1
    left = await (await client.get("/api/me/push-subscriptions")).json()
    assert [s["endpoint"] for s in left] == [push.subscribers["phone"].endpoint]
    gone = await client.delete(f"/api/me/push-subscriptions/{left[0]['id']}", headers=csrf)
    assert gone.status == 204
    await assert_problem(
        await client.delete(f"/api/me/push-subscriptions/{left[0]['id']}", headers=csrf), 404
    )
    async with uow.read() as db:
        total = await db.scalar(select(func.count()).select_from(Notification))
    assert total == 5
