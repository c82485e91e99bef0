"""The embedded bus: AMQP topic matching, at-least-once delivery, order, dead letters."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from orchestrator.events.amqp_bus import AmqpBus
from orchestrator.events.bus import create_bus, topic_matches
from orchestrator.events.memory_bus import InProcessBus
from orchestrator.events.schemas import Event
from orchestrator.settings import Settings
from tests.support.events import make_event


@pytest.mark.parametrize(
    ("pattern", "key", "matches"),
    [
        ("session.requested", "session.requested", True),
        ("session.requested", "session.confirmed", False),
        ("session.*", "session.requested", True),
        ("session.*", "call.started", False),
        ("session.*", "session", False),
        ("session.*", "session.a.b", False),
        ("*.started", "call.started", True),
        ("*", "call.started", False),
        ("#", "call.started", True),
        ("#", "call", True),
        ("session.#", "session", True),
        ("session.#", "session.a.b", True),
        ("#.started", "call.started", True),
        ("#.started", "call.ended", False),
        ("a.#.b", "a.b", True),
        ("a.#.b", "a.x.y.b", True),
        ("a.#.b", "a.x.y.c", False),
        ("a.*.c", "a.c", False),
        ("#.#", "a.b", True),
    ],
)
def test_topic_matching_follows_amqp(pattern: str, key: str, matches: bool) -> None:
    assert topic_matches(pattern, key) is matches


@pytest.fixture(name="bus")
async def bus_fixture() -> AsyncIterator[InProcessBus]:
    bus = InProcessBus(max_deliveries=3, retry_delay=0)
    await bus.connect()
    yield bus
    await bus.close()


class Recorder:
    """A handler that records deliveries and fails the first ``failures`` of each event."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.deliveries: list[Event] = []

    async def __call__(self, event: Event) -> None:
        self.deliveries.append(event)
        if sum(seen.id == event.id for seen in self.deliveries) <= self.failures:
            raise RuntimeError("handler failure")

    @property
    def ids(self) -> list[str]:
        return [event.id for event in self.deliveries]


async def test_each_matching_queue_gets_each_event_once(bus: InProcessBus) -> None:
    sessions, calls, everything = Recorder(), Recorder(), Recorder()
    await bus.consume("sessions", ["session.*"], sessions)
    await bus.consume("calls", ["call.*"], calls)
    await bus.consume("everything", ["session.requested", "#"], everything)
    requested, started = make_event("session.requested"), make_event("call.started")

    await bus.publish(requested)
    await bus.publish(started)
    await asyncio.wait_for(bus.join(), 5)

    assert sessions.ids == [requested.id]
    assert calls.ids == [started.id]
    assert everything.ids == [requested.id, started.id]


async def test_handlers_get_a_wire_copy(bus: InProcessBus) -> None:
    recorder = Recorder()
    await bus.consume("q", ["#"], recorder)
    event = make_event()

    await bus.publish(event)
    await asyncio.wait_for(bus.join(), 5)

    assert recorder.deliveries == [event]
    assert recorder.deliveries[0] is not event


async def test_a_queue_is_handled_in_publish_order(bus: InProcessBus) -> None:
    recorder = Recorder()
    await bus.consume("q", ["session.*"], recorder)
    events = [make_event(session_id=n) for n in range(200)]

    for event in events:
        await bus.publish(event)
    await asyncio.wait_for(bus.join(), 5)

    assert recorder.ids == [event.id for event in events]


async def test_a_failed_delivery_is_retried_before_the_next_event(bus: InProcessBus) -> None:
    recorder = Recorder(failures=2)
    await bus.consume("q", ["#"], recorder)
    first, second = make_event(session_id=1), make_event(session_id=2)

    await bus.publish(first)
    await bus.publish(second)
    await asyncio.wait_for(bus.join(), 5)

    assert recorder.ids == [first.id] * 3 + [second.id] * 3
    assert bus.dead_letters("q") == []


async def test_an_event_that_always_fails_is_dead_lettered(bus: InProcessBus) -> None:
    recorder = Recorder(failures=1_000)
    await bus.consume("q", ["#"], recorder)
    poison = make_event()

    await bus.publish(poison)
    await asyncio.wait_for(bus.join(), 5)

    assert recorder.ids == [poison.id] * 3
    assert bus.dead_letters("q") == [poison]


async def test_events_without_a_matching_queue_are_dropped(bus: InProcessBus) -> None:
    recorder = Recorder()
    await bus.consume("calls", ["call.*"], recorder)

    await bus.publish(make_event("session.requested"))
    await asyncio.wait_for(bus.join(), 5)

    assert recorder.deliveries == []


async def test_a_closed_bus_refuses_to_publish(bus: InProcessBus) -> None:
    await bus.close()
    with pytest.raises(RuntimeError):
        await bus.publish(make_event())


def test_create_bus_follows_the_bus_url() -> None:
    assert isinstance(create_bus(Settings(bus_url="memory://")), InProcessBus)
    amqp = Settings(bus_url="amqp://guest:guest@127.0.0.1:5672/")
    assert isinstance(create_bus(amqp), AmqpBus)
    with pytest.raises(ValueError, match="FERNBLICK_BUS_URL"):
        create_bus(Settings(bus_url="kafka://127.0.0.1"))


async def test_a_declared_queue_collects_events_until_it_is_consumed() -> None:
    bus = InProcessBus()
    early = make_event("session.requested")
    await bus.declare("later", ["session.*"])
    await bus.publish(early)
    received: list[str] = []

    async def handle(event: Event) -> None:
        received.append(event.id)

    await bus.consume("later", ["session.*"], handle)
    await bus.join()
    await bus.close()
    assert received == [early.id]
