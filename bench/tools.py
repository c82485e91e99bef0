"""In-call tools benchmark: stroke latency browser → browser, and many sessions
drawing at once through one orchestrator.

Runs a real Janus node and a seeded ``fernblick serve`` (SQLite, in-process fan-out),
as ``bench/call_setup.py`` does.

``latency``: two headless Chromium pages in a real call (phone and desktop). The
employee taps the video ``--strokes`` times (one-point strokes, each sent when the
pen lifts); the phone's canvas fires ``fernblick:stroke`` for each. Latency is the
phone's receipt minus the desktop's ``pointerdown`` (one machine, one clock), and
to the next painted frame after it. Anchor: the issue's target, p95 ≤ 50 ms.

``load``: ``--sessions`` active calls (real rooms on Janus, no media), each with the
code user and the employee joined on their own WebSocket; every employee streams
stroke batches at ``--rate`` frames a second (a browser sends ≤ 30) for
``--seconds``; the code user's side measures send → receive. Reported: throughput,
latency p50/p95/p99 and the orchestrator's CPU (share of one core). No browsers.

    .venv/bin/python -m bench.tools latency [--strokes 60]
    .venv/bin/python -m bench.tools load [--sessions 100 --rate 30 --seconds 10]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import aiohttp
from playwright.sync_api import expect, sync_playwright

from bench.call_setup import EVENT_AUTH, build_web, percentile, settings_for
from janus_config.start import stop_janus
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, DESKTOP, PHONE, run_async
from tests.e2e.pages import CodeUserPage, EmployeePage, accept_incoming, wait_for_remote_frames
from tests.support.janus_server import start_test_janus
from tests.support.ports import free_tcp_ports
from tests.support.servers import fernblick_process, wait_until_healthy

ROOT = Path(__file__).parents[1]
DEMO_DEVICE = "fm200-demo"
ADMIN = "admin@demo.fernblick.test"
DEMO_PASSWORD = "fernblick-demo"

# On the receiving page: each stroke message's receipt and the next painted frame.
LISTEN = """() => {
  window.__got = [];
  document.querySelector('[data-testid="draw-layer"]').addEventListener('fernblick:stroke', (e) => {
    const received = e.detail.received;
    requestAnimationFrame(() => window.__got.push([received, Date.now()]));
  });
}"""
# On the sending page: when each pointer went down.
DOWNS = """() => {
  window.__downs = [];
  document.querySelector('[data-testid="draw-layer"]').addEventListener(
    'pointerdown', () => window.__downs.push(Date.now()), { capture: true });
}"""
FRAME_TO_CLIENT = """([fx, fy]) => {
  const video = document.querySelector('.stage-video');
  const box = video.getBoundingClientRect();
  const scale = Math.min(box.width / video.videoWidth, box.height / video.videoHeight);
  const w = video.videoWidth * scale, h = video.videoHeight * scale;
  return [box.x + (box.width - w) / 2 + fx * w, box.y + (box.height - h) / 2 + fy * h];
}"""


@contextmanager
def stack(workdir: Path, extra: dict[str, str], *, web: bool) -> Iterator[tuple[str, int]]:
    """Janus and a seeded ``fernblick serve`` (with the web app built when ``web``):
    (base URL, orchestrator pid)."""
    dist = workdir / "dist"
    if web:
        build_web(dist)
    else:
        dist.mkdir(parents=True)
    (port,) = free_tcp_ports(1)
    janus = start_test_janus(
        workdir / "janus",
        "janus-bench",
        event_url=f"http://127.0.0.1:{port}/janus/events",
        event_auth=EVENT_AUTH,
    )
    env = {**settings_for(janus, port, workdir, dist), **extra}
    for command in ("migrate", "seed-demo"):
        subprocess.run(
            [sys.executable, "-m", "orchestrator.cli", command],
            cwd=ROOT,
            env={**os.environ, **env},
            check=True,
            capture_output=True,
        )
    served = {**env, "FERNBLICK_PORT": str(port), "FERNBLICK_HOST": "127.0.0.1"}
    try:
        with fernblick_process(["serve", "--no-migrate"], served, workdir / "orch.log") as process:
            base_url = f"http://127.0.0.1:{port}"
            run_async(lambda: wait_until_healthy(base_url))
            yield base_url, process.pid
    finally:
        stop_janus(janus.process)


def summary(name: str, values: list[float]) -> str:
    return (
        f"{name}: p50 {statistics.median(values):.1f} ms, p95 {percentile(values, 0.95):.1f} ms,"
        f" p99 {percentile(values, 0.99):.1f} ms, max {max(values):.1f} ms (n={len(values)})"
    )


def latency(strokes: int) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="fernblick-tools-bench-"))
    with stack(workdir, {}, web=True) as (base_url, _pid), sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        phone_context = browser.new_context(base_url=base_url, **PHONE)
        desk_context = browser.new_context(base_url=base_url, **DESKTOP)
        code_user = CodeUserPage(phone_context.new_page()).open(DEMO_DEVICE)
        employee = EmployeePage(desk_context.new_page()).login()
        session_id = code_user.request(f"tools benchmark {time.time_ns()}")
        employee.confirm(session_id)
        employee.start_call(session_id)
        accept_incoming(code_user.page)
        wait_for_remote_frames(employee.page)
        for page in (code_user.page, employee.page):
            expect(page.get_by_test_id("call-screen")).to_have_attribute("data-tools", "joined")
        code_user.page.evaluate(LISTEN)
        employee.page.evaluate(DOWNS)
        for n in range(strokes):
            x, y = employee.page.evaluate(FRAME_TO_CLIENT, [0.2 + 0.6 * (n % 10) / 10, 0.5])
            employee.page.mouse.click(x, y)
            time.sleep(0.1)  # one stroke at a time, as a person taps
        code_user.page.wait_for_function(f"window.__got.length >= {strokes}", timeout=30_000)
        downs = employee.page.evaluate("window.__downs")
        got = code_user.page.evaluate("window.__got")
        browser.close()
    received = [r - d for d, (r, _) in zip(downs, got, strict=True)]
    painted = [p - d for d, (_, p) in zip(downs, got, strict=True)]
    print(f"\n{strokes} strokes, desktop → phone, through fernblick serve on loopback")
    print(summary("pointerdown → received", received))
    print(summary("pointerdown → next frame painted", painted))
    p95 = percentile(received, 0.95)
    print(f"p95 received / target 50 ms: {p95 / 50:.2f}")


async def open_calls(base_url: str, sessions: int) -> list[tuple[int, str]]:
    """``sessions`` active calls; (session id, code user token) each, the employee logged in."""
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        opened = await (
            await http.post(f"{base_url}/api/code-user/open", json={"code": DEMO_DEVICE})
        ).json()
        token = opened["token"]
        bearer = {"Authorization": f"Bearer {token}"}
        login = await http.post(
            f"{base_url}/api/auth/login", json={"email": ADMIN, "password": DEMO_PASSWORD}
        )
        csrf = {"X-CSRF-Token": (await login.json())["csrf_token"]}
        calls = []
        for n in range(sessions):
            made = await http.post(
                f"{base_url}/api/code-user/sessions",
                json={
                    "device_id": opened["device"]["id"],
                    "reason": f"load {n}",
                    "contact": "c",
                },
                headers=bearer,
            )
            assert made.status == 201, await made.text()
            session_id = (await made.json())["id"]
            for url, headers in (
                (f"{base_url}/api/sessions/{session_id}/confirm", csrf),
                (f"{base_url}/api/sessions/{session_id}/call", csrf),
                (f"{base_url}/api/code-user/sessions/{session_id}/call/accept", bearer),
            ):
                answer = await http.post(url, headers=headers)
                assert answer.status < 300, (url, answer.status, await answer.text())
            calls.append((session_id, token))
        return calls


async def drive(
    base_url: str, calls: list[tuple[int, str]], cookie: str, rate: float, seconds: float
) -> tuple[int, list[float]]:
    """Every employee streams strokes to its code user; (frames sent, latencies ms)."""
    ws_url = base_url.replace("http", "ws") + "/api/ws"
    latencies: list[float] = []
    sent = 0
    # no cap on connections (aiohttp's default of 100 would hold back the 101st socket)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:

        async def joined(
            url: str, session_id: int, headers: dict[str, str]
        ) -> aiohttp.ClientWebSocketResponse:
            socket = await http.ws_connect(url, headers=headers, max_msg_size=0)
            await socket.send_json({"type": "call.join", "session_id": session_id})
            while (await socket.receive_json())["type"] != "call.joined":
                pass
            return socket

        async def listen(socket: aiohttp.ClientWebSocketResponse, measure: bool) -> None:
            """Read everything (so pings are answered); the code user's side measures."""
            async for message in socket:
                if message.type is not aiohttp.WSMsgType.TEXT:
                    continue
                frame = json.loads(message.data)
                if measure and frame["type"] == "call.tool":
                    latencies.append(time.time() * 1000 - frame["tool"]["at"])

        async def draw(
            socket: aiohttp.ClientWebSocketResponse, session_id: int, offset: float
        ) -> None:
            nonlocal sent
            await asyncio.sleep(offset)
            end = time.monotonic() + seconds
            n = 0
            while time.monotonic() < end:
                points = [[0.1 + (n % 80) / 100, 0.5 + k / 100] for k in range(4)]
                tool = {
                    "kind": "stroke",
                    "stroke_id": f"s{n // 30}",
                    "points": points,
                    "done": n % 30 == 29,
                    "at": time.time() * 1000,
                }
                await socket.send_json(
                    {"type": "call.tool", "session_id": session_id, "tool": tool}
                )
                sent += 1
                n += 1
                await asyncio.sleep(1 / rate)

        readers = []
        employees, code_users = [], []
        for session_id, token in calls:
            employee = await joined(ws_url, session_id, {"Cookie": f"fernblick_session={cookie}"})
            code_user = await joined(f"{ws_url}?token={token}", session_id, {})
            readers += [
                asyncio.create_task(listen(employee, False)),
                asyncio.create_task(listen(code_user, True)),
            ]
            employees.append(employee)
            code_users.append(code_user)
        await asyncio.gather(
            *(
                draw(socket, session_id, i / len(calls) / rate)
                for i, (socket, (session_id, _)) in enumerate(zip(employees, calls, strict=True))
            )
        )
        await asyncio.sleep(1.0)  # the last frames arrive
        for task in readers:
            task.cancel()
        await asyncio.gather(*(s.close() for s in [*employees, *code_users]))
    return sent, latencies


