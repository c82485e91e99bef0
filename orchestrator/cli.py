"""The ``fernblick`` command: migrate, create-admin, create-device, seed-demo, serve,
notifier, recorder, topology, vapid-keys."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

from pydantic import ValidationError
from sqlalchemy import select

from orchestrator.actions.actors import EmployeeActor
from orchestrator.actions.devices import do_create_device
from orchestrator.actions.janus_nodes import do_set_draining, node_states
from orchestrator.actions.organisation import add_employee, do_create_organisation
from orchestrator.actions.unit_of_work import UnitOfWork
from orchestrator.api.qr import device_page_url, qr_png, qr_svg
from orchestrator.db.engine import create_engine, create_session_factory
from orchestrator.db.migrate import upgrade
from orchestrator.db.models import Employee, Organisation
from orchestrator.demo import DEMO_LOGINS, DEMO_PASSWORD, seed_demo
from orchestrator.domain.errors import FernblickError
from orchestrator.domain.types import Role
from orchestrator.observability.logs import configure_logging
from orchestrator.settings import Settings, load_settings
from orchestrator.topology.cli import add_arguments as topology_arguments
from orchestrator.topology.cli import run as run_topology

T = TypeVar("T")


def _with_uow(settings: Settings, work: Callable[[UnitOfWork], Awaitable[T]]) -> T:
    async def run() -> T:
        engine = create_engine(settings)
        try:
            return await work(UnitOfWork(create_session_factory(engine)))
        finally:
            await engine.dispose()

    return asyncio.run(run())


def cmd_migrate(settings: Settings, _args: argparse.Namespace) -> int:
    upgrade(settings.database_url)
    print(f"database is up to date ({_safe_url(settings.database_url)})")
    return 0


def cmd_create_admin(settings: Settings, args: argparse.Namespace) -> int:
    password = args.password or getpass.getpass("password: ")

    async def work(uow: UnitOfWork) -> tuple[int, str]:
        async with uow.transaction() as db:
            org = await db.scalar(
                select(Organisation).where(Organisation.name == args.organisation)
            )
            if org is None:
                org = await do_create_organisation(db, name=args.organisation)
            employee = await add_employee(
                db,
                org.id,
                name=args.name,
                email=args.email,
                password=password,
                role=Role.ADMINISTRATOR,
            )
            return employee.id, employee.email

    employee_id, email = _with_uow(settings, work)
    print(f"administrator {email} created (id {employee_id}) in {args.organisation!r}")
    return 0


def cmd_create_device(settings: Settings, args: argparse.Namespace) -> int:
    async def work(uow: UnitOfWork) -> tuple[str, str]:
        async with uow.transaction() as db:
            admin = await db.scalar(
                select(Employee).where(
                    Employee.email == args.admin_email.lower(), Employee.role == Role.ADMINISTRATOR
                )
            )
            if admin is None:
                raise FernblickError(
                    f"no administrator with e-mail {args.admin_email}", field="admin-email"
                )
            actor = EmployeeActor(admin.id, admin.organisation_id, admin.role)
            device = await do_create_device(db, actor, name=args.name, location=args.location)
            return device.name, device_page_url(settings.site_url, device)

    name, url = _with_uow(settings, work)
    print(f"device {name!r}: {url}")
    if args.qr:
        path = Path(args.qr)
        path.write_bytes(qr_png(url) if path.suffix.lower() == ".png" else qr_svg(url))
        print(f"QR code written to {path}")
    return 0


def cmd_seed_demo(settings: Settings, _args: argparse.Namespace) -> int:
    created = _with_uow(settings, seed_demo)
    print("demo data created" if created else "demo data exists already")
    print_demo_logins(settings)
    return 0


def print_demo_logins(settings: Settings) -> None:
    print(f"\nFernblick: {settings.site_url}")
    print(f"  back office: {settings.site_url}/app   API docs: {settings.site_url}/api/docs")
    print(f"  a device page (code user): {settings.site_url}/d/fm200-demo")
    for login in DEMO_LOGINS:
        print(f"  {login.role.value:13} {login.email} / {DEMO_PASSWORD}")
    sys.stdout.flush()


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    from aiohttp import web

    from orchestrator.access_log import AccessLogger
    from orchestrator.app import create_app

    if args.migrate:
        upgrade(settings.database_url)
    if args.demo:
        _with_uow(settings, seed_demo)
        print_demo_logins(settings)
    web.run_app(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        print=None,
        access_log_class=AccessLogger,
    )
    return 0


def cmd_notifier(settings: Settings, _args: argparse.Namespace) -> int:
    from notifier.standalone import main as run_notifier

    return run_notifier(settings)


def cmd_topology(settings: Settings, args: argparse.Namespace) -> int:
    return run_topology(settings, args)


def cmd_janus_drain(settings: Settings, args: argparse.Namespace) -> int:
    """Drain a node (or, with ``--resume``, let it take new rooms again) everywhere."""
    known = [node.name for node in settings.janus_nodes]

    async def work(uow: UnitOfWork) -> None:
        async with uow.transaction() as db:
            await do_set_draining(db, args.name, not args.resume, known=known, reason=args.reason)

    _with_uow(settings, work)
    what = "takes new rooms again" if args.resume else "gets no new rooms; its calls go on"
    within = settings.janus_health_interval_seconds
    print(f"janus node {args.name} {what} (every orchestrator within {within:g} s)")
    return 0


def cmd_janus_nodes(settings: Settings, _args: argparse.Namespace) -> int:
    """One health round over the configured nodes, with the draining choice."""
    from orchestrator.janus.pool import JanusPool

    async def work(uow: UnitOfWork) -> int:
        async with uow.read() as db:
            states = await node_states(db)
        async with JanusPool.running(settings) as pool:
            print(f"{'node':16} {'healthy':8} {'participants':>12} {'rooms':>6}  draining")
            for node in pool.nodes:
                state = states.get(node.name)
                draining = "setting" if node.draining else ""
                if state is not None and state.draining:
                    draining = f"since {state.changed_at:%Y-%m-%d %H:%M} {state.reason}".strip()
                health = "yes" if node.healthy else f"no ({node.last_error})"
                print(
                    f"{node.name:16} {health:8} {node.load.participants:>12} "
                    f"{node.load.rooms:>6}  {draining}"
                )
            return 0 if any(node.healthy for node in pool.nodes) else 1

    return _with_uow(settings, work)


def cmd_recorder(settings: Settings, _args: argparse.Namespace) -> int:
    from recorder.standalone import main as run_recorder

    return run_recorder(settings)


def cmd_tracker(settings: Settings, _args: argparse.Namespace) -> int:
    from tracker.standalone import main as run_tracker

    return run_tracker(settings)


def cmd_vapid_keys(_settings: Settings, _args: argparse.Namespace) -> int:
    from notifier.channels.web_push import generate_vapid_keys

    private, public = generate_vapid_keys()
    print(f"FERNBLICK_VAPID_PRIVATE_KEY={private}")
    print(f"FERNBLICK_VAPID_PUBLIC_KEY={public}")
    return 0


def _safe_url(url: str) -> str:
    head, _, tail = url.rpartition("@")
    return f"{head.split('://')[0]}://…@{tail}" if head else url


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fernblick", description="Fernblick remote video support")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("migrate", help="bring the database schema up to date").set_defaults(
        run=cmd_migrate
    )
    admin = commands.add_parser(
        "create-admin", help="create an administrator (and the organisation)"
    )
    admin.add_argument("--email", required=True)
    admin.add_argument("--name", default="Administrator")
    admin.add_argument("--organisation", default="Fernblick")
    admin.add_argument("--password", help="prompted for when omitted")
    admin.set_defaults(run=cmd_create_admin)
    device = commands.add_parser("create-device", help="create a device; prints its page URL")
    device.add_argument("--admin-email", required=True, help="an administrator of the organisation")
    device.add_argument("--name", required=True)
    device.add_argument("--location", default="")
    device.add_argument("--qr", help="write the QR code to this .svg or .png file")
    device.set_defaults(run=cmd_create_device)
    commands.add_parser("seed-demo", help="create demo data").set_defaults(run=cmd_seed_demo)
    serve = commands.add_parser("serve", help="run the orchestrator")
    serve.add_argument("--no-migrate", dest="migrate", action="store_false", help="skip migrations")
    serve.add_argument("--demo", action="store_true", help="seed demo data and print the logins")
    serve.set_defaults(run=cmd_serve)
    commands.add_parser(
        "notifier", help="run the notifier worker (consumes from FERNBLICK_BUS_URL)"
    ).set_defaults(run=cmd_notifier)
    commands.add_parser(
        "tracker",
        help="run the tracker worker (markers; consumes from FERNBLICK_BUS_URL, "
        "publishes positions through FERNBLICK_REDIS_URL)",
    ).set_defaults(run=cmd_tracker)
    commands.add_parser(
        "recorder",
        help="run a recorder and upload worker (consumes from FERNBLICK_BUS_URL; "
        "set FERNBLICK_RECORDER_EMBEDDED=false on the orchestrators)",
    ).set_defaults(run=cmd_recorder)
    topology = commands.add_parser(
        "topology", help="run orchestrators, workers, Janus nodes and an entry point here"
    )
    topology_arguments(topology)
    topology.set_defaults(run=cmd_topology)
    drain = commands.add_parser(
        "janus-drain", help="give a Janus node no new rooms (every orchestrator); calls go on"
    )
    drain.add_argument("name", help="a node of FERNBLICK_JANUS_NODES")
    drain.add_argument("--reason", default="", help="shown by janus-nodes")
    drain.add_argument("--resume", action="store_true", help="let it take new rooms again")
    drain.set_defaults(run=cmd_janus_drain)
    commands.add_parser(
        "janus-nodes", help="health, load and draining of the configured Janus nodes"
    ).set_defaults(run=cmd_janus_nodes)
    commands.add_parser("vapid-keys", help="print a new Web Push (VAPID) key pair").set_defaults(
        run=cmd_vapid_keys
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
    except ValidationError as exc:
        print(f"fernblick: invalid settings:\n{exc}", file=sys.stderr)
        return 2
    configure_logging(settings)
    try:
        return int(args.run(settings, args))
    except FernblickError as error:
        print(f"fernblick: {error.detail}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
