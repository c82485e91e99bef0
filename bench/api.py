"""API benchmark: session list and details on PostgreSQL with 100,000 sessions.

Seeds a fresh PostgreSQL database (organisation, employees and devices through the
actions, 100,000 sessions through the bulk path that tests/integration/
test_bulk_seeding.py proves equivalent), starts a real ``fernblick serve`` and, as
the anchor, a bare aiohttp handler returning a constant JSON; then drives each with
32 concurrent clients and prints p50/p99 latency and throughput. Targets: list p99
≤ 30 ms; details throughput ≥ 40 % of the bare handler.

    .venv/bin/python -m bench.api [--sessions 100000] [--seconds 10] [--clients 32]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import asyncpg

from orchestrator.actions.auth import do_open_device
from orchestrator.actions.devices import do_create_device
from orchestrator.actions.organisation import add_employee, do_create_organisation
from orchestrator.actions.unit_of_work import UnitOfWork
from orchestrator.db.bulk import BulkRequest, bulk_request_sessions
from orchestrator.db.engine import create_engine, create_session_factory
from orchestrator.db.migrate import upgrade
from orchestrator.domain.types import Role, SessionStatus
from orchestrator.settings import Settings
from tests.support.ports import free_port

ROOT = Path(__file__).parents[1]
PG_ADMIN = os.environ.get("FERNBLICK_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/test")
DATABASE = "fernblick_bench"
EMAIL, PASSWORD = "bench@example.org", "bench-password"
STATUS_WEIGHTS = {
    SessionStatus.REQUESTED: 5,
    SessionStatus.CONFIRMED: 5,
    SessionStatus.RUNNING: 1,
    SessionStatus.DONE: 70,
    SessionStatus.CANCELLED: 19,
}


def database_url(name: str = DATABASE) -> str:
    """The SQLAlchemy URL of the benchmark database ``name`` on the local PostgreSQL."""
    return PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://") + f"/{name}"


async def recreate_database(name: str = DATABASE) -> None:
    """Drop and create the benchmark database ``name`` (empty, not migrated)."""
    conn = await asyncpg.connect(PG_ADMIN)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


async def seed(sessions: int) -> tuple[list[int], list[int]]:
    """Returns the session ids and device ids."""
    engine = create_engine(Settings(database_url=database_url()))
    uow = UnitOfWork(create_session_factory(engine))
    rng = random.Random(7)
    async with uow.transaction() as db:
        org = await do_create_organisation(db, name="Bench GmbH")
        admin = await add_employee(
            db, org.id, name="Bench", email=EMAIL, password=PASSWORD, role=Role.ADMINISTRATOR
        )
        from orchestrator.actions.actors import EmployeeActor

        actor = EmployeeActor(admin.id, org.id, Role.ADMINISTRATOR)
        others = [
            await add_employee(
                db,
                org.id,
                name=f"E{i}",
                email=f"e{i}@example.org",
                password=PASSWORD,
                role=Role.EMPLOYEE,
            )
            for i in range(2)
        ]
        devices = [
            await do_create_device(
                db,
                actor,
                name=f"Machine {i}",
                responsible_employee_ids=[others[i % 2].id, admin.id],
            )
            for i in range(20)
        ]
        code_users = [
            (await do_open_device(db, devices[i % 20].code, None)).actor.code_user_id
            for i in range(1000)
        ]
    responsible = {d.id: sorted([others[i % 2].id, admin.id]) for i, d in enumerate(devices)}
    statuses, weights = zip(*STATUS_WEIGHTS.items(), strict=True)
    start = datetime.now(UTC) - timedelta(days=365)
    ids: list[int] = []
    batch = 5000
    for first in range(0, sessions, batch):
        requests = [
            BulkRequest(
                device_id=devices[rng.randrange(20)].id,
                requester_id=rng.choice(code_users),
                reason=f"problem {n}: {rng.choice(['leak', 'noise', 'error 42', 'no power', 'jam'])}",
                contact=f"customer{n}@example.org",
                status=rng.choices(statuses, weights)[0],
                confirmed_by=admin.id,
                created_at=start + timedelta(seconds=n * 365 * 86400 / sessions),
            )
            for n in range(first, min(first + batch, sessions))
        ]
        async with uow.transaction() as db:
            ids += await bulk_request_sessions(db, org.id, requests, responsible)
    await engine.dispose()
    conn = await asyncpg.connect(PG_ADMIN.rsplit("/", 1)[0] + f"/{DATABASE}")
    await conn.execute("ANALYZE")
    await conn.close()
    return ids, [d.id for d in devices]


@dataclass
class Result:
    name: str
    latencies: list[float]
    seconds: float
    errors: int

    def row(self) -> str:
        ms = sorted(x * 1000 for x in self.latencies)
        p50 = statistics.median(ms)
        p99 = ms[min(len(ms) - 1, int(len(ms) * 0.99))]
        rps = len(ms) / self.seconds
        return f"{self.name:32} {len(ms):7d} {rps:9.0f} {p50:8.2f} {p99:8.2f} {self.errors:6d}"

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.seconds

    @property
    def p99_ms(self) -> float:
        ms = sorted(x * 1000 for x in self.latencies)
        return ms[min(len(ms) - 1, int(len(ms) * 0.99))]


async def drive(
    name: str, urls: list[str], headers: dict[str, str], clients: int, seconds: float
) -> Result:
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds
    connector = aiohttp.TCPConnector(limit=clients)
    async with aiohttp.ClientSession(connector=connector, headers=headers) as http:

        async def client(seed: int) -> None:
            nonlocal errors
            rng = random.Random(seed)
            while time.perf_counter() < deadline:
                url = rng.choice(urls)
                began = time.perf_counter()
                async with http.get(url) as response:
                    await response.read()
                    if response.status != 200:
                        errors += 1
                latencies.append(time.perf_counter() - began)

        began = time.perf_counter()
        await asyncio.gather(*(client(i) for i in range(clients)))
        elapsed = time.perf_counter() - began
    return Result(name, latencies, elapsed, errors)


async def wait_healthy(url: str) -> None:
    async with aiohttp.ClientSession() as http:
        for _ in range(150):
            try:
                async with http.get(url) as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.2)
    raise TimeoutError(url)


async def run(args: argparse.Namespace) -> None:
    print(f"seeding {args.sessions:,} sessions on PostgreSQL ({DATABASE}) …", flush=True)
    began = time.perf_counter()
    await recreate_database()
    await asyncio.to_thread(upgrade, database_url())
    ids, device_ids = await seed(args.sessions)
    print(f"seeded in {time.perf_counter() - began:.1f} s", flush=True)
    api_port, bare_port = free_port(), free_port()
    env = {
        **os.environ,
        "FERNBLICK_ENV": "test",
        "FERNBLICK_DATABASE_URL": database_url(),
        "FERNBLICK_PORT": str(api_port),
        "FERNBLICK_DATABASE_POOL_SIZE": "20",
    }
    logs = Path(tempfile.mkdtemp(prefix="fernblick-bench-"))
    api = subprocess.Popen(  # noqa: ASYNC220 - started once, before any measurement
        [sys.executable, "-m", "orchestrator.cli", "serve", "--no-migrate"],
        cwd=ROOT,
        env=env,
        stdout=(logs / "api.log").open("wb"),
        stderr=subprocess.STDOUT,
    )
    bare = subprocess.Popen(  # noqa: ASYNC220
        [sys.executable, "-m", "bench.bare_server", str(bare_port)], cwd=ROOT
    )
    try:
        api_url, bare_url = f"http://127.0.0.1:{api_port}", f"http://127.0.0.1:{bare_port}"
        await asyncio.gather(wait_healthy(f"{api_url}/healthz"), wait_healthy(bare_url))
        async with (
            aiohttp.ClientSession() as http,
            http.post(
                f"{api_url}/api/auth/login", json={"email": EMAIL, "password": PASSWORD}
            ) as response,
        ):
            assert response.status == 200, await response.text()
            cookie = response.cookies["fernblick_session"].value
        headers = {"Cookie": f"fernblick_session={cookie}"}
        rng = random.Random(1)
        detail_urls = [f"{api_url}/api/sessions/{rng.choice(ids)}" for _ in range(2000)]
        filtered = [f"{api_url}/api/sessions?status=REQUESTED&device_id={d}" for d in device_ids]
        filtered += [
            f"{api_url}/api/sessions?status=CONFIRMED&status=RUNNING",
            f"{api_url}/api/sessions?mine=true&sort=-updated_at",
        ]
        # warm-up: caches, connection pools, JIT of query plans
        await drive(
            "warm-up", [f"{api_url}/api/sessions", *detail_urls[:50]], headers, args.clients, 2
        )
        results = [
            await drive(
                "bare aiohttp handler (anchor)", [bare_url + "/"], {}, args.clients, args.seconds
            ),
            await drive(
                "session list, first page",
                [f"{api_url}/api/sessions"],
                headers,
                args.clients,
                args.seconds,
            ),
            await drive("session list, filtered", filtered, headers, args.clients, args.seconds),
            await drive("session details", detail_urls, headers, args.clients, args.seconds),
        ]
    finally:
        for process in (api, bare):
            process.terminate()
            process.wait(timeout=15)
    print(
        f"\n{args.sessions:,} sessions, {args.clients} concurrent clients, {args.seconds:.0f} s per workload"
    )
    print(f"{'workload':32} {'requests':>7} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>6}")
    for result in results:
        print(result.row())
    bare_result, first_page, filtered_result, details = results
    print(
        f"\nlist p99: first page {first_page.p99_ms:.1f} ms, filtered {filtered_result.p99_ms:.1f} ms (target ≤ 30 ms)"
    )
    print(
        f"details throughput: {details.throughput / bare_result.throughput:.0%} of the bare handler (target ≥ 40 %)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sessions", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=32)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
