"""Load on the production topology as processes (``orchestrator/topology``), loopback only.

1. Sessions: 1,000 sessions requested by code users and confirmed by an employee
   (20 at a time, each request on a fresh connection through the entry point) while
   200 WebSockets listen; API latency, throughput, and the delay until all 200
   browsers saw each confirmation.
2. Calls: simultaneous calls across two Janus nodes, added in steps; each call has
   both sides publishing (aiortc, pre-encoded VP8 640x480 at 15 fps, ~500 kbit/s:
   ``bench/looped_video.py``). After each step has all calls RUNNING, CPU of every
   process is measured over a hold window, while each orchestrator's ``/healthz`` is
   timed twice a second. The ramp stops at the first sign of saturation: a call that
   does not reach RUNNING, a call that drops, orchestrators answering ``/healthz``
   slower than ``--probe-limit`` (p95), or publishers sending frames later than
   ``--lateness-limit`` (p95; the load generator itself saturated). The machine's busy
   share is reported, not used: the machine is shared. Reported: the ceiling, what
   saturates first, and the orchestrators' CPU per active call (above their idle
   baseline).

    nice .venv/bin/python -m bench.load [--sessions 1000] [--websockets 200] \
        [--steps 2,4,8,12,16,24,32] [--hold 15]

Uses the shared PostgreSQL (a database of its own), RabbitMQ (a virtual host of its
own) and Redis (a channel prefix of its own); the machine is shared, so run it niced
and read the machine's busy share next to the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

os.environ.setdefault("FERNBLICK_ARGON2_TIME_COST", "1")
os.environ.setdefault("FERNBLICK_ARGON2_MEMORY_KIB", "1024")

import aiohttp
import asyncpg
from sqlalchemy import select

from bench.looped_video import EncodedClip, LoopedVp8Track
from orchestrator.actions.unit_of_work import UnitOfWork
from orchestrator.db.models import VideoSession
from orchestrator.domain.types import SessionStatus
from orchestrator.topology.topology import Topology
from tests.conftest import PG_ADMIN_DSN, pg_async_url
from tests.support.calls import Joined
from tests.support.live_view import LiveView
from tests.support.rabbitmq import BROKER, temporary_vhost
from tests.support.topology import (
    CodeUser,
    Staff,
    join_call,
    running_topology,
    topology_plan,
    unit_of_work,
)
from tests.support.world import World, build_world

DATABASE = "fernblick_bench_load"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
SESSIONS_PER_CODE_USER = 20


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


# --- CPU accounting from /proc -------------------------------------------------------


def process_cpu_seconds(pid: int | str) -> float:
    """User + system CPU time of one process."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def machine_jiffies() -> tuple[int, int]:
    """(busy, total) jiffies of all cores since boot."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


@dataclass
class CpuWindow:
    """CPU use per process group and of the whole machine over a time window."""

    groups: dict[str, list[int | str]]
    started: float = 0.0
    before: dict[str, float] = field(default_factory=dict)
    machine_before: tuple[int, int] = (0, 0)
    seconds: float = 0.0
    cores: dict[str, float] = field(default_factory=dict)
    machine_busy: float = 0.0

    def __enter__(self) -> CpuWindow:
        self.started = time.monotonic()
        self.before = self._sample()
        self.machine_before = machine_jiffies()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.seconds = time.monotonic() - self.started
        after = self._sample()
        self.cores = {name: (after[name] - self.before[name]) / self.seconds for name in after}
        busy, total = machine_jiffies()
        self.machine_busy = (busy - self.machine_before[0]) / max(1, total - self.machine_before[1])

    def _sample(self) -> dict[str, float]:
        return {
            name: sum(process_cpu_seconds(pid) for pid in pids)
            for name, pids in self.groups.items()
        }


def cpu_groups(topology: Topology) -> dict[str, list[int | str]]:
    processes = topology.supervisor.processes
    groups: dict[str, list[int | str]] = {
        "orchestrators": [m.pid for n, m in processes.items() if n.startswith("orchestrator")],
        "entry": [processes["entry"].pid],
        "bench (clients, publishers)": ["self"],
    }
    for name, managed in processes.items():
        if name.startswith("janus") or name in ("notifier", "recorder", "tracker"):
            groups[name] = [managed.pid]
    return groups


# --- phase 1: sessions and WebSockets -----------------------------------------------


class ConfirmationView(LiveView):
    """Keeps only when each ``session.confirmed`` arrived (200 views x 1,000 events)."""

    def __init__(self, ws_url: str, headers: dict[str, str]) -> None:
        super().__init__(ws_url, headers=headers)
        self.confirmed_at: dict[int, float] = {}

    def record(self, event: dict[str, Any]) -> None:
        if event["type"] == "session.confirmed":
            self.confirmed_at[event["payload"]["session"]["id"]] = time.monotonic()


@dataclass
class SessionsResult:
    sessions: dict[int, CodeUser]
    request_ms: list[float]
    confirm_ms: list[float]
    seconds: float
    delivery_ms: list[float]
    drained_after: float
    websockets: int


async def run_sessions(
    topology: Topology, world: World, staff: Staff, http: aiohttp.ClientSession, args: Any
) -> SessionsResult:
    views = [ConfirmationView(staff.ws_url, staff.headers) for _ in range(args.websockets)]
    for view in views:
        view.start(http)
    try:
        await asyncio.gather(*(view.connected(120) for view in views))
        code_users = [
            await CodeUser.open_device(topology.url, http, world.device_code)
            for _ in range(max(1, args.sessions // SESSIONS_PER_CODE_USER))
        ]
        request_ms: list[float] = []
        confirm_ms: list[float] = []
        confirmed: dict[int, float] = {}
        sessions: dict[int, CodeUser] = {}
        todo = iter(range(args.sessions))

        async def worker() -> None:
            for n in todo:
                code_user = code_users[n % len(code_users)]
                t0 = time.monotonic()
                session_id = await code_user.request_session(world.device_id, f"load {n}")
                t1 = time.monotonic()
                status, _kind, body = await staff.request(
                    "POST", f"/api/sessions/{session_id}/confirm"
                )
                t2 = time.monotonic()
                assert status == 200, body
                request_ms.append((t1 - t0) * 1000)
                confirm_ms.append((t2 - t1) * 1000)
                confirmed[session_id] = t2
                sessions[session_id] = code_user

        started = time.monotonic()
        await asyncio.gather(*(worker() for _ in range(args.concurrency)))
        seconds = time.monotonic() - started
        async with asyncio.timeout(300):
            while True:
                if all(len(view.confirmed_at) >= len(confirmed) for view in views):
                    break
                await asyncio.sleep(0.2)
        drained_after = time.monotonic() - started - seconds
        delivery = [
            (view.confirmed_at[sid] - at) * 1000 for view in views for sid, at in confirmed.items()
        ]
        return SessionsResult(
            sessions, request_ms, confirm_ms, seconds, delivery, drained_after, len(views)
        )
    finally:
        for view in views:
            await view.stop()


# --- phase 2: calls ------------------------------------------------------------------


@dataclass
class ActiveCall:
    session_id: int
    node: str
    sides: list[Joined]
    tracks: list[LoopedVp8Track]


async def probe_latencies(
    http: aiohttp.ClientSession, urls: list[str], seconds: float
) -> list[float]:
    """``/healthz`` round trips (s) on each orchestrator, twice a second: how quickly
    an orchestrator's event loop answers while it carries the calls."""
    latencies: list[float] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for url in urls:
            started = time.monotonic()
            try:
                async with http.get(f"{url}/healthz") as response:
                    await response.read()
            except aiohttp.ClientError:
                latencies.append(float("inf"))
                continue
            latencies.append(time.monotonic() - started)
        await asyncio.sleep(0.5)
    return latencies


