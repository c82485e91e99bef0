"""Free loopback ports for test servers, outside the kernel's ephemeral range.

A port taken from the ephemeral range (``bind(("127.0.0.1", 0))``) can become the
source port of some process's outgoing connection before our server binds it, and
two xdist workers can be handed the same one; with browsers, Janus and aiohttp all
connecting, that happened. So ports come from a band of their own per xdist worker,
below the ephemeral range, picked at random and checked by binding. The top of each
band is left to the product's own UDP ports (the recorder's and tracker's RTP forwards),
which it picks itself from a configured range.
"""

from __future__ import annotations

import os
import random
import socket

from recorder.forward import allocate_port_pairs

BAND_START = 10_000
BAND_SIZE = 4_000  # gw0 10000-13999, gw1 14000-17999, ... ; the main process 30000-32767
FORWARD_PORTS = 1_000
"""The top of a band: the recorder's and tracker's RTP ports."""


def _whole_band() -> range:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if worker.startswith("gw") and worker[2:].isdigit() and int(worker[2:]) < 5:
        start = BAND_START + int(worker[2:]) * BAND_SIZE
        return range(start, start + BAND_SIZE)
    return range(30_000, 32_768)


def _band() -> range:
    whole = _whole_band()
    return range(whole.start, whole.stop - FORWARD_PORTS)


def forward_port_range() -> tuple[int, int]:
    """(min, max) for ``recorder_port_min``/``recorder_port_max`` in this test process."""
    whole = _whole_band()
    return whole.stop - FORWARD_PORTS, whole.stop - 1


def _bindable(port: int, kind: int) -> bool:
    with socket.socket(socket.AF_INET, kind) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


_handed_out: set[int] = set()
"""Ports this process handed out already: a server picks its port a while before it
binds it, and in the meantime another one started here (a Janus beside the orchestrator
whose port was just chosen) must not be handed the same."""


def free_tcp_ports(count: int) -> list[int]:
    """``count`` distinct TCP ports on 127.0.0.1 that were free a moment ago and were not
    handed out before in this process."""
    chosen: list[int] = []
    for port in random.sample(_band(), 400):
        if port not in _handed_out and _bindable(port, socket.SOCK_STREAM):
            chosen.append(port)
            if len(chosen) == count:
                _handed_out.update(chosen)
                return chosen
    raise RuntimeError(f"fewer than {count} free TCP ports in {_band()}")


def free_port() -> int:
    """One free TCP port on 127.0.0.1."""
    return free_tcp_ports(1)[0]


def free_udp_and_tcp_port() -> int:
    """A port free for both UDP and TCP on 127.0.0.1 (TURN listens on both)."""
    for _ in range(50):
        port = free_port()
        if _bindable(port, socket.SOCK_DGRAM):
            return port
    raise RuntimeError("no port free for both UDP and TCP")


class FirstPortsTaken:
    """Stands in for ``recorder.forward.allocate_port_pairs``: the first ports it hands
    out are bound by another socket at once, as if another process took them between
    the product's check and its own bind."""

    def __init__(self, host: str) -> None:
        self.host = host
        self.handed_out: list[list[int]] = []
        self._squatters: list[socket.socket] = []

    def __call__(self, count: int, start: int, end: int) -> list[int]:
        ports = allocate_port_pairs(count, start, end)
        if not self.handed_out:
            squatter = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            squatter.bind((self.host, ports[0]))
            self._squatters.append(squatter)
        self.handed_out.append(ports)
        return ports

    def close(self) -> None:
        for squatter in self._squatters:
            squatter.close()
