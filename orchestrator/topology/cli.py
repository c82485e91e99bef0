"""``fernblick topology`` (or ``python -m orchestrator.topology``): run the process topology.

Reads the same ``FERNBLICK_*`` settings as every process (database, bus, Redis,
Janus secrets), starts everything in ``topology.py``'s order, prints the entry
URL, and restarts a process that exits until SIGINT or SIGTERM stops them all.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

from orchestrator.observability.logs import configure_logging
from orchestrator.settings import Settings, load_settings
from orchestrator.topology.topology import JanusSecrets, Topology, TopologyPlan

WATCH_SECONDS = 2.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dir", type=Path, default=Path("var/topology"), help="configs and logs")
    parser.add_argument("--port", type=int, default=8080, help="entry port (balancer)")
    parser.add_argument("--orchestrators", type=int, default=2)
    parser.add_argument("--janus-nodes", type=int, default=2)


def secrets_of(settings: Settings) -> JanusSecrets:
    return JanusSecrets(
        api_secret=settings.janus_api_secret.get_secret_value(),
        admin_secret=settings.janus_admin_secret.get_secret_value(),
        videoroom_admin_key=settings.janus_videoroom_admin_key.get_secret_value(),
        event_user=settings.janus_event_user,
        event_password=settings.janus_event_password.get_secret_value(),
    )


def run(settings: Settings, args: argparse.Namespace) -> int:
    """Start the topology and supervise it until a signal arrives."""
    if settings.is_sqlite or settings.bus_url.startswith("memory://") or not settings.redis_url:
        print(
            "fernblick topology: several orchestrators need PostgreSQL, RabbitMQ and Redis: "
            "set FERNBLICK_DATABASE_URL, FERNBLICK_BUS_URL and FERNBLICK_REDIS_URL",
            file=sys.stderr,
        )
        return 2
    environment = {key: value for key, value in os.environ.items() if key.startswith("FERNBLICK_")}
    plan = TopologyPlan.on_ports(
        args.dir.resolve(),
        args.port,
        secrets_of(settings),
        environment,
        orchestrators=args.orchestrators,
        janus_nodes=args.janus_nodes,
    )
    stop = threading.Event()

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    with Topology(plan, os.environ) as topology:
        names = ", ".join(topology.supervisor.processes)
        print(
            f"fernblick topology: {names}\n  entry: {topology.url}  logs: {plan.workdir / 'logs'}"
        )
        sys.stdout.flush()
        while not stop.wait(WATCH_SECONDS):
            topology.supervisor.restart_exited()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="fernblick topology", description=__doc__.splitlines()[0])
    add_arguments(parser)
    settings = load_settings()
    configure_logging(settings)
    return run(settings, parser.parse_args(argv))
