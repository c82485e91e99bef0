"""Fan-out between two orchestrator instances through the real Redis on 127.0.0.1:6379.

Every test uses its own channel prefix, so parallel runs (and colleagues) never see
each other's messages; killing connections targets this test's connections by name.
The restart test runs a private redis-server on a free loopback port instead, so
that stopping it disturbs no one.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError

from orchestrator.realtime.fanout import EVENTS_CHANNEL, session_channel
from orchestrator.realtime.redis_fanout import RedisFanout
from tests.support.events import make_event
from tests.support.ports import free_port

pytestmark = pytest.mark.redis

REDIS_URL = "redis://127.0.0.1:6379/0"


class Inbox:
    """A subscriber's callbacks: messages and gaps, in arrival order."""

    def __init__(self) -> None:
        self.items: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()

    def on_message(self, channel: str, message: dict[str, Any]) -> None:
        self.items.put_nowait((channel, message))

    def on_gap(self) -> None:
        self.items.put_nowait(("gap", None))

    async def next(self) -> tuple[str, Any]:
        return await asyncio.wait_for(self.items.get(), 10)

    async def next_message(self) -> tuple[int, tuple[str, Any]]:
        """The next message, and how many gaps came before it."""
        gaps = 0
        while (item := await self.next())[0] == "gap":
            gaps += 1
        return gaps, item

    def empty(self) -> bool:
        return self.items.empty()


async def start_instances(url: str, **options: Any) -> tuple[RedisFanout, RedisFanout]:
    """Two fan-outs, as two orchestrator processes would hold them."""
    prefix = f"fernblick-test-{uuid.uuid4().hex[:8]}"
    first = RedisFanout(url, instance_name="one", prefix=prefix, **options)
    second = RedisFanout(url, instance_name="two", prefix=prefix, **options)
    await first.start()
    await second.start()
    return first, second


@pytest.fixture(name="instances")
async def instances_fixture() -> AsyncIterator[tuple[RedisFanout, RedisFanout]]:
    instances = await start_instances(REDIS_URL, publish_pause=0)
    yield instances
    for fanout in instances:
        await fanout.close()


class PrivateRedis:
    """A redis-server of this test's own, which it may stop and start again."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        self.process = await asyncio.create_subprocess_exec(
            "redis-server",
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        client = Redis.from_url(self.url)
        try:
            async with asyncio.timeout(10):
                while True:
                    try:
                        if await client.ping():
                            return
                    except RedisConnectionError:
                        await asyncio.sleep(0.05)
        finally:
            await client.aclose()

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.terminate()
            await asyncio.wait_for(self.process.wait(), 10)


@pytest.fixture(name="private_redis")
async def private_redis_fixture() -> AsyncIterator[PrivateRedis]:
    server = PrivateRedis()
    await server.start()
    yield server
    await server.stop()


async def inboxes_of(instances: tuple[RedisFanout, RedisFanout]) -> tuple[Inbox, Inbox]:
    """One subscriber to the events channel on each instance."""
    inboxes = Inbox(), Inbox()
    for fanout, inbox in zip(instances, inboxes, strict=True):
        await fanout.subscribe(EVENTS_CHANNEL, inbox.on_message, inbox.on_gap)
    return inboxes


async def kill_listener(fanout: RedisFanout) -> None:
    """``CLIENT KILL`` the subscriber connection of ``fanout`` (and no one else's)."""
    admin = Redis.from_url(REDIS_URL, decode_responses=True)
    try:
        clients = await admin.client_list(_type="pubsub")
        ids = [client["id"] for client in clients if client["name"] == fanout.listener_name]
        assert len(ids) == 1, clients
        await admin.client_kill_filter(_id=ids[0])
    finally:
        await admin.aclose()


async def test_a_publish_on_one_instance_reaches_subscribers_of_both(
    instances: tuple[RedisFanout, RedisFanout],
) -> None:
    first, second = instances
    inboxes = await inboxes_of(instances)
    event = make_event()

    await first.publish(event)
    await second.publish({"note": "from two"})

    for inbox in inboxes:
        assert await inbox.next() == (EVENTS_CHANNEL, event.model_dump(mode="json"))
        assert await inbox.next() == (EVENTS_CHANNEL, {"note": "from two"})


async def test_session_channels_are_separate_from_events(
    instances: tuple[RedisFanout, RedisFanout],
) -> None:
    first, second = instances
    events, call = Inbox(), Inbox()
    await second.subscribe(EVENTS_CHANNEL, events.on_message)
    subscription = await second.subscribe(session_channel(7), call.on_message)

    await first.publish({"stroke": [1, 2]}, channel=session_channel(7))
    await first.publish({"stroke": [3, 4]}, channel=session_channel(8))
    await first.publish({"kind": "event"})

    assert await call.next() == ("session.7", {"stroke": [1, 2]})
    assert await events.next() == (EVENTS_CHANNEL, {"kind": "event"})
    assert call.empty()

    await second.unsubscribe(subscription)
    await first.publish({"stroke": [5, 6]}, channel=session_channel(7))
    await first.publish({"kind": "after"})
    assert await events.next() == (EVENTS_CHANNEL, {"kind": "after"})
    assert call.empty()


async def test_a_killed_subscriber_reconnects_reports_a_gap_and_receives_again(
    instances: tuple[RedisFanout, RedisFanout],
) -> None:
    first, second = instances
    untouched, killed = await inboxes_of(instances)

    await kill_listener(second)

    assert await killed.next() == ("gap", None)
    await first.publish({"after": "reconnect"})
    assert await killed.next() == (EVENTS_CHANNEL, {"after": "reconnect"})
    assert await untouched.next() == (EVENTS_CHANNEL, {"after": "reconnect"})
    assert untouched.empty()  # its connection was not killed: no gap


async def test_a_failed_publish_is_reported_as_a_gap_to_every_instance(
    instances: tuple[RedisFanout, RedisFanout], monkeypatch: pytest.MonkeyPatch
) -> None:
    first, _second = instances
    inboxes = await inboxes_of(instances)
    publisher = first._publisher  # the boundary under test: Redis refusing a PUBLISH

    async def refuse(*_args: Any) -> int:
        raise ConnectionError("Redis is restarting")

    monkeypatch.setattr(publisher, "publish", refuse)
    await first.publish({"lost": True})
    monkeypatch.undo()
    await first.publish({"next": True})

    for inbox in inboxes:
        assert await inbox.next() == ("gap", None)
        assert await inbox.next() == (EVENTS_CHANNEL, {"next": True})


async def test_a_redis_restart_is_survived_and_reported_as_a_gap(
    private_redis: PrivateRedis,
) -> None:
    instances = await start_instances(private_redis.url)
    first, _second = instances
    inboxes = await inboxes_of(instances)
    try:
        await private_redis.stop()
        await first.publish({"during": "outage"})  # lost: owed as a gap marker
        await private_redis.start()

        for inbox in inboxes:  # each reader reconnected and resubscribed
            assert await inbox.next() == ("gap", None)
        await first.publish({"after": "restart"})
        for inbox in inboxes:
            _gaps, message = await inbox.next_message()
            assert message == (EVENTS_CHANNEL, {"after": "restart"})
    finally:
        for fanout in instances:
            await fanout.close()
