"""The Janus pool on two real nodes: placement, health, draining, lookup."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from orchestrator.domain.errors import ServiceUnavailable
from orchestrator.janus.pool import JanusPool, NodeLoad
from orchestrator.janus.rooms import RoomService
from orchestrator.settings import Settings, load_settings
from tests.support.janus_clients import http_fixture  # noqa: F401
from tests.support.janus_server import (  # noqa: F401
    TEST_SECRETS,
    JanusFactory,
    RunningJanus,
    janus_factory_fixture,
)

pytestmark = pytest.mark.janus


@pytest.fixture(name="two_nodes")
def two_nodes_fixture(janus_factory: JanusFactory) -> tuple[RunningJanus, RunningJanus]:
    return janus_factory.start("node-a"), janus_factory.start("node-b")


@pytest.fixture(name="pool")
async def pool_fixture(
    two_nodes: tuple[RunningJanus, RunningJanus], http: aiohttp.ClientSession
) -> AsyncIterator[JanusPool]:
    pool = JanusPool(
        [node.node for node in two_nodes], TEST_SECRETS, http=http, health_interval=3600
    )
    await pool.start()
    try:
        yield pool
    finally:
        await pool.close()


def pool_settings(nodes: tuple[RunningJanus, RunningJanus]) -> Settings:
    return load_settings(
        janus_nodes=[node.node for node in nodes],
        janus_api_secret=TEST_SECRETS.api_secret,
        janus_admin_secret=TEST_SECRETS.admin_secret,
        janus_videoroom_admin_key=TEST_SECRETS.videoroom_admin_key,
        janus_health_interval_seconds=3600,
    )


def room_service(pool: JanusPool, nodes: tuple[RunningJanus, RunningJanus]) -> RoomService:
    return RoomService(pool, pool_settings(nodes))


async def test_both_nodes_start_healthy_and_empty(pool: JanusPool) -> None:
    assert [(node.name, node.healthy, node.load) for node in pool.nodes] == [
        ("node-a", True, NodeLoad()),
        ("node-b", True, NodeLoad()),
    ]


async def test_new_rooms_spread_over_the_least_loaded_nodes(
    pool: JanusPool, two_nodes: tuple[RunningJanus, RunningJanus]
) -> None:
    rooms = room_service(pool, two_nodes)
    opened = [await rooms.open_room(f"spread-{index}") for index in range(4)]

    assert sorted(room.node for room in opened) == ["node-a", "node-a", "node-b", "node-b"]
    await pool.check_health()
    assert {node.name: node.load.rooms for node in pool.nodes} == {"node-a": 2, "node-b": 2}
    for room in opened:
        await rooms.close_room(room)


async def test_a_killed_node_turns_unhealthy_and_new_rooms_avoid_it(
    pool: JanusPool, two_nodes: tuple[RunningJanus, RunningJanus]
) -> None:
    node_b = two_nodes[1]
    rooms = room_service(pool, two_nodes)
    node_b.kill()

    await pool.check_health()

    assert pool.node("node-a").healthy
    assert not pool.node("node-b").healthy
    assert pool.node("node-b").last_error
    opened = [await rooms.open_room(f"survivor-{index}") for index in range(3)]
    assert {room.node for room in opened} == {"node-a"}
    for room in opened:
        await rooms.close_room(room)


async def test_opening_a_room_skips_a_node_that_died_since_the_last_check(
    pool: JanusPool, two_nodes: tuple[RunningJanus, RunningJanus]
) -> None:
    rooms = room_service(pool, two_nodes)
    pool.node("node-a").count_new_room()  # node-b is now the least loaded
    two_nodes[1].kill()

    room = await rooms.open_room("after-crash")

    assert room.node == "node-a"
    assert not pool.node("node-b").healthy
    assert pool.node("node-b").load.rooms == 0
    await rooms.close_room(room)


async def test_no_healthy_node_means_service_unavailable(
    pool: JanusPool, two_nodes: tuple[RunningJanus, RunningJanus]
) -> None:
    for node in two_nodes:
        node.kill()
    await pool.check_health()

    with pytest.raises(ServiceUnavailable) as caught:
        pool.place()
    assert caught.value.status == 503
    assert set(caught.value.data["nodes"]) == {"node-a", "node-b"}


async def test_a_draining_node_gets_no_new_rooms_but_keeps_its_own(
    pool: JanusPool, two_nodes: tuple[RunningJanus, RunningJanus]
) -> None:
    rooms = room_service(pool, two_nodes)
    pool.set_draining("node-a")
    opened = [await rooms.open_room(f"drain-{index}") for index in range(2)]
    assert {room.node for room in opened} == {"node-b"}

    pool.set_draining("node-b")
    with pytest.raises(ServiceUnavailable):
        pool.place()
    ticket = await rooms.admit(opened[0], "late-joiner")
    assert ticket.room_id == opened[0].room_id
    for room in opened:
        await rooms.close_room(room)


async def test_a_restarted_node_is_healthy_again_with_a_fresh_control_session(
    pool: JanusPool, janus_factory: JanusFactory
) -> None:
    # node-b's process dies; a new process takes over its name and ports
    node_b = janus_factory.started[1]
    node_b.kill()
    await pool.check_health()
    assert not pool.node("node-b").healthy

    janus_factory.restart(node_b)
    await pool.check_health()

    assert pool.node("node-b").healthy
    assert await (await pool.node("node-b").videoroom()).list_rooms() == []


async def test_an_unknown_node_name_is_service_unavailable(pool: JanusPool) -> None:
    with pytest.raises(ServiceUnavailable):
        pool.node("node-z")


async def test_node_names_must_be_unique(
    two_nodes: tuple[RunningJanus, RunningJanus], http: aiohttp.ClientSession
) -> None:
    node = two_nodes[0].node
    with pytest.raises(ValueError, match="unique"):
        JanusPool([node, node], TEST_SECRETS, http=http)



async def test_calls_another_orchestrator_placed_count_before_the_next_check(
    two_nodes: tuple[RunningJanus, RunningJanus],
) -> None:
    """Another orchestrator opened a call on node-a since this pool's last health
    check: the open calls read before placing send the next room to node-b."""
    in_database = {"node-a": 1}

    async def open_calls() -> dict[str, int]:
        return dict(in_database)

    async with JanusPool.running(pool_settings(two_nodes), open_calls=open_calls) as pool:
        rooms = room_service(pool, two_nodes)
        first = await rooms.open_room("placed-here")
        assert first.node == "node-b"
        in_database.update({"node-a": 3, "node-b": 1})  # this room's call is stored too
        second = await rooms.open_room("placed-here-too")
        assert second.node == "node-b"
        assert pool.node("node-a").placement_load == NodeLoad(participants=6, rooms=3)
        for room in (first, second):
            await rooms.close_room(room)


async def test_open_calls_that_cannot_be_read_keep_the_last_answer(
    two_nodes: tuple[RunningJanus, RunningJanus],
) -> None:
    """The database is away: placement goes on with what the pool read last."""
    answers: list[dict[str, int] | None] = [{"node-b": 2}, None]

    async def open_calls() -> dict[str, int]:
        answer = answers.pop(0)
        if answer is None:
            raise ServiceUnavailable("the database is not reachable; try again shortly")
        return answer

    async with JanusPool.running(pool_settings(two_nodes), open_calls=open_calls) as pool:
        await pool.refresh_open_calls()
        await pool.refresh_open_calls()
        assert pool.place().name == "node-a"
        assert pool.node("node-b").open_calls == 2