@dataclass
class Step:
    calls: int
    per_node: dict[str, int]
    window: CpuWindow
    setup_seconds: float
    probe_p95: float
    lateness_p95: float


async def statuses(uow: UnitOfWork, session_ids: list[int]) -> dict[int, SessionStatus]:
    async with uow.read() as db:
        rows = await db.execute(
            select(VideoSession.id, VideoSession.status).where(VideoSession.id.in_(session_ids))
        )
        return {row.id: row.status for row in rows}


async def start_call(
    topology: Topology,
    staff: Staff,
    session_id: int,
    code_user: CodeUser,
    http: aiohttp.ClientSession,
    clip: EncodedClip,
) -> ActiveCall:
    status, _kind, employee = await staff.request("POST", f"/api/sessions/{session_id}/call")
    assert status == 201, employee
    status, accepted = await code_user.request(
        "POST", f"/api/code-user/sessions/{session_id}/call/accept"
    )
    assert status == 200, accepted
    tickets = [employee["ticket"], accepted["ticket"]]
    tracks = [LoopedVp8Track(clip) for _ in tickets]
    sides = [
        await join_call(topology, http, ticket, video=track)
        for ticket, track in zip(tickets, tracks, strict=True)
    ]
    node = next(
        n["name"] for n in topology.plan.janus_nodes() if n["public_url"] == tickets[0]["janus_url"]
    )
    return ActiveCall(session_id, node, sides, tracks)


