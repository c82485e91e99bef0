"""Observability against the real app: /healthz, /readyz, /metrics, request ids, JSON logs."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from notifier.worker import NotifyConsumer
from orchestrator.access_log import AccessLogger
from orchestrator.actions.unit_of_work import UnitOfWork
from orchestrator.app import create_app
from orchestrator.events.consumer import Consumer
from orchestrator.events.schemas import Event
from orchestrator.observability.logs import build_handler
from orchestrator.settings import JanusNode, Settings
from tests.support.calls import call_settings
from tests.support.events import make_event, wait_until
from tests.support.janus_server import RunningJanus, janus_node_fixture  # noqa: F401
from tests.support.ports import free_tcp_ports
from tests.support.rabbitmq import BROKER, vhost_fixture  # noqa: F401
from tests.support.servers import orchestrator_process, settings_env, wait_until_healthy
from tests.support.uploads import spooled_artifact
from tests.support.world import World, assert_problem, bearer, open_device

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def dead_node() -> JanusNode:
    """A Janus node nobody listens on."""
    port = free_tcp_ports(1)[0]
    return JanusNode(
        name="janus-gone",
        url=f"http://127.0.0.1:{port}/janus",
        admin_url=f"http://127.0.0.1:{port}/admin",
        public_url=f"ws://127.0.0.1:{port}/",
    )


async def scrape(client: TestClient[Any, Any]) -> Samples:
    response = await client.get("/metrics")
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/plain; version=")
    samples: Samples = {}
    for family in text_string_to_metric_families(await response.text()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


async def request_session(client: TestClient[Any, Any], world: World) -> tuple[int, str]:
    """A code user requests a session; its id and the code user's token."""
    token, _ = await open_device(client, world.device_code)
    body = {"device_id": world.device_id, "reason": "Fault 17", "contact": "+49 170 1"}
    response = await client.post("/api/code-user/sessions", json=body, headers=bearer(token))
    assert response.status == 201, await response.text()
    return int((await response.json())["id"]), token


async def test_healthz_answers_and_readyz_names_the_missing_janus(
    aiohttp_client: Any, settings: Settings, world: World
) -> None:
    client = await aiohttp_client(
        create_app(settings.model_copy(update={"janus_nodes": [dead_node()]}))
    )
    assert (await client.get("/healthz")).status == 200
    body = await assert_problem(await client.get("/readyz"), 503, "not_ready")
    assert body["checks"]["database"] == "ok" and body["checks"]["bus"] == "ok"
    assert body["checks"]["janus"].startswith("no healthy node (janus-gone:")


async def test_readyz_is_ready_with_database_bus_and_a_healthy_janus(
    aiohttp_client: Any, settings: Settings, world: World, janus_node: RunningJanus
) -> None:
    configured = call_settings(settings, [janus_node], grace=5, ring=5)
    # A second node that is down does not make the instance unready: one healthy suffices.
    configured = configured.model_copy(update={"janus_nodes": [janus_node.node, dead_node()]})
    client = await aiohttp_client(create_app(configured))

    async def ready() -> bool:
        return (await client.get("/readyz")).status == 200

    await wait_until(ready, "readyz 200", within=15)
    body = await (await client.get("/readyz")).json()
    assert body == {"status": "ready", "checks": {"database": "ok", "bus": "ok", "janus": "ok"}}


async def test_readyz_is_503_while_the_database_is_unreachable(
    aiohttp_client: Any, settings: Settings, world: World
) -> None:
    port = free_tcp_ports(1)[0]
    unreachable = settings.model_copy(
        update={"database_url": f"postgresql+asyncpg://fernblick@127.0.0.1:{port}/fernblick"}
    )
    client = await aiohttp_client(create_app(unreachable))
    assert (await client.get("/healthz")).status == 200
    body = await assert_problem(await client.get("/readyz"), 503, "not_ready")
    assert body["checks"]["database"] != "ok"
    assert "database" in body["detail"]
    samples = await scrape(client)
    assert samples[("fernblick_database_up", ())] == 0


