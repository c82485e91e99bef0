"""Fault: RabbitMQ closes every connection, or restarts, during a burst of 500 requests.

The production shape: the orchestrator (outbox relay) publishes to RabbitMQ, and the
notifier runs on its own (``notifier.standalone.run``, what ``fernblick notifier``
runs) consuming from it and mailing a real SMTP server; the orchestrator's upload
worker takes upload jobs from it, one for every 25th request. Twice mid-burst either
the shared broker drops all connections of the test's virtual host, or a private
broker node (``PrivateBroker``) is shut down and started again. Afterwards every
responsible employee has exactly one e-mail per request, the delivery log agrees, and
every upload job has stored its file: none was lost.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from notifier.standalone import run as run_notifier
from orchestrator.actions.artifacts import do_add_artifact
from orchestrator.actions.auth import do_open_device
from orchestrator.actions.sessions import do_request_session
from orchestrator.actions.unit_of_work import UnitOfWork
from orchestrator.api.keys import UOW_KEY
from orchestrator.app import create_app
from orchestrator.db.models import Artifact, ConsumedEvent, Notification, SessionRecipient
from orchestrator.domain.types import ArtifactKind, ArtifactState, NotificationState
from orchestrator.settings import Settings
from tests.support.events import outbox_unpublished, wait_until
from tests.support.ports import free_tcp_ports
from tests.support.rabbitmq import (
    BROKER,
    close_all_connections,
    own_exchange,
    private_broker,
    queue_consumers,
    temporary_vhost,
)
from tests.support.smtp_server import SmtpServer
from tests.support.world import EMAILS, World

pytestmark = pytest.mark.rabbitmq

REQUESTS = 500
UPLOAD_EVERY = 25
RESPONSIBLE = (EMAILS["moderator"], EMAILS["employee"])


@dataclass
class Outage:
    url: str
    disrupt: Callable[[], Awaitable[int]]
    """Cut the clients off the broker; how many connections it cut."""


@pytest.fixture(params=["connections-closed", "broker-restarted"])
def outage(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Outage]:
    if request.param == "connections-closed":
        with temporary_vhost() as vhost:
            yield Outage(f"{BROKER}/{vhost}", lambda: close_all_connections(vhost))
        return
    with private_broker(tmp_path / "rabbitmq") as broker:

        async def restart() -> int:
            open_before = await asyncio.to_thread(broker.connections)
            await asyncio.to_thread(broker.restart)
            return open_before

        yield Outage(broker.url, restart)


async def add_upload(uow: UnitOfWork, settings: Settings, session_id: int) -> None:
    """A small file in the spool and its artifact, whose upload job leaves via the outbox."""
    key = f"sessions/{session_id}/note.txt"
    source = settings.storage_dir / "spool" / key
    source.parent.mkdir(parents=True, exist_ok=True)
    source.write_text(f"session {session_id}\n")
    async with uow.transaction() as db:
        await do_add_artifact(
            db,
            session_id,
            kind=ArtifactKind.SCREENSHOT,
            storage_key=key,
            content_type="text/plain",
            size_bytes=source.stat().st_size,
        )


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer(free_tcp_ports(1)[0])
    server.start()
    yield server
    server.stop()


async def count(uow: UnitOfWork, query: Any) -> int:
    async with uow.read() as db:
        return int(await db.scalar(query) or 0)


# The production topology only: RabbitMQ and a notifier process beside the orchestrator
# share a PostgreSQL (SQLite is the single-process embedded default).
@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_500_requests_through_broker_outages_notify_everyone_once_and_lose_no_upload(
    aiohttp_client: Any, settings: Settings, world: World, outage: Outage, smtp: SmtpServer
) -> None:
    common: dict[str, Any] = {
        **own_exchange(outage.url),
        "notifier_embedded": False,
        "smtp_host": "127.0.0.1",
        "smtp_port": smtp.port,
        "smtp_tls": "none",
        "notify_retry_base_seconds": 0.05,
        "notify_retry_max_seconds": 0.5,
        "upload_retry_base_seconds": 0.1,
        "upload_retry_max_seconds": 1.0,
    }
    orchestrator = settings.model_copy(update={**common, "instance_name": "test-orchestrator"})
    notifier = settings.model_copy(update={**common, "instance_name": "test-notifier"})
    client = await aiohttp_client(create_app(orchestrator))
    uow: UnitOfWork = client.app[UOW_KEY]
    stop = asyncio.Event()
    worker = asyncio.create_task(run_notifier(notifier, stop))

    async def notifier_listening() -> bool:
        # Before that, nothing routes requests to its queue: RabbitMQ drops them.
        return await queue_consumers(notifier.bus_url, "notifier") > 0

    await wait_until(notifier_listening, "the notifier's consumer", within=60)
    async with uow.transaction() as db:
        code_user = (await do_open_device(db, world.device_code, None)).actor

    handled = select(func.count()).where(ConsumedEvent.consumer == "notifier")
    stored = select(func.count()).where(Artifact.state == ArtifactState.STORED)
    closed: list[int] = []

    async def burst() -> None:
        for n in range(REQUESTS):
            async with uow.transaction() as db:
                session = await do_request_session(
                    db, code_user, device_id=world.device_id, reason=f"fault {n}", contact="x"
                )
            if n % UPLOAD_EVERY == 0:
                await add_upload(uow, orchestrator, session.id)

    async def close_connections_at(consumed: int) -> None:
        async def reached() -> bool:
            return await count(uow, handled) >= consumed

        await wait_until(reached, f"{consumed} consumed requests", within=300)
        closed.append(await outage.disrupt())

    try:
        async with asyncio.timeout(600):
            await asyncio.gather(burst(), close_connections_at(150), close_connections_at(350))

            progress: dict[str, int] = {}

            async def everything_settled() -> bool:
                pending = select(func.count()).where(
                    Notification.state == NotificationState.PENDING
                )
                progress["handled"] = await count(uow, handled)
                progress["pending"] = await count(uow, pending)
                progress["unpublished"] = await outbox_unpublished(uow.session_factory)
                progress["mails"] = len(smtp.mails)
                progress["stored"] = await count(uow, stored)
                return (
                    progress["handled"] == REQUESTS
                    and progress["pending"] == 0
                    and progress["unpublished"] == 0
                    and progress["stored"] == REQUESTS // UPLOAD_EVERY
                )

            try:
                await wait_until(everything_settled, "every request notified", within=400)
            except AssertionError as error:
                raise AssertionError(f"{error}; progress: {progress}") from None
    finally:
        stop.set()
        await asyncio.wait_for(worker, 60)

    assert all(n >= 2 for n in closed), closed  # the relay's and the notifier's connections
    sent = Counter(
        (mail.message["X-Fernblick-Session"], rcpt)
        for mail in smtp.mails
        for rcpt in mail.recipients
    )
    sessions = {session for session, _ in sent}
    assert len(sessions) == REQUESTS
    assert set(sent.values()) == {1}, [key for key, n in sent.items() if n > 1][:10]
    assert {rcpt for _, rcpt in sent} == set(RESPONSIBLE)
    assert len(smtp.mails) == REQUESTS * len(RESPONSIBLE)

    delivered = select(func.count()).where(Notification.state == NotificationState.DELIVERED)
    assert await count(uow, select(func.count()).select_from(Notification)) == len(smtp.mails)
    assert await count(uow, delivered) == len(smtp.mails)
    recipients = select(func.count()).select_from(SessionRecipient)
    assert await count(uow, recipients) == REQUESTS * len(RESPONSIBLE)
    uploads = await count(uow, select(func.count()).select_from(Artifact))
    assert uploads == await count(uow, stored) == REQUESTS // UPLOAD_EVERY
    objects = orchestrator.storage_dir / "objects" / "sessions"
    assert len(list(objects.glob("*/note.txt"))) == REQUESTS // UPLOAD_EVERY
