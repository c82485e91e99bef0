"""Private PostgreSQL and Redis servers that a fault test may stop and start.

The shared servers on the default ports belong to everybody's tests and are never
restarted; a test that needs a broker or database to go away starts its own here, on
free ports, with its data in a temporary folder. ``stop()`` then ``start()`` is a
restart that keeps the data (PostgreSQL's cluster). A private RabbitMQ node is
``tests.support.rabbitmq.PrivateBroker``.

    with PrivatePostgres() as postgres:
        url = postgres.url("fernblick")
        postgres.stop(); postgres.start()
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from abc import ABC, abstractmethod
from pathlib import Path
from types import TracebackType
from typing import Self

from tests.support.ports import free_tcp_ports

PG_BIN = Path("/usr/lib/postgresql/15/bin")


def wait_for_port(port: int, within: float, process: subprocess.Popen[bytes] | None = None) -> None:
    """Until 127.0.0.1:``port`` accepts connections (failing early if ``process`` exits)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"exited with {process.returncode} before listening on {port}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"nothing listens on {port} after {within:.0f} s")


class PrivateService(ABC):
    """A server in its own temporary folder; a context manager that cleans up."""

    def __init__(self, name: str) -> None:
        # Not under pytest's tmp_path: PostgreSQL runs as another user, who must reach it.
        self.dir = Path(tempfile.mkdtemp(prefix=f"fernblick-{name}-"))
        self.dir.chmod(0o755)

    @abstractmethod
    def start(self) -> None:
        """Start the server and return once it answers."""

    @abstractmethod
    def stop(self) -> None:
        """Stop the server (its data stays until the context exits)."""

    def restart(self) -> None:
        self.stop()
        self.start()

    def __enter__(self) -> Self:
        try:
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(
        self,
        _type: type[BaseException] | None,
        _value: BaseException | None,
        _traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        try:
            self.stop()
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


class PrivatePostgres(PrivateService):
    """A PostgreSQL cluster (trust auth for ``postgres``) on a free port.

    initdb refuses to run as root, so as root the cluster belongs to ``postgres``.
    """

    def __init__(self) -> None:
        super().__init__("postgres")
        (self.port,) = free_tcp_ports(1)
        self.data = self.dir / "data"
        self.log = self.dir / "postgres.log"
        self._as_owner = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self._as_owner:
            shutil.chown(self.dir, "postgres")
        self._run(PG_BIN / "initdb", "-D", self.data, "-U", "postgres", "-A", "trust", "--no-sync")

    def _run(self, *argv: object) -> None:
        subprocess.run(
            [*self._as_owner, *map(str, argv)], check=True, capture_output=True, timeout=120
        )

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/{database}"

    def dsn(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.dir} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self._run(PG_BIN / "pg_ctl", "-D", self.data, "-l", self.log, "-o", options, "-w", "start")

    def stop(self) -> None:
        """Fast shutdown: open connections are cut, as in a database restart."""
        if (self.data / "postmaster.pid").exists():
            self._run(PG_BIN / "pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop")

    def create_database(self, name: str) -> None:
        self._run(PG_BIN / "createdb", "-h", "127.0.0.1", "-p", self.port, "-U", "postgres", name)


class PrivateRedis(PrivateService):
    """redis-server without persistence on a free port."""

    def __init__(self) -> None:
        super().__init__("redis")
        (self.port,) = free_tcp_ports(1)
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        with (self.dir / "redis.log").open("ab") as log:
            self.process = subprocess.Popen(
                ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
                 "--save", "", "--appendonly", "no", "--dir", str(self.dir)],
                stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        wait_for_port(self.port, 20, self.process)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(20)
        self.process = None
