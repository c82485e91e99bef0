"""The production topology as processes on one machine, for fault tests, benchmarks
and trying out several orchestrators without a container engine.

    entry (balancer.py) ─┬─► orchestrator-1 ─┐   PostgreSQL, RabbitMQ, Redis
                         └─► orchestrator-2 ─┤   (given by FERNBLICK_* URLs)
    janus-1, janus-2 ── events ─► entry      ├─► notifier (+ recorder, tracker
                                             │   once those commands exist)

Janus nodes are rendered from ``janus_config/`` and report their events with the
HTTP event handler to the entry point, so a dead orchestrator costs Janus one
retried POST (the RabbitMQ handler would not reconnect after a broker restart;
decision 0004). Order of start: migrations, Janus nodes, workers, orchestrators,
entry point; each waits until it answers.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from janus_config.render import JanusNodeConfig, render
from janus_config.start import janus_command, wait_until_answering
from orchestrator.topology.processes import ManagedProcess, ProcessSpec, ReadyCheck, Supervisor

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
WORKER_COMMANDS = ("notifier", "recorder", "tracker")
"""``fernblick`` worker commands run beside the orchestrators when the CLI has them."""


@dataclass(frozen=True)
class JanusPorts:
    http: int
    admin: int
    ws: int


@dataclass(frozen=True)
class JanusSecrets:
    """The secrets shared by the orchestrators and their Janus nodes."""

    api_secret: str
    admin_secret: str
    videoroom_admin_key: str
    event_user: str
    event_password: str


@dataclass(frozen=True)
class TopologyPlan:
    """Ports, folders and the environment every Fernblick process gets.

    ``environment`` holds the shared ``FERNBLICK_*`` options (database, bus, Redis,
    timings); the plan adds the Janus node list, secrets, ports and instance names.
    """

    workdir: Path
    entry_port: int
    orchestrator_ports: Sequence[int]
    janus_ports: Sequence[JanusPorts]
    secrets: JanusSecrets
    environment: Mapping[str, str] = field(default_factory=dict)
    workers: Sequence[str] | None = None
    """Worker commands to run; None: every one of WORKER_COMMANDS the CLI offers."""
    janus_session_timeout: int = 60

    @classmethod
    def on_ports(
        cls,
        workdir: Path,
        base_port: int,
        secrets: JanusSecrets,
        environment: Mapping[str, str],
        *,
        orchestrators: int = 2,
        janus_nodes: int = 2,
        workers: Sequence[str] | None = None,
    ) -> TopologyPlan:
        """Entry on ``base_port``, orchestrators on the next ports, Janus nodes on
        ``base_port + 100 + 10 * n`` (HTTP), ``+1`` (admin), ``+2`` (WebSocket)."""
        return cls(
            workdir=workdir,
            entry_port=base_port,
            orchestrator_ports=[base_port + 1 + n for n in range(orchestrators)],
            janus_ports=[
                JanusPorts(
                    base_port + 100 + 10 * n, base_port + 101 + 10 * n, base_port + 102 + 10 * n
                )
                for n in range(janus_nodes)
            ],
            secrets=secrets,
            environment=environment,
            workers=workers,
        )

    @property
    def entry_url(self) -> str:
        return f"http://127.0.0.1:{self.entry_port}"

    def orchestrator_name(self, index: int) -> str:
        return f"orchestrator-{index + 1}"

    def janus_name(self, index: int) -> str:
        return f"janus-{index + 1}"

    def janus_nodes(self) -> list[dict[str, str]]:
        """``FERNBLICK_JANUS_NODES`` as data."""
        return [
            {
                "name": self.janus_name(index),
                "url": f"http://127.0.0.1:{ports.http}/janus",
                "admin_url": f"http://127.0.0.1:{ports.admin}/admin",
                "public_url": f"ws://127.0.0.1:{ports.ws}/",
            }
            for index, ports in enumerate(self.janus_ports)
        ]

    def worker_names(self) -> list[str]:
        return list(self.workers) if self.workers is not None else available_workers()

    def shared_env(self) -> dict[str, str]:
        """The environment of every Fernblick process of this topology; a worker that
        runs on its own is switched off inside the orchestrators."""
        embedded = {f"FERNBLICK_{name.upper()}_EMBEDDED": "false" for name in self.worker_names()}
        return {
            **self.environment,
            **embedded,
            "FERNBLICK_PUBLIC_URL": self.environment.get("FERNBLICK_PUBLIC_URL", self.entry_url),
            "FERNBLICK_JANUS_NODES": json.dumps(self.janus_nodes()),
            "FERNBLICK_JANUS_API_SECRET": self.secrets.api_secret,
            "FERNBLICK_JANUS_ADMIN_SECRET": self.secrets.admin_secret,
            "FERNBLICK_JANUS_VIDEOROOM_ADMIN_KEY": self.secrets.videoroom_admin_key,
            "FERNBLICK_JANUS_EVENT_USER": self.secrets.event_user,
            "FERNBLICK_JANUS_EVENT_PASSWORD": self.secrets.event_password,
        }

    def janus_config(self, index: int) -> JanusNodeConfig:
        ports = self.janus_ports[index]
        return JanusNodeConfig(
            api_secret=self.secrets.api_secret,
            admin_secret=self.secrets.admin_secret,
            admin_key=self.secrets.videoroom_admin_key,
            server_name=self.janus_name(index),
            http_port=ports.http,
            admin_port=ports.admin,
            ws_port=ports.ws,
            event_handler="sample",
            event_url=f"{self.entry_url}/janus/events",
            event_user=self.secrets.event_user,
            event_password=self.secrets.event_password,
            session_timeout=self.janus_session_timeout,
        )


def available_workers() -> list[str]:
    """The worker commands of ``fernblick`` that exist in this version."""
    from orchestrator.cli import build_parser

    parser = build_parser()
    commands = next(
        action.choices
        for action in parser._subparsers._group_actions  # type: ignore[union-attr]
        if action.choices
    )
    return [name for name in WORKER_COMMANDS if name in commands]


def wait_for_http(url: str, timeout: float = 60.0) -> ReadyCheck:
    """A readiness check: ``url`` answers 200 before ``timeout`` and the process lives."""

    def check(managed: ManagedProcess) -> None:
        deadline = time.monotonic() + timeout
        last = "no answer"
        while time.monotonic() < deadline:
            if not managed.running:
                raise RuntimeError(f"exited with status {managed.process.returncode}")
            try:
                with urllib.request.urlopen(url, timeout=2.0) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError) as error:
                last = str(error)
            time.sleep(0.2)
        raise TimeoutError(f"{url} did not answer within {timeout:.0f} s: {last}")

    return check


class Topology:
    """Starts and stops the plan's processes; the fault tests kill and restart them."""

    def __init__(self, plan: TopologyPlan, base_env: Mapping[str, str]) -> None:
        self.plan = plan
        self.env = {**base_env, **plan.shared_env()}
        self.supervisor = Supervisor(plan.workdir / "logs", self.env)

    @property
    def url(self) -> str:
        """The entry point (balancer) that clients use."""
        return self.plan.entry_url

    def orchestrator_url(self, index: int) -> str:
        return f"http://127.0.0.1:{self.plan.orchestrator_ports[index]}"

    def __enter__(self) -> Topology:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def start(self) -> None:
        self.migrate()
        for index in range(len(self.plan.janus_ports)):
            self.supervisor.start(self._janus_spec(index))
        for name in self.plan.worker_names():
            self.supervisor.start(
                self._fernblick_spec(name, [name], {"FERNBLICK_INSTANCE_NAME": name})
            )
        for index in range(len(self.plan.orchestrator_ports)):
            self.supervisor.start(self._orchestrator_spec(index))
        self.supervisor.start(self._entry_spec())

    def stop(self) -> None:
        self.supervisor.stop_all()

    def migrate(self) -> None:
        log_path = self.plan.workdir / "logs" / "migrate.log"
        log_path.parent.mkdir(parents=True, exist_ok=True)
        with log_path.open("ab") as log_file:
            subprocess.run(
                [PYTHON, "-m", "orchestrator.cli", "migrate"],
                cwd=ROOT,
                env=self.env,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                check=True,
                timeout=300,
            )

    def kill(self, name: str) -> None:
        """SIGKILL one process (``orchestrator-1``, ``janus-2``, ``notifier``, ...)."""
        self.supervisor.kill(name)

    def restart(self, name: str) -> ManagedProcess:
        return self.supervisor.restart(name)

    def _fernblick_spec(self, name: str, args: list[str], env: Mapping[str, str]) -> ProcessSpec:
        return ProcessSpec(name, [PYTHON, "-m", "orchestrator.cli", *args], env=env, cwd=ROOT)

    def _orchestrator_spec(self, index: int) -> ProcessSpec:
        port = self.plan.orchestrator_ports[index]
        spec = self._fernblick_spec(
            self.plan.orchestrator_name(index),
            ["serve", "--no-migrate"],
            {
                "FERNBLICK_HOST": "127.0.0.1",
                "FERNBLICK_PORT": str(port),
                "FERNBLICK_INSTANCE_NAME": self.plan.orchestrator_name(index),
            },
        )
        spec.ready = wait_for_http(f"http://127.0.0.1:{port}/healthz")
        return spec

    def _entry_spec(self) -> ProcessSpec:
        backends = [f"--backend=127.0.0.1:{port}" for port in self.plan.orchestrator_ports]
        return ProcessSpec(
            "entry",
            [
                PYTHON,
                "-m",
                "orchestrator.topology.balancer",
                f"--port={self.plan.entry_port}",
                *backends,
            ],
            cwd=ROOT,
            ready=wait_for_http(f"{self.plan.entry_url}/healthz"),
        )

    def _janus_spec(self, index: int) -> ProcessSpec:
        config = self.plan.janus_config(index)
        config_dir = self.plan.workdir / config.server_name
        if config_dir.exists():
            shutil.rmtree(config_dir)
        jcfg = render(config, config_dir)
        info = f"http://127.0.0.1:{config.http_port}/janus/info"

        def ready(managed: ManagedProcess) -> None:
            wait_until_answering(info, managed.process, timeout=30.0)

        return ProcessSpec(config.server_name, janus_command(jcfg), ready=ready)
