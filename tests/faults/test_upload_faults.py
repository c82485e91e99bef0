"""Faults of the upload jobs: storage away for a while, and jobs that are no jobs.

Storage unavailable: a local store whose root cannot be created (a file is in the
way) and a moto S3 server that is stopped. The upload worker keeps retrying with its
backoff, counting the attempts on the artifact; once the store is back, the next
attempt stores the file, without anyone's help.

Poison: on real RabbitMQ, a message that is not JSON, one that is far too large, a
job without a valid artifact id and one naming an artifact that does not exist each
end in ``uploads.dead`` at once with their reason, and the worker goes on to store
the real job behind them.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from typing import Any

import aio_pika
import pytest

from orchestrator.actions.sessions import do_create_session
from orchestrator.actions.unit_of_work import UnitOfWork
from orchestrator.db.models import Artifact
from orchestrator.domain.types import ArtifactState
from orchestrator.events.amqp_bus import AmqpBus
from orchestrator.events.bus import DEAD_REASON_HEADER, MAX_MESSAGE_BYTES
from orchestrator.events.memory_bus import InProcessBus
from orchestrator.events.schemas import Event
from orchestrator.settings import Settings
from recorder.storage import create_storage
from recorder.uploads import UPLOAD_QUEUE, UploadWorker
from tests.support.events import wait_until
from tests.support.rabbitmq import BROKER, take_dead_letters, vhost_fixture  # noqa: F401
from tests.support.s3_server import S3Server, s3_server_fixture  # noqa: F401
from tests.support.uploads import artifact_row, outbox_event, spooled_artifact, wait_for_state
from tests.support.world import World

RETRYING = {
    "upload_max_attempts": 9,
    "upload_retry_base_seconds": 0.2,
    "upload_retry_max_seconds": 1.0,
}


async def new_session(uow: UnitOfWork, world: World) -> int:
    async with uow.transaction() as db:
        return (await do_create_session(db, world.employee, title="press")).id


async def wait_for_attempts(uow: UnitOfWork, artifact_id: int, attempts: int) -> None:
    async def failed_often_enough() -> bool:
        return (await artifact_row(uow, artifact_id)).upload_attempts >= attempts

    await wait_until(failed_often_enough, f"{attempts} failed uploads", within=60)


async def upload_through_an_outage(
    uow: UnitOfWork, world: World, worker_settings: Settings, restore: Callable[[], None]
) -> Artifact:
    """Upload a clip while the store is down; ``restore`` it after two failed attempts.
    The artifact once STORED (the worker alone retries)."""
    bus = InProcessBus()
    await bus.connect()
    await UploadWorker(uow, create_storage(worker_settings), worker_settings).attach(bus)
    try:
        artifact_id = await spooled_artifact(uow, worker_settings, await new_session(uow, world))
        await bus.publish(await outbox_event(uow, "artifact.upload"))
        await wait_for_attempts(uow, artifact_id, 2)
        await asyncio.to_thread(restore)
        stored = await wait_for_state(uow, artifact_id, ArtifactState.STORED)
    finally:
        await bus.close()
    assert stored.upload_attempts >= 2  # the failed attempts stay counted
    assert bus.dead_letters(UPLOAD_QUEUE) == []
    return stored


async def test_a_local_store_that_cannot_be_written_is_waited_out(
    settings: Settings, world: World, uow: UnitOfWork
) -> None:
    worker_settings = settings.model_copy(update=RETRYING)
    objects = worker_settings.storage_dir / "objects"
    objects.parent.mkdir(parents=True, exist_ok=True)
    objects.write_text("a file where the store's root directory belongs: every put fails")

    stored = await upload_through_an_outage(uow, world, worker_settings, objects.unlink)
    assert (objects / stored.storage_key).stat().st_size == stored.size_bytes


async def test_an_s3_store_that_is_down_is_waited_out(
    settings: Settings, world: World, uow: UnitOfWork, s3_server: S3Server
) -> None:
    worker_settings = settings.model_copy(update={**RETRYING, **s3_server.settings_update()})
    # nothing listens on the S3 port until the server starts
    stored = await upload_through_an_outage(uow, world, worker_settings, s3_server.start)
    head = s3_server.client().head_object(Bucket=s3_server.bucket, Key=stored.storage_key)
    assert head["ContentLength"] == stored.size_bytes


def variant(job: Event, message_id: str, **data: Any) -> bytes:
    """``job`` under another id with some of its data replaced, as JSON."""
    payload = job.payload.model_copy(update={"data": {**job.payload.data, **data}})
    return job.model_copy(update={"id": message_id, "payload": payload}).model_dump_json().encode()


@pytest.mark.rabbitmq
async def test_poison_jobs_are_dead_lettered_with_their_reason_and_the_worker_goes_on(
    settings: Settings, world: World, uow: UnitOfWork, vhost: str
) -> None:
    url, exchange_name = f"{BROKER}/{vhost}", f"test.events.{uuid.uuid4().hex[:8]}"
    bus = AmqpBus(url, exchange_name)
    await bus.connect()
    worker_settings = settings.model_copy(update=RETRYING)
    await UploadWorker(uow, create_storage(worker_settings), worker_settings).attach(bus)
    try:
        artifact_id = await spooled_artifact(uow, worker_settings, await new_session(uow, world))
        job = await outbox_event(uow, "artifact.upload")
        poison = {
            "not-json": b"{not json",
            "huge": variant(job, "huge", pad="x" * (MAX_MESSAGE_BYTES + 1)),
            "no-id": variant(job, "no-id", artifact_id="x"),
            "unknown": variant(job, "unknown", artifact_id=99999),
        }
        connection = await aio_pika.connect(url)
        async with connection:
            exchange = await (await connection.channel()).get_exchange(exchange_name)
            for message_id, body in poison.items():
                message = aio_pika.Message(body, message_id=message_id)
                await exchange.publish(message, routing_key="artifact.upload")
        await bus.publish(job)  # a real job behind the poison

        stored = await wait_for_state(uow, artifact_id, ArtifactState.STORED)
        dead: list[aio_pika.abc.AbstractIncomingMessage] = []

        async def all_dead() -> bool:
            dead.extend(await take_dead_letters(url, UPLOAD_QUEUE))
            return len(dead) >= len(poison)

        await wait_until(all_dead, f"{len(poison)} messages in {UPLOAD_QUEUE}.dead", within=60)
    finally:
        await bus.close()
    reasons = {str(m.message_id): str(m.headers[DEAD_REASON_HEADER]) for m in dead}
    assert sorted(reasons) == sorted(poison)
    assert reasons["not-json"].startswith("not a valid event")
    assert reasons["huge"].endswith(f"bytes, more than {MAX_MESSAGE_BYTES}")
    assert "no valid artifact_id" in reasons["no-id"]
    assert "artifact 99999 not found" in reasons["unknown"]
    assert {m.body for m in dead} == set(poison.values())
    assert stored.upload_attempts == 0