async def test_metrics_report_sessions_calls_nodes_backlogs_failures_and_latency(
    aiohttp_client: Any, settings: Settings, uow: UnitOfWork, world: World
) -> None:
    port = free_tcp_ports(1)[0]
    configured = settings.model_copy(
        update={
            "janus_nodes": [dead_node()],
            # E-mail to an SMTP server that is not there fails for good at once;
            # in-app deliveries succeed.
            "smtp_host": "127.0.0.1",
            "smtp_port": port,
            "smtp_tls": "none",
            "smtp_timeout_seconds": 2.0,
            "notify_max_attempts": 1,
            "vapid_private_key": SecretStr(""),
        }
    )
    client = await aiohttp_client(create_app(configured))
    before = await scrape(client)
    session_ids = [(await request_session(client, world))[0] for _ in range(3)]

    async def settled() -> bool:
        samples = await scrape(client)
        return (
            samples.get(("fernblick_notifications", (("channel", "email"), ("state", "failed"))), 0)
            == 6
        )

    await wait_until(settled, "six failed e-mails (two employees, three requests)", within=30)
    after = await scrape(client)
    assert after[("fernblick_sessions", (("status", "REQUESTED"),))] == len(session_ids)
    assert after[("fernblick_sessions", (("status", "RUNNING"),))] == 0
    assert after[("fernblick_calls", (("state", "active"),))] == 0
    assert after[("fernblick_outbox_unpublished", ())] == 0
    assert after[("fernblick_uploads", (("state", "failed"),))] == 0
    assert after[("fernblick_database_up", ())] == 1
    assert after[("fernblick_queue_messages", (("queue", NotifyConsumer.name),))] == 0
    assert after[("fernblick_queue_messages", (("queue", f"{NotifyConsumer.name}.dead"),))] == 0
    node = (("node", "janus-gone"),)
    assert after[("fernblick_janus_node_healthy", node)] == 0
    assert after[("fernblick_janus_node_draining", node)] == 0
    assert after[("fernblick_janus_node_rooms", node)] == 0

    def delta(name: str, labels: tuple[tuple[str, str], ...]) -> float:
        return after.get((name, labels), 0) - before.get((name, labels), 0)

    failed = (("job", "notification"), ("outcome", "failed"))
    assert delta("fernblick_job_failures_total", failed) == 6
    in_app = (("channel", "in_app"),)
    delivered = delta("fernblick_notification_latency_seconds_count", in_app)
    assert delivered >= len(session_ids)
    slowest_bucket = (("channel", "in_app"), ("le", "+Inf"))
    assert delta("fernblick_notification_latency_seconds_bucket", slowest_bucket) == delivered
    assert delta("fernblick_notification_latency_seconds_sum", in_app) > 0


@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    """What the JSON log handler writes while a test runs (root and access loggers)."""
    stream = io.StringIO()
    handler = build_handler(Settings(log_format="json"), stream)
    root, access = logging.getLogger(), logging.getLogger("aiohttp.access")
    old_level = access.level
    access.setLevel(logging.INFO)
    root.addHandler(handler)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        access.setLevel(old_level)


async def test_request_ids_and_session_ids_reach_the_answer_and_json_logs(
    aiohttp_client: Any, settings: Settings, world: World, json_lines: io.StringIO
) -> None:
    server = TestServer(create_app(settings))
    await server.start_server(access_log_class=AccessLogger)  # as ``fernblick serve`` does
    client = await aiohttp_client(server)
    session_id, token = await request_session(client, world)
    response = await client.get(
        f"/api/code-user/sessions/{session_id}",
        headers={**bearer(token), "X-Request-ID": "support-ticket-4711"},
    )
    assert response.headers["X-Request-ID"] == "support-ticket-4711"
    for unsafe in ('x" level="ERROR', "x" * 65):
        replaced = await client.get("/healthz", headers={"X-Request-ID": unsafe})
        assert re.fullmatch(r"[0-9a-f]{32}", replaced.headers["X-Request-ID"])
    missing = await client.get("/api/sessions/999999")
    await assert_problem(missing, 401)
    assert missing.headers["X-Request-ID"]

    lines = [json.loads(line) for line in json_lines.getvalue().splitlines()]
    access = [line for line in lines if line["logger"] == "aiohttp.access"]
    mine = [line for line in access if line.get("request_id") == "support-ticket-4711"]
    assert len(mine) == 1, access
    assert mine[0]["session_id"] == session_id
    assert mine[0]["status"] == response.status
    assert mine[0]["path"] == f"/api/code-user/sessions/{session_id}"
    assert {"time", "level", "message", "duration_ms"} <= set(mine[0])


@pytest.mark.rabbitmq
async def test_queue_depths_come_from_the_broker(
    aiohttp_client: Any, settings: Settings, world: World, vhost: str
) -> None:
    """The notifier runs elsewhere (not started here): its queue fills, and /metrics says so."""
    broker = settings.model_copy(
        update={
            "bus_url": f"{BROKER}/{vhost}",
            "notifier_embedded": False,
            "janus_nodes": [dead_node()],
        }
    )
    client = await aiohttp_client(create_app(broker))
    queue = (("queue", NotifyConsumer.name),)
    dead = (("queue", f"{NotifyConsumer.name}.dead"),)

    def depth(count: int) -> Callable[[], Awaitable[bool]]:
        async def reached() -> bool:
            return (await scrape(client)).get(("fernblick_queue_messages", queue)) == count

        return reached

    await wait_until(depth(0), "the notifier's queue, declared and empty", within=30)
    for _ in range(2):
        await request_session(client, world)
    await wait_until(depth(2), "two session.requested events waiting for the notifier", within=30)
    samples = await scrape(client)
    assert samples[("fernblick_queue_messages", dead)] == 0
    assert samples[("fernblick_outbox_unpublished", ())] == 0


