"""The real RabbitMQ broker on 127.0.0.1:5672: private virtual hosts and forced
disconnects; and private brokers for the tests that restart one.

A test that closes "all connections" does so in a virtual host of its own, so it
never hits a colleague's test run on the same broker; a test that restarts a broker
starts its own node (:class:`PrivateBroker`).
"""

from __future__ import annotations

import asyncio
import os
import re
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import aio_pika
import pytest

from tests.support.ports import free_tcp_ports

BROKER = "amqp://guest:guest@127.0.0.1:5672"


def own_exchange(url: str) -> dict[str, str]:
    """Settings for a bus at ``url`` with an exchange of its own (no other test's events)."""
    return {"bus_url": url, "amqp_exchange": f"test.events.{uuid.uuid4().hex[:8]}"}


def rabbitmqctl(*args: str) -> str:
    done = subprocess.run(
        ["rabbitmqctl", *args], capture_output=True, text=True, timeout=60, check=True
    )
    return done.stdout


@contextmanager
def temporary_vhost() -> Iterator[str]:
    """A fresh virtual host that guest may use; deleted (with its queues) afterwards."""
    name = f"fernblick-test-{uuid.uuid4().hex[:8]}"
    rabbitmqctl("add_vhost", name)
    try:
        rabbitmqctl("set_permissions", "-p", name, "guest", ".*", ".*", ".*")
        yield name
    finally:
        rabbitmqctl("delete_vhost", name)


@pytest.fixture(name="vhost")
def vhost_fixture() -> Iterator[str]:
    """A temporary vhost for one test (import it explicitly, like the Janus fixtures)."""
    with temporary_vhost() as name:
        yield name


async def close_all_connections(vhost: str) -> int:
    """Have the broker close every connection of ``vhost``; return how many it closed."""
    process = await asyncio.create_subprocess_exec(
        "rabbitmqctl", "close_all_connections", "-p", vhost, "test",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    stdout, stderr = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, stderr.decode()
    closed = re.search(r"Closed (\d+) connections", stdout.decode())
    return int(closed.group(1)) if closed else 0


async def take_dead_letters(url: str, queue: str) -> list[aio_pika.abc.AbstractIncomingMessage]:
    """Take everything from ``<queue>.dead`` (the bus's dead-letter queue of ``queue``)."""
    connection = await aio_pika.connect(url)
    async with connection:
        channel = await connection.channel()
        dead = await channel.declare_queue(f"{queue}.dead", passive=True)
        messages = []
        while (message := await dead.get(no_ack=True, fail=False)) is not None:
            messages.append(message)
        return messages


async def queue_consumers(url: str, queue: str) -> int:
    """How many consumers ``queue`` has; 0 when it does not exist yet."""
    import aio_pika
    from aio_pika.exceptions import ChannelClosed

    connection = await aio_pika.connect(url)
    async with connection:
        channel = await connection.channel()
        try:
            declared = await channel.declare_queue(queue, passive=True)
        except ChannelClosed:  # 404 NOT_FOUND
            return 0
        result = declared.declaration_result
        return int(result.consumer_count or 0) if result is not None else 0


class PrivateBroker:
    """A RabbitMQ node of one test's own, to stop and start at will (the shared broker
    on 5672 is never restarted: colleagues' tests use it).

    Its node name, AMQP and distribution ports, data (``RABBITMQ_MNESIA_BASE``), logs,
    Erlang cookie (``HOME``) and an empty plugin list live in ``directory``; durable
    queues and persistent messages survive a restart as on a production broker.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.port, self.dist_port = free_tcp_ports(2)
        self.node = f"fernblick-test-{uuid.uuid4().hex[:8]}@localhost"
        self.process: subprocess.Popen[bytes] | None = None
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "enabled_plugins").write_text("[].\n")
        (directory / "rabbitmq.conf").write_text("log.console = false\n")
        (directory / "rabbitmq-env.conf").write_text("")

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}/"

    def _env(self) -> dict[str, str]:
        home = self.directory
        return {
            **os.environ,
            "HOME": str(home),
            "RABBITMQ_NODENAME": self.node,
            "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(self.dist_port),
            "RABBITMQ_CONF_ENV_FILE": str(home / "rabbitmq-env.conf"),
            "RABBITMQ_CONFIG_FILE": str(home / "rabbitmq.conf"),
            "RABBITMQ_ADVANCED_CONFIG_FILE": str(home / "advanced.config"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(home / "enabled_plugins"),
            "RABBITMQ_MNESIA_BASE": str(home / "mnesia"),
            "RABBITMQ_LOG_BASE": str(home / "log"),
            "RABBITMQ_PID_FILE": str(home / "rabbitmq.pid"),
            "ERL_EPMD_ADDRESS": "127.0.0.1",
        }

    def start(self, within_seconds: float = 90.0) -> None:
        """Start the node and return once it accepts AMQP connections (blocking)."""
        with (self.directory / "server.log").open("ab") as log:
            self.process = subprocess.Popen(
                [SERVER], env=self._env(), stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + within_seconds
        while not _accepts(self.port):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"RabbitMQ {self.node} did not start; see {self.directory}")
            time.sleep(0.2)

    def stop(self) -> None:
        """Shut the node down (SIGTERM: a clean broker stop; kill after 60 s) (blocking)."""
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def connections(self) -> int:
        """How many client connections the node has now."""
        listed = subprocess.run(
            [CTL, "-n", self.node, "list_connections", "--silent", "name"],
            env=self._env(), capture_output=True, text=True, timeout=60, check=True,
        )  # fmt: skip
        return len([line for line in listed.stdout.splitlines() if line.strip()])


SERVER = "/usr/lib/rabbitmq/bin/rabbitmq-server"
"""The server script itself, not the /usr/sbin wrapper, which switches to the rabbitmq
user and would not keep the private environment."""
CTL = "/usr/lib/rabbitmq/bin/rabbitmqctl"


def _accepts(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


@contextmanager
def private_broker(directory: Path) -> Iterator[PrivateBroker]:
    """A started :class:`PrivateBroker`, stopped afterwards."""
    broker = PrivateBroker(directory)
    broker.start()
    try:
        yield broker
    finally:
        broker.stop()