async def run_calls(
    topology: Topology,
    staff: Staff,
    uow: UnitOfWork,
    sessions: dict[int, CodeUser],
    http: aiohttp.ClientSession,
    clip: EncodedClip,
    args: Any,
) -> tuple[CpuWindow, list[Step], str]:
    groups = cpu_groups(topology)
    with CpuWindow(groups) as baseline:
        await asyncio.sleep(args.hold)
    free = iter(sessions.items())
    calls: list[ActiveCall] = []
    steps: list[Step] = []
    verdict = f"no saturation up to {args.steps[-1]} calls"
    try:
        for target in args.steps:
            started = time.monotonic()
            try:
                async with asyncio.timeout(120):
                    while len(calls) < target:
                        session_id, code_user = next(free)
                        calls.append(
                            await start_call(topology, staff, session_id, code_user, http, clip)
                        )
                    ids = [call.session_id for call in calls]
                    while True:
                        current = await statuses(uow, ids)
                        if all(s == SessionStatus.RUNNING for s in current.values()):
                            break
                        await asyncio.sleep(0.25)
            except (TimeoutError, AssertionError, RuntimeError) as error:
                verdict = f"call set-up failed at {target} calls ({type(error).__name__}: {error})"
                break
            setup = time.monotonic() - started
            tracks = [track for call in calls for track in call.tracks]
            for track in tracks:
                track.lateness.clear()
            urls = [
                topology.orchestrator_url(n) for n in range(len(topology.plan.orchestrator_ports))
            ]
            with CpuWindow(groups) as window:
                probes = await probe_latencies(http, urls, args.hold)
            lateness = [late for track in tracks for late in track.lateness]
            per_node: dict[str, int] = {}
            for call in calls:
                per_node[call.node] = per_node.get(call.node, 0) + 1
            step = Step(
                len(calls), per_node, window, setup,
                percentile(probes, 0.95), percentile(lateness, 0.95) if lateness else 0.0,
            )  # fmt: skip
            steps.append(step)
            print_step(step, baseline)
            current = await statuses(uow, [call.session_id for call in calls])
            dropped = [sid for sid, status in current.items() if status != SessionStatus.RUNNING]
            if dropped:
                verdict = f"{len(dropped)} calls dropped at {len(calls)} calls"
                break
            if step.probe_p95 > args.probe_limit:
                verdict = (
                    f"orchestrators answer slowly at {len(calls)} calls (/healthz p95 "
                    f"{step.probe_p95 * 1000:.0f} ms > {args.probe_limit * 1000:.0f} ms)"
                )
                break
            if step.lateness_p95 > args.lateness_limit:
                verdict = (
                    f"publishers fall behind real time at {len(calls)} calls (frames p95 "
                    f"{step.lateness_p95 * 1000:.0f} ms late > {args.lateness_limit * 1000:.0f} ms)"
                )
                break
    finally:
        for call in calls:
            with contextlib.suppress(Exception):
                await staff.request("POST", f"/api/sessions/{call.session_id}/call/hangup")
            for side in call.sides:
                with contextlib.suppress(Exception):
                    await side.leave()
    return baseline, steps, verdict


def print_step(step: Step, baseline: CpuWindow) -> None:
    cores = step.window.cores
    extra = cores["orchestrators"] - baseline.cores["orchestrators"]
    heaviest = max(cores, key=lambda name: cores[name])
    print(
        f"  {step.calls:3} calls {step.per_node}  set-up {step.setup_seconds:5.1f} s  "
        f"machine {step.window.machine_busy:4.0%}  /healthz p95 {step.probe_p95 * 1000:.0f} ms  "
        f"frames late p95 {step.lateness_p95 * 1000:.0f} ms  orchestrators {cores['orchestrators']:.3f} "
        f"cores (+{extra / step.calls * 1000:.1f} ms CPU/s per call)  "
        f"heaviest: {heaviest} {cores[heaviest]:.2f} cores",
        flush=True,
    )