class LoggingConsumer(Consumer):
    name = "test-logging"
    binding_keys = ("session.*",)

    async def handle(self, event: Event, db: AsyncSession) -> None:
        logging.getLogger("tests.consumer").warning("handling %s", event.type)


async def test_consumers_log_the_session_of_their_event(
    session_factory: async_sessionmaker[AsyncSession], json_lines: io.StringIO
) -> None:
    assert await LoggingConsumer(session_factory).consume(make_event(session_id=4242))
    lines = [json.loads(line) for line in json_lines.getvalue().splitlines()]
    mine = [line for line in lines if line["logger"] == "tests.consumer"]
    assert [(line["message"], line["session_id"]) for line in mine] == [
        ("handling session.requested", 4242)
    ]


async def test_upload_failures_are_counted_and_the_failed_one_shown(
    aiohttp_client: Any, settings: Settings, world: World, uow: UnitOfWork
) -> None:
    configured = settings.model_copy(
        update={
            "janus_nodes": [dead_node()],
            "upload_max_attempts": 2,
            "upload_retry_base_seconds": 0.05,
            "upload_retry_max_seconds": 0.1,
        }
    )
    # Local storage whose root is a file: every upload attempt fails.
    configured.storage_dir.mkdir(parents=True, exist_ok=True)
    (configured.storage_dir / "objects").write_text("not a directory")
    client = await aiohttp_client(create_app(configured))
    before = await scrape(client)
    session_id, _ = await request_session(client, world)
    await spooled_artifact(uow, configured, session_id)

    def delta(samples: Samples, outcome: str) -> float:
        key = ("fernblick_job_failures_total", (("job", "upload"), ("outcome", outcome)))
        return samples.get(key, 0) - before.get(key, 0)

    async def given_up() -> bool:
        samples = await scrape(client)
        return delta(samples, "failed") == 1

    await wait_until(given_up, "the upload given up after two attempts", within=60)
    after = await scrape(client)
    assert delta(after, "retry") == 1
    assert after[("fernblick_uploads", (("state", "failed"),))] == 1
    assert after[("fernblick_uploads", (("state", "pending"),))] == 0


async def test_fernblick_serve_writes_json_lines_with_the_request_id(
    settings: Settings, world: World, tmp_path: Path
) -> None:
    """The CLI's one logging set-up and access log, in a real ``fernblick serve``."""
    env = {
        **settings_env(settings, "database_url", "storage_dir", "env"),
        "FERNBLICK_LOG_FORMAT": "json",
        "FERNBLICK_JANUS_NODES": json.dumps([dead_node().model_dump()]),
    }
    log_path = tmp_path / "serve.log"
    with orchestrator_process(free_tcp_ports(1)[0], env, log_path) as base_url:
        await wait_until_healthy(base_url)
        async with aiohttp.ClientSession() as http:
            async with http.get(
                f"{base_url}/api/sessions/7", headers={"X-Request-ID": "ops-check-1"}
            ) as response:
                assert response.status == 401
                assert response.headers["X-Request-ID"] == "ops-check-1"

            async def logged() -> bool:
                return "ops-check-1" in log_path.read_text()

            await wait_until(logged, "the access log line", within=10)
    lines = [json.loads(line) for line in log_path.read_text().splitlines() if line.startswith("{")]
    access = [line for line in lines if line.get("request_id") == "ops-check-1"]
    assert len(access) == 1, lines
    assert access[0]["logger"] == "aiohttp.access" and access[0]["status"] == 401
    assert access[0]["session_id"] == 7 and access[0]["path"] == "/api/sessions/7"
    assert all({"time", "level", "logger", "message"} <= set(line) for line in lines)


def test_the_log_handler_writes_to_the_stderr_of_the_moment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A command run in-process (as the tests do) must not leave the root logger writing
    into a stream that was closed after it."""
    handler = build_handler(Settings(log_format="text"))
    first, second = io.StringIO(), io.StringIO()
    monkeypatch.setattr("sys.stderr", first)
    handler.handle(logging.makeLogRecord({"msg": "into the first", "levelno": logging.INFO}))
    assert "into the first" in first.getvalue()
    first.close()
    monkeypatch.setattr("sys.stderr", second)
    handler.handle(logging.makeLogRecord({"msg": "into the second", "levelno": logging.INFO}))
    assert "into the second" in second.getvalue()
