"""The notifier as its own process (``fernblick notifier`` / ``python -m notifier``).

It consumes from RabbitMQ (``FERNBLICK_BUS_URL``) and shares the database with the
orchestrators; several can run at once. In-app messages need the Redis fan-out
(``FERNBLICK_REDIS_URL``) to reach the orchestrators' WebSockets; without it this
process sends e-mail and Web Push only. It cannot see who has a page open, so an
incoming call is e-mailed and pushed to every responsible employee.
"""

from __future__ import annotations

import asyncio
import logging

from notifier.service import Notifier
from orchestrator.db.engine import create_engine, create_session_factory
from orchestrator.events.bus import create_bus
from orchestrator.realtime.fanout import Fanout, create_fanout
from orchestrator.settings import Settings
from orchestrator.worker_process import run_until_signalled

log = logging.getLogger(__name__)


async def run(settings: Settings, stop: asyncio.Event) -> None:
    """Run until ``stop`` is set; every resource is closed in reverse order."""
    if settings.bus_url.startswith("memory://"):
        log.warning("FERNBLICK_BUS_URL is memory://: this process will hear no events")
    engine = create_engine(settings)
    bus = create_bus(settings)
    fanout: Fanout | None = None
    try:
        await bus.connect()
        if settings.redis_url:
            fanout = create_fanout(settings)
            await fanout.start()
        notifier = Notifier(settings, create_session_factory(engine), fanout)
        await notifier.start(bus)
        try:
            await stop.wait()
        finally:
            await notifier.stop()
    finally:
        await bus.close()
        if fanout is not None:
            await fanout.close()
        await engine.dispose()


def main(settings: Settings) -> int:
    return run_until_signalled(run, settings)
