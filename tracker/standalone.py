"""The tracker worker as its own process (``fernblick tracker``).

It consumes marker events from RabbitMQ (``FERNBLICK_BUS_URL``), asks an orchestrator
over the bus to forward the code user's video to its port (it holds no Janus secret:
``tracker/forwarding.py``), and publishes positions through the Redis fan-out
(``FERNBLICK_REDIS_URL``), which carries them to every orchestrator's WebSockets. It
reads the session rows from the shared database (``FERNBLICK_DATABASE_URL``) to name
them in its requests. Run one: all events of a session must reach the worker tracking it.
"""

from __future__ import annotations

import asyncio
import logging

from orchestrator.actions.unit_of_work import UnitOfWork
from orchestrator.db.engine import create_engine, create_session_factory
from orchestrator.events.bus import create_bus
from orchestrator.realtime.fanout import create_fanout
from orchestrator.settings import Settings
from orchestrator.worker_process import run_until_signalled
from tracker.forwarding import BusTrackerForwarding
from tracker.worker import TrackerWorker

log = logging.getLogger(__name__)


async def run(settings: Settings, stop: asyncio.Event) -> None:
    """Run until ``stop`` is set; every resource is closed in reverse order."""
    if settings.bus_url.startswith("memory://") or not settings.redis_url:
        log.warning("without RabbitMQ and Redis this process hears and tells nobody")
    engine = create_engine(settings)
    bus = create_bus(settings)
    fanout = create_fanout(settings)
    try:
        await bus.connect()
        await fanout.start()
        uow = UnitOfWork(create_session_factory(engine))
        forwarding = BusTrackerForwarding(
            bus, uow, settings.instance_name, settings.tracker_lease_seconds
        )
        await forwarding.attach()
        worker = TrackerWorker(forwarding, fanout, settings)
        await worker.attach(bus)
        try:
            await stop.wait()
        finally:
            await worker.close()
            await forwarding.detach()
    finally:
        await bus.close()
        await fanout.close()
        await engine.dispose()


def main(settings: Settings) -> int:
    return run_until_signalled(run, settings)
