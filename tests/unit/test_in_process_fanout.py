"""The single-process fan-out and the choice between it and Redis."""

from __future__ import annotations

from typing import Any

from orchestrator.realtime.fanout import (
    EVENTS_CHANNEL,
    InProcessFanout,
    create_fanout,
    session_channel,
)
from orchestrator.realtime.redis_fanout import RedisFanout
from orchestrator.settings import Settings
from tests.support.events import make_event


async def test_subscribers_get_copies_of_their_channel_only() -> None:
    fanout = InProcessFanout()
    events: list[tuple[str, dict[str, Any]]] = []
    call: list[tuple[str, dict[str, Any]]] = []
    await fanout.subscribe(EVENTS_CHANNEL, lambda channel, data: events.append((channel, data)))
    await fanout.subscribe(session_channel(3), lambda channel, data: call.append((channel, data)))
    event = make_event()
    stroke = {"points": [[0, 0], [1, 1]]}

    await fanout.publish(event)
    await fanout.publish(stroke, channel=session_channel(3))

    assert events == [(EVENTS_CHANNEL, event.model_dump(mode="json"))]
    assert call == [("session.3", stroke)]
    assert call[0][1] is not stroke


async def test_a_failing_subscriber_does_not_stop_the_others() -> None:
    fanout = InProcessFanout()
    received: list[dict[str, Any]] = []

    def broken(_channel: str, _data: dict[str, Any]) -> None:
        raise RuntimeError("subscriber bug")

    await fanout.subscribe(EVENTS_CHANNEL, broken)
    await fanout.subscribe(EVENTS_CHANNEL, lambda _channel, data: received.append(data))

    await fanout.publish({"n": 1})

    assert received == [{"n": 1}]


async def test_unsubscribed_callbacks_hear_nothing() -> None:
    fanout = InProcessFanout()
    received: list[dict[str, Any]] = []
    subscription = await fanout.subscribe(
        EVENTS_CHANNEL, lambda _channel, data: received.append(data)
    )

    await fanout.unsubscribe(subscription)
    await fanout.publish({"n": 1})

    assert received == []


def test_create_fanout_follows_the_redis_url() -> None:
    assert isinstance(create_fanout(Settings(redis_url=None)), InProcessFanout)
    assert isinstance(create_fanout(Settings(redis_url="redis://127.0.0.1:6379/0")), RedisFanout)
