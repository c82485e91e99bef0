"""A real coturn on loopback for tests, configured from compose/coturn's template.

Import the fixture explicitly::

    from tests.support.coturn_server import coturn_server_fixture  # noqa: F401
"""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from string import Template

import pytest

from tests.support.ports import free_udp_and_tcp_port

TEMPLATE = Path(__file__).resolve().parents[2] / "compose" / "coturn" / "turnserver.conf.tmpl"
TURNSERVER_BINARY = "turnserver"


@dataclass(frozen=True)
class CoturnServer:
    """A running coturn: where it listens and the REST secret it checks against."""

    host: str
    port: int
    secret: str
    realm: str
    process: subprocess.Popen[bytes]

    @property
    def turn_url(self) -> str:
        return f"turn:{self.host}:{self.port}?transport=udp"

    @property
    def stun_url(self) -> str:
        return f"stun:{self.host}:{self.port}"


def render_turnserver_conf(
    out: Path,
    *,
    secret: str,
    port: int,
    listening_ip: str = "127.0.0.1",
    realm: str = "fernblick.test",
    min_port: int = 49152,
    max_port: int = 65535,
    external_ip: str = "",
    allow_loopback_peers: bool = False,
) -> Path:
    """Fill in compose/coturn/turnserver.conf.tmpl; the written file's path."""
    values = {
        "listening_ip": listening_ip,
        "listening_port": str(port),
        "relay_ip": listening_ip,
        "external_ip": f"external-ip={external_ip}" if external_ip else "#external-ip=",
        "min_port": str(min_port),
        "max_port": str(max_port),
        "static_auth_secret": secret,
        "realm": realm,
        "loopback_peers": "allow-loopback-peers" if allow_loopback_peers else "",
        "denied_peers": "" if allow_loopback_peers else "denied-peer-ip=127.0.0.0-127.255.255.255",
        "pid_file": str(out.parent / "turnserver.pid"),
    }
    out.write_text(Template(TEMPLATE.read_text(encoding="utf-8")).substitute(values))
    return out


def _wait_until_listening(port: int, process: subprocess.Popen[bytes], timeout: float) -> None:
    """coturn listens on TCP too; a TCP connect proves it is up."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"turnserver exited with status {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"turnserver did not listen on {port} within {timeout} s")


def start_coturn(workdir: Path, secret: str, timeout: float = 10.0) -> CoturnServer:
    """Render a loopback-only configuration into ``workdir`` and start coturn on it."""
    port = free_udp_and_tcp_port()
    relay_base = 20000 + (port % 20000)
    conf = render_turnserver_conf(
        workdir / "turnserver.conf",
        secret=secret,
        port=port,
        min_port=relay_base,
        max_port=relay_base + 99,
        allow_loopback_peers=True,
    )
    with (workdir / "turnserver.log").open("ab") as log:
        process = subprocess.Popen(
            [TURNSERVER_BINARY, "-c", str(conf)],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_listening(port, process, timeout)
    except BaseException:
        process.kill()
        process.wait()
        raise
    return CoturnServer("127.0.0.1", port, secret, "fernblick.test", process)


@pytest.fixture(scope="session", name="coturn_server")
def coturn_server_fixture(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CoturnServer]:
    """One coturn for the test session, on a free loopback port; killed at the end."""
    server = start_coturn(tmp_path_factory.mktemp("coturn"), secret="coturn-test-secret")
    try:
        yield server
    finally:
        stop_coturn(server)


def stop_coturn(server: CoturnServer) -> None:
    """SIGTERM, then SIGKILL if coturn has not gone within five seconds."""
    server.process.terminate()
    try:
        server.process.wait(5)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait(5)
