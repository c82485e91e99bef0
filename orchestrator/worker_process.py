"""The main loop of a worker process (``fernblick notifier``, ``fernblick recorder``):
run until SIGINT or SIGTERM, then let the worker close what it opened."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Awaitable, Callable

from prometheus_client import start_http_server

from orchestrator.settings import Settings

Worker = Callable[[Settings, asyncio.Event], Awaitable[None]]
"""Runs with these settings until the event is set, then returns after cleaning up."""


def run_until_signalled(worker: Worker, settings: Settings) -> int:
    """Run ``worker`` in a fresh event loop; a signal sets its stop event. The exit code."""
    if settings.metrics_port:
        # This process's own metrics (notification latency, job failures) for Prometheus.
        start_http_server(settings.metrics_port, addr=settings.host)

    async def serve() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(sig, stop.set)
        await worker(settings, stop)

    asyncio.run(serve())
    return 0
