"""Janus session upkeep and the event handler, on dedicated real nodes.

Each test starts its own node (short ``session_timeout``, an event URL or a
RabbitMQ exchange), so the session-wide node keeps its defaults.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import AsyncIterator

import aio_pika
import aiohttp
import pytest
from aiohttp import web

from janus_config.render import RabbitMqTarget
from orchestrator.janus.admin import VIDEOROOM_PLUGIN, JanusAdmin
from orchestrator.janus.client import JanusClient, JanusSession, JsonObject
from orchestrator.janus.errors import JanusSessionGone
from tests.support.janus_clients import http_fixture  # noqa: F401
from tests.support.janus_server import JanusFactory, RunningJanus, janus_factory_fixture  # noqa: F401
from tests.support.ports import free_tcp_ports

pytestmark = pytest.mark.janus
SHORT_SESSION_TIMEOUT = 2


def orchestrator_client(node: RunningJanus, http: aiohttp.ClientSession) -> JanusClient:
    return JanusClient(
        node.url,
        http=http,
        node_name=node.name,
        api_secret=node.secrets.api_secret,
        keepalive_interval=0.5,
    )


async def wait_until_gone(admin: JanusAdmin, session_id: int) -> None:
    """Poll the admin API until Janus has reaped the session (bounded)."""
    async with asyncio.timeout(30):
        while True:
            if session_id not in await admin.list_sessions():
                return
            await asyncio.sleep(0.5)


async def test_keepalive_holds_a_session_past_the_session_timeout(
    janus_factory: JanusFactory, http: aiohttp.ClientSession
) -> None:
    node = janus_factory.start("short-timeout", session_timeout=SHORT_SESSION_TIMEOUT)
    client = orchestrator_client(node, http)
    admin = JanusAdmin(node.admin_url, node.secrets.admin_secret, http=http)
    idle_id = int((await client.post("", {"janus": "create"}))["data"]["id"])
    kept = JanusSession(client, int((await client.post("", {"janus": "create"}))["data"]["id"]))
    managed = await client.create_session()

    async def keep_alive_by_hand() -> None:
        while True:
            await kept.keepalive()
            await asyncio.sleep(0.5)

    keeper = asyncio.create_task(keep_alive_by_hand())
    await wait_until_gone(admin, idle_id)  # the timeout has struck at least once
    keeper.cancel()

    assert {kept.id, managed.id} <= set(await admin.list_sessions())
    assert managed.alive
    assert (await managed.attach(VIDEOROOM_PLUGIN)).id > 0
    await managed.destroy()
    await kept.destroy()


async def test_a_timed_out_session_reports_itself_gone(
    janus_factory: JanusFactory, http: aiohttp.ClientSession
) -> None:
    node = janus_factory.start("reaper", session_timeout=SHORT_SESSION_TIMEOUT)
    client = orchestrator_client(node, http)
    admin = JanusAdmin(node.admin_url, node.secrets.admin_secret, http=http)
    idle = JanusSession(client, int((await client.post("", {"janus": "create"}))["data"]["id"]))

    await wait_until_gone(admin, idle.id)

    with pytest.raises(JanusSessionGone) as caught:
        await idle.keepalive()
    assert caught.value.janus_code == 458
    assert not idle.alive


@pytest.fixture(name="event_sink")
async def event_sink_fixture() -> AsyncIterator[tuple[str, asyncio.Queue[JsonObject]]]:
    """A local HTTP endpoint that collects what Janus's sample event handler POSTs."""
    received: asyncio.Queue[JsonObject] = asyncio.Queue()

    async def collect(request: web.Request) -> web.Response:
        body = await request.json()
        for event in body if isinstance(body, list) else [body]:
            received.put_nowait(event)
        return web.Response()

    app = web.Application()
    app.router.add_post("/janus/events", collect)
    runner = web.AppRunner(app)
    await runner.setup()
    (port,) = free_tcp_ports(1)
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield f"http://127.0.0.1:{port}/janus/events", received
    finally:
        await runner.cleanup()


async def test_the_sample_event_handler_posts_session_events(
    janus_factory: JanusFactory,
    http: aiohttp.ClientSession,
    event_sink: tuple[str, asyncio.Queue[JsonObject]],
) -> None:
    url, received = event_sink
    node = janus_factory.start("with-events", event_url=url)
    session = await orchestrator_client(node, http).create_session()

    async with asyncio.timeout(20):
        while True:
            event = await received.get()
            if event.get("session_id") == session.id and event.get("type") == 1:
                break
    assert event["event"]["name"] == "created"
    assert event["emitter"] == "with-events"
    await session.destroy()


@pytest.mark.rabbitmq
async def test_the_rabbitmq_event_handler_publishes_to_its_exchange(
    janus_factory: JanusFactory, http: aiohttp.ClientSession
) -> None:
    exchange_name = f"fernblick-test-janus-{secrets.token_hex(4)}"
    node = janus_factory.start("with-amqp", rabbitmq=RabbitMqTarget(exchange=exchange_name))
    connection = await aio_pika.connect("amqp://guest:guest@127.0.0.1:5672/")
    try:
        channel = await connection.channel()
        exchange = await channel.get_exchange(exchange_name, ensure=True)  # Janus declared it
        queue = await channel.declare_queue(exclusive=True, auto_delete=True)
        await queue.bind(exchange, routing_key="#")
        session = await orchestrator_client(node, http).create_session()

        async with asyncio.timeout(20), queue.iterator() as messages:
            async for message in messages:
                await message.ack()
                events = json.loads(message.body)
                created = [e for e in events if e.get("session_id") == session.id]
                if created:
                    break
        assert message.routing_key == "janus.event"
        assert created[0]["event"]["name"] == "created"
        assert created[0]["emitter"] == "with-amqp"
        await session.destroy()
        await channel.exchange_delete(exchange_name)
    finally:
        await connection.close()