def report(sessions: SessionsResult, baseline: CpuWindow, steps: list[Step], verdict: str) -> None:
    print("\n## Sessions and WebSockets")
    print(f"sessions requested and confirmed: {len(sessions.sessions)} in {sessions.seconds:.1f} s "
          f"({len(sessions.sessions) / sessions.seconds:.0f}/s, 2 requests each)")  # fmt: skip
    for name, values in (("request", sessions.request_ms), ("confirm", sessions.confirm_ms)):
        print(f"  {name}: p50 {statistics.median(values):.0f} ms, p95 "
              f"{percentile(values, 0.95):.0f} ms, max {max(values):.0f} ms")  # fmt: skip
    print(f"WebSockets: {sessions.websockets}; each saw every confirmation; delivery after the "
          f"confirm's answer p50 {statistics.median(sessions.delivery_ms):.0f} ms, p95 "
          f"{percentile(sessions.delivery_ms, 0.95):.0f} ms, max {max(sessions.delivery_ms):.0f} ms; "
          f"all delivered {sessions.drained_after:.1f} s after the last confirm")  # fmt: skip
    print("\n## Calls")
    print(f"idle baseline over {baseline.seconds:.0f} s: " + ", ".join(
        f"{name} {cores:.3f}" for name, cores in baseline.cores.items()
    ) + f" cores; machine {baseline.machine_busy:.0%} busy")  # fmt: skip
    names = list(baseline.cores)
    print("| calls | per node | set-up s | machine busy | /healthz p95 ms | frames late p95 ms | "
          + " | ".join(names) + " | orchestrators CPU per call |")  # fmt: skip
    print(
        "| ---: | --- | ---: | ---: | ---: | ---: | "
        + " | ".join("---:" for _ in names)
        + " | ---: |"
    )
    for step in steps:
        extra = step.window.cores["orchestrators"] - baseline.cores["orchestrators"]
        print(
            f"| {step.calls} | {step.per_node} | {step.setup_seconds:.1f} | "
            f"{step.window.machine_busy:.0%} | {step.probe_p95 * 1000:.0f} | "
            f"{step.lateness_p95 * 1000:.0f} | "
            + " | ".join(f"{step.window.cores[name]:.3f}" for name in names)
            + f" | {extra / step.calls * 1000:.1f} ms/s |"
        )
    print(f"\nceiling: {steps[-1].calls if steps else 0} simultaneous calls; stopped: {verdict}")


async def fresh_database() -> str:
    connection = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        await connection.execute(f'CREATE DATABASE "{DATABASE}"')
    finally:
        await connection.close()
    return pg_async_url(DATABASE)


async def main(args: Any) -> None:
    database_url = await fresh_database()
    workdir = Path(tempfile.mkdtemp(prefix="fernblick-load-"))
    clip = EncodedClip.make(workdir / "clip.webm")
    with temporary_vhost() as vhost:
        plan = topology_plan(
            workdir,
            {
                "FERNBLICK_DATABASE_URL": database_url,
                "FERNBLICK_BUS_URL": f"{BROKER}/{vhost}",
                "FERNBLICK_REDIS_URL": "redis://127.0.0.1:6379/0",
                "FERNBLICK_REDIS_CHANNEL_PREFIX": f"fernblick-load-{uuid.uuid4().hex[:8]}",
                "FERNBLICK_JANUS_HEALTH_INTERVAL_SECONDS": "2",
                "FERNBLICK_OUTBOX_POLL_SECONDS": "0.5",
                "FERNBLICK_WS_QUEUE_SIZE": "4096",
                # Every code user comes from 127.0.0.1: no per-address rate limit.
                "FERNBLICK_CODE_USER_REQUESTS_PER_MINUTE": "0",
            },
            workers=None,
        )
        async with running_topology(plan) as topology, unit_of_work(database_url) as uow:
            print(f"topology: {', '.join(topology.supervisor.processes)}", flush=True)
            world = await build_world(uow)
            connector = aiohttp.TCPConnector(limit=0)
            async with (
                Staff.logged_in(topology.url) as staff,
                aiohttp.ClientSession(connector=connector) as http,
            ):
                sessions = await run_sessions(topology, world, staff, http, args)
                print(f"sessions done in {sessions.seconds:.1f} s", flush=True)
                baseline, steps, verdict = await run_calls(
                    topology, staff, uow, sessions.sessions, http, clip, args
                )
    report(sessions, baseline, steps, verdict)


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=1000)
    parser.add_argument("--websockets", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument(
        "--steps", type=lambda text: [int(n) for n in text.split(",")],
        default=[2, 4, 8, 12, 16, 24, 32, 48],
    )  # fmt: skip
    parser.add_argument("--hold", type=float, default=15.0, help="seconds measured per step")
    parser.add_argument(
        "--probe-limit", type=float, default=0.5, help="/healthz p95 (s) that counts as saturated"
    )
    parser.add_argument(
        "--lateness-limit", type=float, default=0.1,
        help="publishers' frame lateness p95 (s) that counts as saturated",
    )  # fmt: skip
    return parser.parse_args()


if __name__ == "__main__":
    asyncio.run(main(parse_arguments()))
