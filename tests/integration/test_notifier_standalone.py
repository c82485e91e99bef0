"""The notifier as its own process, as in production: RabbitMQ in, Redis fan-out out.

The orchestrator publishes through RabbitMQ and serves the employee's WebSocket; the
standalone notifier (what ``fernblick notifier`` runs) consumes the request and its
in-app message reaches that WebSocket through Redis. The embedded notifier is off.
Also: who is told about an incoming call, by presence (on the real database).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from notifier.standalone import run as run_notifier
from notifier.worker import NotifyConsumer
from orchestrator.actions.auth import do_open_device
from orchestrator.actions.sessions import do_request_session
from orchestrator.actions.unit_of_work import UnitOfWork
from orchestrator.app import create_app
from orchestrator.db.models import Notification, OutboxEvent, SessionRecipient
from orchestrator.domain.types import NotificationChannel
from orchestrator.events.outbox import row_to_event
from orchestrator.settings import Settings
from tests.support.events import wait_until
from tests.support.rabbitmq import BROKER, own_exchange, queue_consumers, temporary_vhost
from tests.support.world import World, login

pytestmark = [pytest.mark.rabbitmq, pytest.mark.redis]


@pytest.fixture
def vhost() -> Iterator[str]:
    with temporary_vhost() as name:
        yield name


async def test_in_app_from_the_standalone_notifier_reaches_the_employee_via_redis(
    aiohttp_client: Any, settings: Settings, world: World, uow: UnitOfWork, vhost: str
) -> None:
    common: dict[str, Any] = {
        **own_exchange(f"{BROKER}/{vhost}"),
        "redis_url": "redis://127.0.0.1:6379/0",
        "redis_channel_prefix": f"fernblick-test-{uuid.uuid4().hex[:8]}",
        "notifier_embedded": False,
    }
    client = await aiohttp_client(
        create_app(settings.model_copy(update={**common, "instance_name": "test-orchestrator"}))
    )
    stop = asyncio.Event()
    worker = asyncio.create_task(
        run_notifier(settings.model_copy(update={**common, "instance_name": "test-notifier"}), stop)
    )
    try:

        async def notifier_listening() -> bool:
            # Before that, nothing routes requests to its queue: RabbitMQ drops them.
            return await queue_consumers(common["bus_url"], "notifier") > 0

        await wait_until(notifier_listening, "the notifier's consumer", within=60)
        await login(client, "employee")
        ws = await client.ws_connect("/api/ws")
        assert (await ws.receive_json())["type"] == "snapshot"
        async with uow.transaction() as db:
            actor = (await do_open_device(db, world.device_code, None)).actor
            session = await do_request_session(
                db, actor, device_id=world.device_id, reason="oil", contact="x"
            )
        async with asyncio.timeout(90):
            while (frame := await ws.receive_json())["type"] != "notification":
                pass
        assert frame["notification"]["url"].endswith(f"/app/sessions/{session.id}")
        assert frame["notification"]["kind"] == "session.requested"
        await ws.close()
    finally:
        stop.set()
        await asyncio.wait_for(worker, 60)


async def test_an_incoming_call_is_announced_to_responsible_employees_who_are_away(
    world: World, uow: UnitOfWork
) -> None:
    async with uow.transaction() as db:
        actor = (await do_open_device(db, world.device_code, None)).actor
        session = await do_request_session(
            db, actor, device_id=world.device_id, reason="oil", contact="x"
        )
    async with uow.read() as db:
        stored = await db.scalar(select(OutboxEvent).where(OutboxEvent.type == "session.requested"))
        assert stored is not None
    requested = row_to_event(stored)
    ringing = requested.model_copy(
        update={
            "id": str(uuid.uuid4()),
            "type": "call.ringing",
            "payload": requested.payload.model_copy(update={"data": {"from": "code_user"}}),
        }
    )
    on_the_page = {world.employee.employee_id}
    consumer = NotifyConsumer(
        uow.session_factory, frozenset(NotificationChannel), is_online=on_the_page.__contains__
    )
    assert await consumer.consume(ringing) is True
    async with uow.read() as db:
        told = (
            await db.execute(
                select(Notification.recipient_id, Notification.channel, Notification.kind).where(
                    Notification.event_id == ringing.id
                )
            )
        ).all()
        receipts = await db.scalars(
            select(SessionRecipient).where(SessionRecipient.session_id == session.id)
        )
        assert list(receipts) == []  # a call is no request receipt
    # The moderator is away: e-mail (no push subscription; in-app is pointless when away).
    # The employee has the page open and hears the call ring there.
    assert [tuple(row) for row in told] == [
        (world.moderator.employee_id, NotificationChannel.EMAIL, "call.ringing")
    ]
