"""A tiny TCP load balancer in front of several orchestrators (process topology only).

Production puts a reverse proxy there (``compose/``); on one machine without one,
this is the entry point that browsers, tests and Janus's event handler use. Each
client connection goes to the next orchestrator in turn (round robin), byte for
byte, so HTTP and WebSocket both pass. An orchestrator that refuses a connection
is skipped for ``retry_after`` seconds and the connection tries the next one, so
a killed instance costs clients one reconnect, never an error. With no
orchestrator left the client gets a 503 problem document.

    python -m orchestrator.topology.balancer --port 8080 --backend 127.0.0.1:8081 \
        --backend 127.0.0.1:8082
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import signal
import time
from collections.abc import Sequence

from orchestrator.observability.logs import configure_logging
from orchestrator.settings import load_settings

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_SECONDS = 2.0
PIPE_CHUNK = 65536

_NO_BACKEND_BODY = json.dumps(
    {
        "type": "https://fernblick.dev/problems/service_unavailable",
        "title": "Service unavailable",
        "status": 503,
        "detail": "no orchestrator is reachable; try again shortly",
        "code": "service_unavailable",
        "field": None,
    }
).encode()
NO_BACKEND_RESPONSE = (
    b"HTTP/1.1 503 Service Unavailable\r\n"
    b"Content-Type: application/problem+json\r\n"
    b"Retry-After: 1\r\nConnection: close\r\n"
    + f"Content-Length: {len(_NO_BACKEND_BODY)}\r\n\r\n".encode()
    + _NO_BACKEND_BODY
)


class Balancer:
    """Round robin over ``backends`` (host, port), skipping those that refuse."""

    def __init__(self, backends: Sequence[tuple[str, int]], *, retry_after: float = 2.0) -> None:
        if not backends:
            raise ValueError("the balancer needs at least one backend")
        self.backends = list(backends)
        self.retry_after = retry_after
        self._next = 0
        self._down_until = [0.0] * len(self.backends)

    def _order(self) -> list[int]:
        """Backends to try for one connection: the next in turn first, then the rest;
        those recently found down go last (they may be back)."""
        start = self._next
        self._next = (self._next + 1) % len(self.backends)
        indexes = [(start + offset) % len(self.backends) for offset in range(len(self.backends))]
        now = time.monotonic()
        return sorted(indexes, key=lambda index: self._down_until[index] > now)

    async def _connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter] | None:
        for index in self._order():
            host, port = self.backends[index]
            try:
                return await asyncio.wait_for(
                    asyncio.open_connection(host, port), CONNECT_TIMEOUT_SECONDS
                )
            except (OSError, TimeoutError) as error:
                if self._down_until[index] <= time.monotonic():
                    log.warning("backend %s:%s unreachable (%s)", host, port, error)
                self._down_until[index] = time.monotonic() + self.retry_after
        return None

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Serve one client connection until either side closes it."""
        upstream = await self._connect()
        if upstream is None:
            with contextlib.suppress(OSError):
                writer.write(NO_BACKEND_RESPONSE)
                await writer.drain()
            writer.close()
            return
        backend_reader, backend_writer = upstream
        await asyncio.gather(
            _pipe(reader, backend_writer), _pipe(backend_reader, writer), return_exceptions=True
        )

    async def serve(self, host: str, port: int, stop: asyncio.Event) -> None:
        server = await asyncio.start_server(self.handle, host, port, reuse_address=True)
        log.info("balancing %s:%s over %s", host, port, self.backends)
        async with server:
            await stop.wait()


async def _pipe(source: asyncio.StreamReader, target: asyncio.StreamWriter) -> None:
    """Copy until end of stream, then close ``target`` (which ends the other direction)."""
    try:
        while chunk := await source.read(PIPE_CHUNK):
            target.write(chunk)
            await target.drain()
    finally:
        target.close()


def _backend(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    return host or "127.0.0.1", int(port)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--backend", type=_backend, action="append", required=True)
    args = parser.parse_args(argv)
    configure_logging(load_settings())

    async def run() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await Balancer(args.backend).serve(args.host, args.port, stop)

    asyncio.run(run())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
