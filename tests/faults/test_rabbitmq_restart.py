"""Fault: RabbitMQ restarts between two orchestrators and the notifier process.

The broker is a private node (never the shared one). Code users keep requesting
sessions before, during and after the restart; the API answers 201 throughout
(events wait in the outbox), the relays and the notifier reconnect by themselves,
and in the end each responsible employee got exactly one e-mail per request.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import func, select

from orchestrator.actions.unit_of_work import UnitOfWork
from orchestrator.db.models import Notification
from orchestrator.domain.types import NotificationChannel, NotificationState
from orchestrator.settings import Settings
from tests.support.events import outbox_unpublished, wait_until
from tests.support.ports import free_tcp_ports
from tests.support.rabbitmq import PrivateBroker, private_broker
from tests.support.smtp_server import SmtpServer
from tests.support.topology import CodeUser, running_topology, topology_plan
from tests.support.world import EMAILS, World

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.janus]

PER_PHASE = 10
RESPONSIBLE = (EMAILS["moderator"], EMAILS["employee"])


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[PrivateBroker]:
    with private_broker(tmp_path / "rabbitmq") as server:
        yield server


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer(free_tcp_ports(1)[0])
    server.start()
    yield server
    server.stop()


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_every_request_is_notified_exactly_once_across_a_broker_restart(
    settings: Settings,
    world: World,
    uow: UnitOfWork,
    broker: PrivateBroker,
    smtp: SmtpServer,
    tmp_path: Path,
) -> None:
    plan = topology_plan(
        tmp_path,
        {
            "FERNBLICK_DATABASE_URL": settings.database_url,
            "FERNBLICK_BUS_URL": broker.url,
            "FERNBLICK_REDIS_URL": "redis://127.0.0.1:6379/0",
            "FERNBLICK_REDIS_CHANNEL_PREFIX": f"fernblick-fault-{uuid.uuid4().hex[:8]}",
            "FERNBLICK_SMTP_HOST": "127.0.0.1",
            "FERNBLICK_SMTP_PORT": str(smtp.port),
            "FERNBLICK_SMTP_TLS": "none",
            "FERNBLICK_NOTIFY_RETRY_BASE_SECONDS": "0.05",
            "FERNBLICK_NOTIFY_RETRY_MAX_SECONDS": "0.5",
        },
        janus_nodes=1,
        workers=["notifier"],
    )
    requested: list[int] = []
    async with running_topology(plan) as topology, aiohttp.ClientSession() as http:
        code_user = await CodeUser.open_device(topology.url, http, world.device_code)

        async def request(phase: str) -> None:
            for n in range(PER_PHASE):
                requested.append(await code_user.request_session(world.device_id, f"{phase} {n}"))

        await request("before")
        await asyncio.to_thread(broker.stop)
        await request("broker away")
        await asyncio.to_thread(broker.start)
        await request("after")

        progress: dict[str, int] = {}

        async def everyone_notified() -> bool:
            async with uow.read() as db:
                progress["delivered"] = int(
                    await db.scalar(
                        select(func.count()).where(
                            Notification.state == NotificationState.DELIVERED,
                            Notification.channel == NotificationChannel.EMAIL,
                        )
                    )
                    or 0
                )
            progress["unpublished"] = await outbox_unpublished(uow.session_factory)
            progress["mails"] = len(smtp.mails)
            expected = len(requested) * len(RESPONSIBLE)
            return progress["unpublished"] == 0 and progress["delivered"] >= expected

        try:
            await wait_until(everyone_notified, "every request e-mailed", 90)
        except AssertionError as error:
            raise AssertionError(f"{error}; progress: {progress}") from None

    sent = Counter(
        (int(mail.message["X-Fernblick-Session"]), rcpt)
        for mail in smtp.mails
        for rcpt in mail.recipients
    )
    assert {session for session, _ in sent} == set(requested)
    assert set(sent.values()) == {1}, [key for key, n in sent.items() if n > 1]
    assert {rcpt for _, rcpt in sent} == set(RESPONSIBLE)
    assert progress["delivered"] == len(requested) * len(RESPONSIBLE)
