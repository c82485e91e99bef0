"""Upload jobs against real stores: retried with backoff, dead-lettered, retried by an admin.

The stores are real: a moto S3 server that is down and then up again, and a local
directory that cannot be written (its root is a file). The bus is the in-process one
inside the app, and RabbitMQ (a temporary vhost) for the dead-letter queue test.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aio_pika
import aiohttp
import pytest

from orchestrator.actions.artifacts import do_retry_upload
from orchestrator.actions.sessions import do_create_session
from orchestrator.actions.unit_of_work import UnitOfWork
from orchestrator.app import BUS_KEY, create_app
from orchestrator.domain.types import ArtifactState
from orchestrator.events.amqp_bus import AmqpBus
from orchestrator.events.memory_bus import InProcessBus
from orchestrator.settings import Settings
from recorder.storage.local import LocalStorage
from recorder.uploads import UPLOAD_QUEUE, UploadWorker
from tests.support.events import wait_until
from tests.support.rabbitmq import take_dead_letters, temporary_vhost
from tests.support.s3_server import S3Server, s3_server_fixture  # noqa: F401
from tests.support.uploads import (
    artifact_row,
    outbox_event,
    spooled_artifact,
    wait_for_state,
)
from tests.support.world import World, bearer, login, open_device


async def public_session(client: Any, world: World) -> tuple[str, int]:
    token, _ = await open_device(client, world.device_code)
    response = await client.post(
        "/api/code-user/sessions",
        json={"device_id": world.device_id, "reason": "noise", "contact": "+49 170 1234567"},
        headers=bearer(token),
    )
    assert response.status == 201, await response.text()
    return token, (await response.json())["id"]


async def test_uploads_to_s3_retry_dead_letter_and_an_administrator_retries(
    aiohttp_client: Any, settings: Settings, world: World, uow: UnitOfWork, s3_server: S3Server
) -> None:
    app_settings = settings.model_copy(
        update={
            **s3_server.settings_update(),
            "upload_max_attempts": 3,
            "upload_retry_base_seconds": 0.05,
            "upload_retry_max_seconds": 0.2,
        }
    )
    client = await aiohttp_client(create_app(app_settings))
    token, session_id = await public_session(client, world)
    artifact_id = await spooled_artifact(uow, app_settings, session_id)

    failed = await wait_for_state(uow, artifact_id, ArtifactState.FAILED)  # the store is down
    assert failed.upload_attempts == 3 and "s3" in failed.last_error
    bus = client.app[BUS_KEY]
    assert isinstance(bus, InProcessBus)

    async def dead_lettered() -> bool:
        return any(
            e.payload.data["artifact_id"] == artifact_id for e in bus.dead_letters(UPLOAD_QUEUE)
        )

    await wait_until(dead_lettered, "the upload job in the dead-letter queue", within=60)
    await login(client, "employee")
    assert (await client.get("/api/admin/uploads")).status == 403
    admin = await login(client, "admin")
    listed = await (await client.get("/api/admin/uploads")).json()
    assert [(u["id"], u["session_id"], u["upload_attempts"]) for u in listed] == [
        (artifact_id, session_id, 3)
    ]
    assert listed[0]["last_error"]

    s3_server.start()
    retried = await client.post(f"/api/admin/uploads/{artifact_id}/retry", headers=admin)
    assert retried.status == 202, await retried.text()
    stored = await wait_for_state(uow, artifact_id, ArtifactState.STORED)
    assert await (await client.get("/api/admin/uploads")).json() == []
    again = await client.post(f"/api/admin/uploads/{artifact_id}/retry", headers=admin)
    assert again.status == 409
    head = s3_server.client().head_object(Bucket=s3_server.bucket, Key=stored.storage_key)
    assert head["ContentLength"] == stored.size_bytes
    assert not (app_settings.storage_dir / "spool" / stored.storage_key).exists()

    # playback: a redirect to a short-lived pre-signed URL; S3 serves the range
    url = f"/api/code-user/sessions/{session_id}/artifacts/{artifact_id}/content"
    redirect = await client.get(url, headers=bearer(token), allow_redirects=False)
    assert redirect.status == 302, await redirect.text()
    location, ranged = redirect.headers["Location"], {"Range": "bytes=0-99"}
    async with aiohttp.ClientSession() as http, http.get(location, headers=ranged) as part:
        assert part.status == 206
        assert len(await part.read()) == 100
    employee = await client.get(
        f"/api/sessions/{session_id}/artifacts/{artifact_id}/content", allow_redirects=False
    )
    assert employee.status == 302
    stranger, _ = await open_device(client, world.device_code)
    assert (await client.get(url, headers=bearer(stranger), allow_redirects=False)).status == 404


@pytest.fixture(name="vhost")
def vhost_fixture() -> Iterator[str]:
    with temporary_vhost() as name:
        yield name


@pytest.mark.rabbitmq
async def test_on_rabbitmq_a_job_that_used_its_attempts_is_dead_lettered(
    settings: Settings, world: World, uow: UnitOfWork, vhost: str, tmp_path: Path
) -> None:
    url = f"amqp://guest:guest@127.0.0.1:5672/{vhost}"
    exchange, queue = f"test.events.{uuid.uuid4().hex[:8]}", "test.uploads"
    bus = AmqpBus(url, exchange, max_deliveries=4, retry_delay=0.05)
    await bus.connect()
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("the store's root is a file, so every put fails")
    worker_settings = settings.model_copy(
        update={"upload_max_attempts": 2, "upload_retry_base_seconds": 0.05}
    )
    worker = UploadWorker(uow, LocalStorage(blocked), worker_settings)
    try:
        await worker.attach(bus, queue)
        async with uow.transaction() as db:
            session = await do_create_session(db, world.employee, title="press")
            session_id = session.id
        artifact_id = await spooled_artifact(uow, worker_settings, session_id)
        job = await outbox_event(uow, "artifact.upload")
        await bus.publish(job)

        dead: list[aio_pika.abc.AbstractIncomingMessage] = []

        async def arrived() -> bool:
            dead.extend(await take_dead_letters(url, queue))
            return bool(dead)

        await wait_until(arrived, f"the job in {queue}.dead", within=60)
        assert [message.message_id for message in dead] == [job.id]
        failed = await artifact_row(uow, artifact_id)
        assert (failed.state, failed.upload_attempts) == (ArtifactState.FAILED, 2)

        worker.storage = LocalStorage(tmp_path / "objects")  # the store is back
        async with uow.transaction() as db:
            await do_retry_upload(db, world.admin, artifact_id)
        await bus.publish(await outbox_event(uow, "artifact.upload"))
        stored = await wait_for_state(uow, artifact_id, ArtifactState.STORED)
        assert (tmp_path / "objects" / stored.storage_key).stat().st_size == stored.size_bytes
    finally:
        await bus.close()
