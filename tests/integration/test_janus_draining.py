"""Draining Janus nodes: the setting, ``fernblick janus-drain`` and every pool reading it."""

from __future__ import annotations

import json
from pathlib import Path

import aiohttp
import pytest

from orchestrator.actions.janus_nodes import do_set_draining
from orchestrator.api.keys import JANUS_POOL_KEY
from orchestrator.cli import main
from orchestrator.domain.errors import NotFound, ServiceUnavailable
from orchestrator.janus.pool import JanusPool
from tests.support.calls import CallEnvFactory, call_env_fixture, confirmed_session  # noqa: F401
from tests.support.janus_clients import http_fixture  # noqa: F401
from tests.support.janus_server import (  # noqa: F401
    TEST_SECRETS,
    JanusFactory,
    RunningJanus,
    janus_factory_fixture,
)

pytestmark = pytest.mark.janus


@pytest.fixture(name="two_nodes")
def two_nodes_fixture(janus_factory: JanusFactory) -> list[RunningJanus]:
    return [janus_factory.start("node-a"), janus_factory.start("node-b")]


async def test_the_setting_drains_from_the_start_and_must_name_known_nodes(
    two_nodes: list[RunningJanus], http: aiohttp.ClientSession
) -> None:
    nodes = [node.node for node in two_nodes]
    pool = JanusPool(nodes, TEST_SECRETS, http=http, health_interval=3600, draining=["node-a"])
    await pool.start()
    try:
        assert [pool.place().name for _ in range(3)] == ["node-b"] * 3
    finally:
        await pool.close()
    with pytest.raises(ValueError, match="node-z"):
        JanusPool(nodes, TEST_SECRETS, http=http, draining=["node-z"])


async def test_each_health_round_reads_the_drained_nodes_and_keeps_them_while_unreadable(
    two_nodes: list[RunningJanus], http: aiohttp.ClientSession
) -> None:
    answers: list[set[str] | Exception] = [{"node-b"}]

    async def drained() -> set[str]:
        answer = answers[-1]
        if isinstance(answer, Exception):
            raise answer
        return answer

    nodes = [node.node for node in two_nodes]
    pool = JanusPool(nodes, TEST_SECRETS, http=http, health_interval=3600, drained=drained)
    await pool.start()
    try:
        assert [node.draining for node in pool.nodes] == [False, True]
        assert {pool.place().name for _ in range(2)} == {"node-a"}

        answers.append(ServiceUnavailable("the database is not reachable"))
        await pool.check_health()
        assert [node.draining for node in pool.nodes] == [False, True]

        answers.append({"node-a", "node-b"})
        await pool.check_health()
        with pytest.raises(ServiceUnavailable):
            pool.place()

        answers.append(set())
        await pool.check_health()
        assert not any(node.draining for node in pool.nodes)
    finally:
        await pool.close()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_a_node_drained_in_the_database_gets_no_new_call_but_keeps_its_own(
    call_env: CallEnvFactory,
) -> None:
    env = await call_env(nodes=2)
    pool = env.client.app[JANUS_POOL_KEY]
    first = await env.employee("POST")
    assert first.status == 201, await first.text()
    assert (await first.json())["ticket"]["janus_url"] == env.node("janus-1").public_url

    async with env.uow.transaction() as db:
        await do_set_draining(db, "janus-1", True, known=["janus-1", "janus-2"], reason="update")
    await pool.check_health()
    assert pool.node("janus-1").draining

    # the call on janus-1 goes on (a rejoin gets a ticket there); a new session's
    # room goes to janus-2
    again = await env.employee("GET")
    assert again.status == 200, await again.text()
    assert (await again.json())["ticket"]["janus_url"] == env.node("janus-1").public_url
    csrf, _token, other_session = await confirmed_session(env.client, env.world)
    started = await env.client.post(f"/api/sessions/{other_session}/call", headers=csrf)
    assert started.status == 201, await started.text()
    assert (await started.json())["ticket"]["janus_url"] == env.node("janus-2").public_url

    async with env.uow.transaction() as db:
        with pytest.raises(NotFound):
            await do_set_draining(db, "janus-9", True, known=["janus-1", "janus-2"])


@pytest.fixture
def cli_env(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, two_nodes: list[RunningJanus]
) -> list[RunningJanus]:
    monkeypatch.setenv("FERNBLICK_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'cli.sqlite3'}")
    monkeypatch.setenv(
        "FERNBLICK_JANUS_NODES", json.dumps([node.node.model_dump() for node in two_nodes])
    )
    monkeypatch.setenv("FERNBLICK_JANUS_API_SECRET", TEST_SECRETS.api_secret)
    monkeypatch.setenv("FERNBLICK_JANUS_ADMIN_SECRET", TEST_SECRETS.admin_secret)
    monkeypatch.setenv("FERNBLICK_JANUS_VIDEOROOM_ADMIN_KEY", TEST_SECRETS.videoroom_admin_key)
    assert main(["migrate"]) == 0
    return two_nodes


def test_janus_drain_and_janus_nodes_commands(
    cli_env: list[RunningJanus], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["janus-drain", "node-a", "--reason", "kernel update"]) == 0
    assert "node-a gets no new rooms" in capsys.readouterr().out
    assert main(["janus-nodes"]) == 0
    listed = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()[1:]}
    assert "kernel update" in listed["node-a"] and "yes" in listed["node-a"]
    assert "kernel update" not in listed["node-b"]

    assert main(["janus-drain", "node-a", "--resume"]) == 0
    assert main(["janus-nodes"]) == 0
    assert "kernel update" not in capsys.readouterr().out

    assert main(["janus-drain", "node-z"]) == 1
    assert "no Janus node 'node-z'" in capsys.readouterr().err

    cli_env[1].kill()
    cli_env[0].kill()
    assert main(["janus-nodes"]) == 1
