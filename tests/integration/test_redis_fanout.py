"""Fan-out between two orchestrator instances through the real Redis on 127.0.0.1:6379.

Every test uses its own channel prefix, so parallel runs (and colleagues) never see
each other's messages; killing connections targets this test's connections by name.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from redis.asyncio import Redis

from orchestrator.realtime.fanout import EVENTS_CHANNEL, session_channel
from orchestrator.realtime.redis_fanout import RedisFanout
from tests.support.events import make_event

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

    def empty(self) -> bool:
        return self.items.empty()


@pytest.fixture(name="instances")
async def instances_fixture() -> AsyncIterator[tuple[RedisFanout, RedisFanout]]:
    """Two fan-outs, as two orchestrator processes would hold them."""
    prefix = f"fernblick-test-{uuid.uuid4().hex[:8]}"
    first = RedisFanout(REDIS_URL, instance_name="one", prefix=prefix)
    second = RedisFanout(REDIS_URL, instance_name="two", prefix=prefix)
    await first.start()
    await second.start()
    yield first, second
    await first.close()
    await second.close()


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
