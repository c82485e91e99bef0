"""Real Janus processes for tests, rendered from janus_config on free loopback ports.

Import the fixtures explicitly::

    from tests.support.janus_server import janus_factory_fixture, janus_node_fixture  # noqa: F401

``janus_node`` is one Janus for the whole test session; ``janus_factory`` starts
extra nodes that a test may kill (they are stopped at the test's end).
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from janus_config.render import EventHandler, JanusNodeConfig, RabbitMqTarget
from janus_config.start import start_janus, stop_janus
from orchestrator.janus.pool import PoolSecrets
from orchestrator.settings import JanusNode
from tests.support.ports import free_tcp_ports

TEST_SECRETS = PoolSecrets(
    api_secret="test-api-secret",
    admin_secret="test-admin-secret",
    videoroom_admin_key="test-videoroom-admin-key",
)


@dataclass
class RunningJanus:
    """A started Janus node: its configuration, URLs and process."""

    config: JanusNodeConfig
    config_dir: Path
    log_path: Path
    process: subprocess.Popen[bytes]
    secrets: PoolSecrets = TEST_SECRETS

    @property
    def name(self) -> str:
        return self.config.server_name

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.config.http_port}/janus"

    @property
    def admin_url(self) -> str:
        return f"http://127.0.0.1:{self.config.admin_port}/admin"

    @property
    def public_url(self) -> str:
        return f"ws://127.0.0.1:{self.config.ws_port}/"

    @property
    def node(self) -> JanusNode:
        return JanusNode(
            name=self.name, url=self.url, admin_url=self.admin_url, public_url=self.public_url
        )

    def kill(self) -> None:
        """Stop the node abruptly (SIGKILL), as a crash would."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(5)

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


def start_test_janus(
    workdir: Path,
    name: str,
    *,
    session_timeout: int = 60,
    event_url: str = "",
    event_auth: tuple[str, str] = ("", ""),
    rabbitmq: RabbitMqTarget | None = None,
) -> RunningJanus:
    """Render a config for ``name`` on free ports into ``workdir`` and start Janus.

    Events go to ``event_url`` (sample handler, with ``event_auth`` as basic auth)
    or ``rabbitmq`` when given.
    """
    http_port, admin_port, ws_port = free_tcp_ports(3)
    event_handler: EventHandler = "sample" if event_url else "none"
    if rabbitmq is not None:
        event_handler = "rabbitmq"
    config = JanusNodeConfig(
        api_secret=TEST_SECRETS.api_secret,
        admin_secret=TEST_SECRETS.admin_secret,
        admin_key=TEST_SECRETS.videoroom_admin_key,
        server_name=name,
        http_port=http_port,
        admin_port=admin_port,
        ws_port=ws_port,
        event_handler=event_handler,
        event_url=event_url,
        event_user=event_auth[0],
        event_password=event_auth[1],
        rabbitmq=rabbitmq or RabbitMqTarget(),
        session_timeout=session_timeout,
        debug_level=4,
    )
    config_dir = workdir / "config"
    log_path = workdir / "janus.log"
    process = start_janus(config, config_dir, log_path=log_path, timeout=15.0)
    return RunningJanus(config, config_dir, log_path, process)


@dataclass
class JanusFactory:
    """Starts extra Janus nodes for one test and stops them all afterwards."""

    base: Path
    started: list[RunningJanus] = field(default_factory=list)

    def start(
        self,
        name: str,
        *,
        session_timeout: int = 60,
        event_url: str = "",
        event_auth: tuple[str, str] = ("", ""),
        rabbitmq: RabbitMqTarget | None = None,
    ) -> RunningJanus:
        workdir = self.base / name
        workdir.mkdir(parents=True, exist_ok=True)
        node = start_test_janus(
            workdir,
            name,
            session_timeout=session_timeout,
            event_url=event_url,
            event_auth=event_auth,
            rabbitmq=rabbitmq,
        )
        self.started.append(node)
        return node

    def restart(self, node: RunningJanus) -> None:
        """Start a fresh process on ``node``'s configuration (same name and ports)."""
        stop_janus(node.process)
        node.process = start_janus(node.config, node.config_dir, log_path=node.log_path)

    def stop_all(self) -> None:
        for node in self.started:
            stop_janus(node.process)


@pytest.fixture(scope="session", name="janus_node")
def janus_node_fixture(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningJanus]:
    """One Janus for the test session (rooms made by tests must not collide)."""
    node = start_test_janus(tmp_path_factory.mktemp("janus"), "janus-test")
    try:
        yield node
    finally:
        stop_janus(node.process)


@pytest.fixture(name="janus_factory")
def janus_factory_fixture(tmp_path: Path) -> Iterator[JanusFactory]:
    """Extra Janus nodes a test may kill; all stopped when the test ends."""
    factory = JanusFactory(tmp_path)
    try:
        yield factory
    finally:
        factory.stop_all()
