"""The recorder as its own process (``fernblick recorder`` / ``python -m recorder``).

It runs the recorder (ffmpeg per recording) and the upload worker, consuming from
RabbitMQ (``FERNBLICK_BUS_URL``) and sharing the database with the orchestrators,
which must run with ``FERNBLICK_RECORDER_EMBEDDED=false``: they then forward calls
for it (``recorder/bus_forwarding.py``), since only they hold Janus's secrets.
Several recorders may run, each with its own ``FERNBLICK_INSTANCE_NAME``; a recording
is taken by one of them. Restarted after a crash under the same name, a recorder
finalizes and uploads what it left behind (``Recorder.recover``). Its spool is
``FERNBLICK_STORAGE_DIR``; with local storage the orchestrators serve from the same
directory (one machine or a shared volume).
"""

from __future__ import annotations

import asyncio
import logging

from orchestrator.actions.unit_of_work import UnitOfWork
from orchestrator.db.engine import create_engine, create_session_factory
from orchestrator.events.bus import create_bus
from orchestrator.settings import Settings
from orchestrator.worker_process import run_until_signalled
from recorder.bus_forwarding import BusForwarding
from recorder.storage import create_storage
from recorder.uploads import UploadWorker
from recorder.worker import Recorder

log = logging.getLogger(__name__)


async def run(settings: Settings, stop: asyncio.Event) -> None:
    """Run until ``stop`` is set; running recordings are finished before the exit."""
    if settings.bus_url.startswith("memory://"):
        raise SystemExit("fernblick recorder needs RabbitMQ: set FERNBLICK_BUS_URL=amqp://…")
    engine = create_engine(settings)
    bus = create_bus(settings)
    try:
        await bus.connect()
        uow = UnitOfWork(create_session_factory(engine))
        forwarding = BusForwarding(bus, uow, settings.instance_name)
        await forwarding.attach()
        recorder = Recorder(uow, forwarding, settings)
        await UploadWorker(uow, create_storage(settings), settings).attach(bus)
        await recorder.attach(bus)
        log.info("recorder %s ready", settings.instance_name)
        try:
            await stop.wait()
        finally:
            await recorder.close()
    finally:
        await bus.close()
        await engine.dispose()


def main(settings: Settings) -> int:
    return run_until_signalled(run, settings)