def cpu_ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def drive_in_process(
    job: tuple[str, list[tuple[int, str]], str, float, float],
) -> tuple[int, list[float]]:
    """``drive`` in a worker process: the clients' own CPU is spread over processes."""
    return asyncio.run(drive(*job))


def load(sessions: int, rate: float, seconds: float, workers: int) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="fernblick-tools-load-"))
    extra = {"FERNBLICK_CODE_USER_REQUESTS_PER_MINUTE": "0", "FERNBLICK_CALL_RING_SECONDS": "600"}
    with stack(workdir, extra, web=False) as (base_url, pid):
        calls = run_async(lambda: open_calls(base_url, sessions))

        async def cookie() -> str:
            async with aiohttp.ClientSession() as http:
                login = await http.post(
                    f"{base_url}/api/auth/login", json={"email": ADMIN, "password": DEMO_PASSWORD}
                )
                return str(login.cookies["fernblick_session"].value)

        session_cookie = run_async(cookie)
        shares = [calls[n::workers] for n in range(workers)]
        before, began = cpu_ticks(pid), time.monotonic()
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
            results = list(
                pool.map(
                    drive_in_process,
                    [(base_url, share, session_cookie, rate, seconds) for share in shares],
                )
            )
        cpu = (cpu_ticks(pid) - before) / os.sysconf("SC_CLK_TCK") / (time.monotonic() - began)
        sent = sum(n for n, _ in results)
        latencies = [ms for _, values in results for ms in values]
    print(
        f"\n{sessions} sessions drawing at {rate:g} frames/s each for {seconds:g} s,"
        f" one orchestrator, clients in {workers} processes"
    )
    print(f"sent {sent} frames ({sent / seconds:.0f}/s), received {len(latencies)}")
    print(summary("send → receive (bench client included)", latencies))
    print(f"orchestrator CPU: {cpu:.0%} of one core while drawing (call set-up excluded)")
    print(f"p95 / target 50 ms: {percentile(latencies, 0.95) / 50:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="what", required=True)
    one = sub.add_parser("latency")
    one.add_argument("--strokes", type=int, default=60)
    many = sub.add_parser("load")
    many.add_argument("--sessions", type=int, default=100)
    many.add_argument("--rate", type=float, default=30.0)
    many.add_argument("--seconds", type=float, default=10.0)
    many.add_argument("--workers", type=int, default=4, help="client processes")
    args = parser.parse_args()
    if args.what == "latency":
        latency(args.strokes)
    else:
        load(args.sessions, args.rate, args.seconds, args.workers)


if __name__ == "__main__":
    main()
