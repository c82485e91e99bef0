"""compose/docker-compose.yml, validated the way CI can without a container engine:
``docker-compose config`` (the Debian package) resolves it with .env.example, and the
result is checked for the topology, health checks, limits, volumes and settings."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from orchestrator.settings import Settings

ROOT = Path(__file__).parents[2]
COMPOSE = ROOT / "compose"
ORCHESTRATORS = {"orchestrator-1", "orchestrator-2"}
WORKERS = {"notifier": "notifier", "recorder": "recorder", "tracker": "tracker"}
JANUS = {"janus-1", "janus-2"}
SERVICES = (
    ORCHESTRATORS
    | set(WORKERS)
    | JANUS
    | {"migrate", "postgres", "redis", "rabbitmq", "coturn", "proxy"}
)


@pytest.fixture(scope="module")
def config() -> dict[str, Any]:
    result = subprocess.run(
        [
            "docker-compose",
            "-f",
            str(COMPOSE / "docker-compose.yml"),
            "--env-file",
            str(COMPOSE / ".env.example"),
            "config",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return dict(yaml.safe_load(result.stdout))


def test_every_service_is_there_with_health_checks_and_limits(config: dict[str, Any]) -> None:
    services = config["services"]
    assert set(services) == SERVICES
    for name, service in services.items():
        limits = service["deploy"]["resources"]["limits"]
        assert float(limits["cpus"]) > 0 and re.fullmatch(r"\d+[mg]", str(limits["memory"])), name
        if name == "migrate":  # runs once and exits; the others wait for its success
            continue
        check = service["healthcheck"]
        assert check["test"][0] == "CMD" and len(check["test"]) > 1, name
        assert service["restart"] == "unless-stopped", name


def test_orchestrators_and_workers_run_the_fernblick_commands(config: dict[str, Any]) -> None:
    services = config["services"]
    names = set()
    for name in ORCHESTRATORS:
        service = services[name]
        assert service["command"] == ["fernblick", "serve", "--no-migrate"]
        assert service["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        assert "/healthz" in " ".join(service["healthcheck"]["test"])
        names.add(service["environment"]["FERNBLICK_INSTANCE_NAME"])
    assert names == ORCHESTRATORS, "each orchestrator has its own instance name"
    assert services["migrate"]["command"] == ["fernblick", "migrate"]
    for name, command in WORKERS.items():
        assert services[name]["command"] == ["fernblick", command]
        assert services[name]["environment"]["FERNBLICK_METRICS_PORT"] == "9100"
    for flag in ("NOTIFIER", "RECORDER", "TRACKER"):
        assert services["orchestrator-1"]["environment"][f"FERNBLICK_{flag}_EMBEDDED"] == "false"


def test_the_janus_nodes_are_the_ones_the_orchestrators_know(config: dict[str, Any]) -> None:
    services = config["services"]
    environment = services["orchestrator-1"]["environment"]
    listed = Settings.model_validate(
        {"janus_nodes": json.loads(environment["FERNBLICK_JANUS_NODES"])}
    ).janus_nodes
    assert {node.name for node in listed} == JANUS
    ranges = set()
    for node in listed:
        command = services[node.name]["command"]
        assert f"--node {node.name}" in command and "--event-handler rabbitmq" in command
        ranges.add(re.search(r"--rtp-port-range (\d+-\d+)", command).group(1))  # type: ignore[union-attr]
        assert node.public_url == f"wss://support.example.com/{node.name}/"
        assert "ports" not in services[node.name] or all(
            port["protocol"] == "udp" for port in services[node.name]["ports"]
        ), "only media is published; the Janus APIs stay inside"
        assert f"handle_path /{node.name}/*" in (COMPOSE / "Caddyfile").read_text()
    assert len(ranges) == len(listed), "each node has its own RTP ports"


def test_state_lives_in_named_volumes(config: dict[str, Any]) -> None:
    assert set(config["volumes"]) == {
        "pgdata",
        "redisdata",
        "rabbitdata",
        "storage",
        "caddy_data",
        "caddy_config",
    }
    services = config["services"]

    def mounts(name: str) -> dict[str, str]:
        # "source:target:mode" in docker-compose 1.29's output
        return dict(v.split(":")[:2] for v in services[name].get("volumes", []))

    assert mounts("postgres")["pgdata"] == "/var/lib/postgresql/data"
    storage = {
        name for name in services if mounts(name).get("storage") == "/var/lib/fernblick/storage"
    }
    assert storage == ORCHESTRATORS | {"recorder"}
    assert services["rabbitmq"]["image"].endswith("-management-alpine")
    assert services["rabbitmq"]["ports"] == ["127.0.0.1:15672:15672/tcp"], "management: local only"


def test_production_settings_refuse_the_sample_secrets_and_accept_real_ones(
    config: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    environment = config["services"]["orchestrator-1"]["environment"]
    for name, value in environment.items():
        if name.startswith("FERNBLICK_"):
            monkeypatch.setenv(name, str(value))
    with pytest.raises(ValidationError, match="sample secrets"):
        Settings()
    for name, value in environment.items():
        if name.startswith("FERNBLICK_") and "change-me" in str(value):
            monkeypatch.setenv(name, str(value).replace("change-me", "real"))
    settings = Settings()
    assert settings.env == "production" and settings.site_url == "https://support.example.com"
    assert settings.secure_cookies and settings.trust_forwarded_for
    assert settings.database_url.startswith("postgresql+asyncpg://fernblick:")


def test_coturn_gets_the_turn_secret_the_orchestrators_use(config: dict[str, Any]) -> None:
    coturn = config["services"]["coturn"]
    rendered = subprocess.run(
        [sys.executable, str(COMPOSE / "coturn" / "render.py")],
        env={k: str(v) for k, v in coturn["environment"].items()},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    secret = config["services"]["orchestrator-1"]["environment"]["FERNBLICK_TURN_SECRET"]
    assert f"static-auth-secret={secret}" in rendered.splitlines()
    assert "listening-ip=203.0.113.10" in rendered and "use-auth-secret" in rendered
    assert "denied-peer-ip=10.0.0.0-10.255.255.255" in rendered
    assert "${" not in rendered
