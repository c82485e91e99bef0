"""The topology plan: ports, the environment every process reads, worker switches."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestrator.cli import main
from orchestrator.settings import load_settings
from orchestrator.topology.topology import JanusSecrets, TopologyPlan, available_workers

SECRETS = JanusSecrets("api", "admin", "room-key", "events", "event-password")


def test_ports_follow_the_base_port(tmp_path: Path) -> None:
    plan = TopologyPlan.on_ports(tmp_path, 9000, SECRETS, {}, orchestrators=3, janus_nodes=2)

    assert plan.entry_url == "http://127.0.0.1:9000"
    assert list(plan.orchestrator_ports) == [9001, 9002, 9003]
    assert [(p.http, p.admin, p.ws) for p in plan.janus_ports] == [
        (9100, 9101, 9102),
        (9110, 9111, 9112),
    ]


def test_every_process_reads_the_same_nodes_and_secrets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan = TopologyPlan.on_ports(
        tmp_path, 9000, SECRETS, {"FERNBLICK_ENV": "test"}, workers=["notifier"]
    )
    for name, value in plan.shared_env().items():
        monkeypatch.setenv(name, value)

    settings = load_settings()

    assert [node.name for node in settings.janus_nodes] == ["janus-1", "janus-2"]
    assert settings.janus_nodes[1].public_url == "ws://127.0.0.1:9112/"
    assert settings.janus_videoroom_admin_key.get_secret_value() == "room-key"
    assert settings.janus_event_password.get_secret_value() == "event-password"
    assert settings.public_url == "http://127.0.0.1:9000"
    assert settings.notifier_embedded is False  # the notifier runs as its own process
    config = plan.janus_config(1)
    assert (config.server_name, config.http_port, config.event_url) == (
        "janus-2",
        9110,
        "http://127.0.0.1:9000/janus/events",
    )


def test_workers_not_run_stay_embedded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    plan = TopologyPlan.on_ports(tmp_path, 9000, SECRETS, {}, workers=[])
    for name, value in plan.shared_env().items():
        monkeypatch.setenv(name, value)
    assert load_settings().notifier_embedded is True
    assert "notifier" in available_workers()


def test_the_command_refuses_the_embedded_defaults(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("FERNBLICK_DATABASE_URL", "sqlite+aiosqlite:///./var/unused.sqlite3")
    assert main(["topology"]) == 2
    assert "need PostgreSQL, RabbitMQ and Redis" in capsys.readouterr().err
