"""Notification benchmark: request → employee WebSocket notification latency.

One orchestrator (``create_app``, embedded notifier, PostgreSQL) with 50 employees
logged in and connected to ``/api/ws``; ten devices, each with five of them
responsible. Code users request video sessions at a steady rate (20 per second by
default) through the API; each request notifies its device's five employees in-app.
Measured per notification: from the moment the request was sent to the moment the
``notification`` frame arrived on that employee's WebSocket. Two modes: the
in-process bus (``memory://``, the embedded default) and RabbitMQ (a temporary
virtual host on the local broker; the outbox relay publishes, the notifier consumes
from its queue). Target: p99 ≤ 150 ms in both.

    .venv/bin/python -m bench.notify [--seconds 30] [--rate 20] [--mode memory|rabbitmq|both]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

import aiohttp
from aiohttp import web

from bench.api import database_url, recreate_database
from orchestrator.actions.actors import EmployeeActor
from orchestrator.actions.devices import do_create_device
from orchestrator.actions.organisation import add_employee, do_create_organisation
from orchestrator.actions.unit_of_work import UnitOfWork
from orchestrator.app import create_app
from orchestrator.db.engine import create_engine, create_session_factory
from orchestrator.db.migrate import upgrade
from orchestrator.domain.types import Role
from orchestrator.settings import Settings
from tests.support.ports import free_tcp_ports
from tests.support.rabbitmq import BROKER, temporary_vhost

DATABASE = "fernblick_bench_notify"
PASSWORD = "bench-password"
EMPLOYEES, DEVICES, RESPONSIBLE_PER_DEVICE = 50, 10, 5


async def fresh_database() -> None:
    await recreate_database(DATABASE)
    await asyncio.to_thread(upgrade, database_url(DATABASE))


async def seed(settings: Settings) -> tuple[list[str], list[str]]:
    """The employees' e-mails and the devices' codes (through the action functions)."""
    engine = create_engine(settings)
    uow = UnitOfWork(create_session_factory(engine))
    emails = [f"employee{n}@bench.example.org" for n in range(EMPLOYEES)]
    codes = [f"bench-device-{n}" for n in range(DEVICES)]
    try:
        async with uow.transaction() as db:
            org = await do_create_organisation(db, name="Bench GmbH")
            admin = await add_employee(
                db, org.id, name="Admin", email="admin@bench.example.org",
                password=PASSWORD, role=Role.ADMINISTRATOR,
            )  # fmt: skip
            ids = []
            for n, email in enumerate(emails):
                employee = await add_employee(
                    db, org.id, name=f"Employee {n}", email=email,
                    password=PASSWORD, role=Role.EMPLOYEE,
                )  # fmt: skip
                ids.append(employee.id)
            actor = EmployeeActor(admin.id, org.id, Role.ADMINISTRATOR)
            for n, code in enumerate(codes):
                first = n * RESPONSIBLE_PER_DEVICE
                await do_create_device(
                    db, actor, name=f"Machine {n}", code=code,
                    responsible_employee_ids=ids[first : first + RESPONSIBLE_PER_DEVICE],
                )  # fmt: skip
    finally:
        await engine.dispose()
    return emails, codes


@dataclass
class Timings:
    sent: dict[int, float] = field(default_factory=dict)
    """Session id → when its request was sent."""
    arrived: list[tuple[int, float]] = field(default_factory=list)
    """(session id, when a notification of it reached an employee's socket)."""
    expected: int = 0
    complete: asyncio.Event = field(default_factory=asyncio.Event)
    connected: int = 0
    started: float = 0.0
    answered: float = 0.0
    """Seconds from the first request until every request was answered."""
    all_connected: asyncio.Event = field(default_factory=asyncio.Event)

    def note_connected(self) -> None:
        self.connected += 1
        if self.connected == EMPLOYEES:
            self.all_connected.set()

    def note(self, session_id: int) -> None:
        self.arrived.append((session_id, time.perf_counter()))
        if self.expected and len(self.arrived) >= self.expected:
            self.complete.set()

    def latencies_ms(self) -> list[float]:
        return sorted(
            (at - self.sent[session]) * 1000 for session, at in self.arrived if session in self.sent
        )


async def logged_in(base: str, email: str) -> aiohttp.ClientSession:
    """An HTTP session of ``email`` (its cookie), for its WebSocket."""
    http = aiohttp.ClientSession(base, cookie_jar=aiohttp.CookieJar(unsafe=True))
    login = await http.post("/api/auth/login", json={"email": email, "password": PASSWORD})
    if login.status != 200:
        await http.close()
        raise RuntimeError(f"login of {email}: {await login.text()}")
    return http


async def employee_socket(http: aiohttp.ClientSession, timings: Timings) -> None:
    """Note every notification's arrival on this employee's socket until cancelled."""
    async with http, http.ws_connect("/api/ws", heartbeat=30) as ws:
        async for message in ws:
            if message.type is not aiohttp.WSMsgType.TEXT:
                break
            frame = message.json()
            if frame.get("type") == "snapshot":
                timings.note_connected()
            elif frame.get("type") == "notification":
                timings.note(int(str(frame["notification"]["url"]).rsplit("/", 1)[1]))


async def request_at_rate(
    base: str, codes: list[str], rate: float, seconds: float, timings: Timings
) -> int:
    """Code users request sessions every 1/rate seconds, round robin over the devices."""
    async with aiohttp.ClientSession(base) as http:
        tokens = []
        for code in codes:
            opened = await (await http.post("/api/code-user/open", json={"code": code})).json()
            tokens.append((opened["device"]["id"], opened["token"]))
        total = int(rate * seconds)
        timings.expected = total * RESPONSIBLE_PER_DEVICE
        start = time.perf_counter()

        async def one(n: int) -> None:
            await asyncio.sleep(max(0.0, start + n / rate - time.perf_counter()))
            device_id, token = tokens[n % len(tokens)]
            sent = time.perf_counter()
            response = await http.post(
                "/api/code-user/sessions",
                json={"device_id": device_id, "reason": f"bench {n}", "contact": "x"},
                headers={"Authorization": f"Bearer {token}"},
            )
            assert response.status == 201, await response.text()
            timings.sent[int((await response.json())["id"])] = sent

        await asyncio.gather(*(one(n) for n in range(total)))
        timings.answered = time.perf_counter() - start
        timings.started = start
        return total


@contextlib.contextmanager
def bus_for(mode: str) -> Iterator[dict[str, str]]:
    if mode == "memory":
        yield {"bus_url": "memory://"}
        return
    with temporary_vhost() as vhost:
        yield {"bus_url": f"{BROKER}/{vhost}", "amqp_exchange": f"bench.{uuid.uuid4().hex[:8]}"}


async def run(mode: str, rate: float, seconds: float) -> dict[str, float]:
    await fresh_database()
    with bus_for(mode) as bus:
        settings = Settings(
            env="test",
            database_url=database_url(DATABASE),
            code_user_requests_per_minute=0,  # one address sends every request
            outbox_poll_seconds=0.5,
            **bus,  # type: ignore[arg-type]
        )
        emails, codes = await seed(settings)
        (port,) = free_tcp_ports(1)
        runner = web.AppRunner(create_app(settings))
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        base = f"http://127.0.0.1:{port}"
        timings = Timings()
        # One login after the other: each holds a database connection for its password hash.
        sessions = [await logged_in(base, email) for email in emails]
        sockets = [asyncio.create_task(employee_socket(http, timings)) for http in sessions]
        try:
            await asyncio.wait_for(timings.all_connected.wait(), 120)
            total = await request_at_rate(base, codes, rate, seconds, timings)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(timings.complete.wait(), 60)
        finally:
            for task in sockets:
                task.cancel()
            await asyncio.gather(*sockets, return_exceptions=True)
            await runner.cleanup()
    latencies = timings.latencies_ms()
    return {
        "requests": total,
        "notifications_expected": timings.expected,
        "notifications_received": len(latencies),
        "p50_ms": round(statistics.median(latencies), 1),
        "p99_ms": round(latencies[max(0, int(len(latencies) * 0.99) - 1)], 1),
        "max_ms": round(latencies[-1], 1),
        # where a backlog builds: the API (answers) or the notifier (notifications)
        "all_answered_after_s": round(timings.answered, 1),
        "all_notified_after_s": round(max(at for _, at in timings.arrived) - timings.started, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0, help="how long requests come in")
    parser.add_argument("--rate", type=float, default=20.0, help="requests per second")
    parser.add_argument("--mode", choices=["memory", "rabbitmq", "both"], default="both")
    args = parser.parse_args()
    modes = ["memory", "rabbitmq"] if args.mode == "both" else [args.mode]
    for mode in modes:
        result = asyncio.run(run(mode, args.rate, args.seconds))
        print(f"mode {mode}")
        for key, value in result.items():
            print(f"  {key:24} {value}")


if __name__ == "__main__":
    main()
