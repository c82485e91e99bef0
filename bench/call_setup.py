"""Call set-up benchmark: accept → first remote frame decoded on both sides.

Runs a real Janus node, a seeded ``fernblick serve`` with the built web app and
headless Chromium (fake camera and microphone). For each of N calls: the phone
requests, the employee confirms and presses START and switches the camera on, the
phone accepts (t0); each side's time to its first decoded remote frame
(``requestVideoFrameCallback`` with ``videoWidth > 0``) is measured from t0. The
anchor, in the same run on the same Janus node: a bare janus.js VideoRoom page
(``bench/bare_videoroom/index.html``): one page joins and publishes (as the caller
has at START), then t0 and the second page joins; the same two measurements. The bare
page runs twice per call: with the browser's default camera (640x480 on both sides)
and with the camera sizes the product asks for (the employee 640x480, the code user
1280x720), so the ratio can be read without the cost of the sharper picture.
Also Janus's CPU and memory during one two-party call.
Targets: p50 ≤ 600 ms and ≤ 1.3 times the bare page.

    .venv/bin/python -m bench.call_setup [--calls 20]

With ``BENCH_TIMELINE=1`` it also prints, for every product call, each side's
timeline from t0 (getUserMedia, fetches, Janus WebSocket requests and answers):
where the time between accept and the first frame goes.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Browser, Page, expect, sync_playwright

from janus_config.start import stop_janus
from orchestrator.janus.pool import JanusPool
from orchestrator.janus.rooms import RoomService
from orchestrator.settings import Settings
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, DESKTOP, PHONE, run_async
from tests.e2e.pages import CodeUserPage, EmployeePage
from tests.support.janus_server import TEST_SECRETS, RunningJanus, start_test_janus
from tests.support.ports import free_tcp_ports
from tests.support.servers import orchestrator_process, wait_until_healthy

ROOT = Path(__file__).parents[1]
WEB = ROOT / "web"
EVENT_AUTH = ("janus-events", "bench-event-password")

FIRST_REMOTE_FRAME = """() => new Promise((resolve) => {
  const poll = () => {
    const video = document.querySelector('[data-testid="remote-video"]');
    const track = video && video.srcObject && video.srcObject.getVideoTracks()[0];
    if (!track) { setTimeout(poll, 5); return; }
    const tick = () => video.requestVideoFrameCallback(() => {
      if (video.videoWidth > 0) resolve(Date.now()); else tick();
    });
    tick();
  };
  poll();
})"""

TRACE = """(() => {
  window.__tl = [];
  const log = (what) => window.__tl.push([Date.now(), what]);
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (data) {
    try { const m = JSON.parse(data); log('ws> ' + m.janus + ' ' + ((m.body && m.body.request) || '')); } catch (e) {}
    return send.call(this, data);
  };
  const OrigWS = window.WebSocket;
  window.WebSocket = function (...args) { log('ws open ' + args[0]); const ws = new OrigWS(...args);
    ws.addEventListener('message', (ev) => { try { const m = JSON.parse(ev.data);
      log('ws< ' + m.janus + ' ' + ((m.plugindata && m.plugindata.data && m.plugindata.data.videoroom) || '')); } catch (e) {} });
    return ws; };
  window.WebSocket.prototype = OrigWS.prototype;
  const gum = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
  navigator.mediaDevices.getUserMedia = async (c) => { log('gum start'); const s = await gum(c); log('gum end'); return s; };
  const f = window.fetch;
  window.fetch = async (...a) => { log('fetch ' + String(a[0]).slice(-30)); const r = await f(...a); log('fetch done'); return r; };
})()"""

TIMELINE = """(t0) => performance.getEntriesByType('resource')
  .map((e) => [e.name.replace(/^https?:\\/\\/[^/]+/, '').slice(0, 40),
               Math.round(performance.timeOrigin + e.startTime - t0),
               Math.round(performance.timeOrigin + e.responseEnd - t0)])
  .filter((e) => e[2] > 0)"""

ACCEPT_NOW = """() => { document.querySelector('[data-testid="accept-call"]').click(); return Date.now(); }"""


def build_web(out: Path) -> None:
    subprocess.run(
        ["npm", "run", "build", "--", "--outDir", str(out), "--emptyOutDir"],
        cwd=WEB,
        check=True,
        capture_output=True,
        timeout=300,
    )


def settings_for(janus: RunningJanus, port: int, workdir: Path, dist: Path) -> dict[str, str]:
    return {
        "FERNBLICK_ENV": "test",
        "FERNBLICK_DATABASE_URL": f"sqlite+aiosqlite:///{workdir / 'bench.sqlite3'}",
        "FERNBLICK_WEB_DIST_DIR": str(dist),
        "FERNBLICK_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "FERNBLICK_OUTBOX_POLL_SECONDS": "0.05",
        "FERNBLICK_JANUS_NODES": json.dumps([janus.node.model_dump()]),
        "FERNBLICK_JANUS_API_SECRET": TEST_SECRETS.api_secret,
        "FERNBLICK_JANUS_ADMIN_SECRET": TEST_SECRETS.admin_secret,
        "FERNBLICK_JANUS_VIDEOROOM_ADMIN_KEY": TEST_SECRETS.videoroom_admin_key,
        "FERNBLICK_JANUS_EVENT_USER": EVENT_AUTH[0],
        "FERNBLICK_JANUS_EVENT_PASSWORD": EVENT_AUTH[1],
    }


def product_call(browser: Browser, base_url: str, n: int) -> tuple[float, float]:
    phone = browser.new_context(base_url=base_url, **PHONE)  # type: ignore[arg-type]
    desk = browser.new_context(base_url=base_url, **DESKTOP)  # type: ignore[arg-type]
    try:
        if os.environ.get("BENCH_TIMELINE"):
            phone.add_init_script(TRACE)
            desk.add_init_script(TRACE)
        code_user = CodeUserPage(phone.new_page()).open("fm200-demo")
        employee = EmployeePage(desk.new_page()).login()
        session_id = code_user.request(f"benchmark call {n} {time.time_ns()}")
        expect(employee.session(session_id)).to_have_attribute("data-status", "REQUESTED")
        employee.confirm(session_id)
        employee.start_call(session_id)
        employee.page.get_by_test_id("toggle-camera").click()
        expect(employee.page.get_by_test_id("toggle-camera")).to_have_attribute(
            "aria-pressed", "true"
        )
        expect(code_user.page.get_by_test_id("incoming-call")).to_be_visible()
        t0 = float(code_user.page.evaluate(ACCEPT_NOW))
        employee_frame = employee.page.evaluate_handle(FIRST_REMOTE_FRAME)
        code_user_frame = code_user.page.evaluate_handle(FIRST_REMOTE_FRAME)
        result = (float(employee_frame.json_value()) - t0, float(code_user_frame.json_value()) - t0)
        if os.environ.get("BENCH_TIMELINE"):
            for side, page in (("callee", code_user.page), ("caller", employee.page)):
                print(side, round(result[1 if side == "callee" else 0]))
                for at, what in page.evaluate("window.__tl"):
                    if at >= t0 - 5:
                        print("   ", round(at - t0), what)
        employee.page.get_by_test_id("hangup").click()
        employee.wait_for_status(session_id, "DONE")
        return result
    finally:
        phone.close()
        desk.close()


@contextmanager
def bare_page_server(port: int, workdir: Path) -> Iterator[str]:
    """Serves the bare page with janus.js and adapter.js from web/node_modules."""
    site = workdir / "bare"
    site.mkdir()
    shutil.copy(ROOT / "bench/bare_videoroom/index.html", site / "index.html")
    shutil.copy(WEB / "node_modules/janus-gateway/npm/dist/janus.es.js", site / "janus.es.js")
    shutil.copy(WEB / "node_modules/webrtc-adapter/out/adapter.js", site / "adapter.js")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "http.server",
            str(port),
            "--bind",
            "127.0.0.1",
            "--directory",
            str(site),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for(f"http://127.0.0.1:{port}/index.html")
        yield f"http://127.0.0.1:{port}/index.html"
    finally:
        server.terminate()
        server.wait(10)


def _wait_for(url: str, within_seconds: float = 15.0) -> None:
    deadline = time.monotonic() + within_seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


# The camera sizes the product's call screen asks for (web/src/lib/local-media.ts): the
# employee (caller) FACE_VIDEO, the code user (callee) DETAIL_VIDEO.
PRODUCT_SIZES = ({"width": 640, "height": 480}, {"width": 1280, "height": 720})
DEFAULT_SIZES = (None, None)
BareSizes = tuple[dict[str, int] | None, dict[str, int] | None]


def bare_call(
    browser: Browser, url: str, settings: Settings, n: int, sizes: BareSizes
) -> tuple[float, float]:
    async def tickets() -> tuple[dict, dict, object]:
        async with JanusPool.running(settings) as pool:
            rooms = RoomService(pool, settings)
            room = await rooms.open_room(f"bench{n}")
            a = await rooms.admit(room, "employee_1")
            b = await rooms.admit(room, "code_user_1")
            return a.model_dump(mode="json"), b.model_dump(mode="json"), room

    ticket_a, ticket_b, room = run_async(tickets)
    context = browser.new_context(**DESKTOP)  # type: ignore[arg-type]
    try:
        caller, callee = context.new_page(), context.new_page()
        for page in (caller, callee):
            page.on(
                "console",
                lambda m: print("console:", m.text) if os.environ.get("BENCH_DEBUG") else None,
            )
            page.on("pageerror", lambda e: print("pageerror:", e))
            page.goto(url + ("#debug" if os.environ.get("BENCH_DEBUG") else ""))
        caller.evaluate("([t, size]) => window.joinRoom(t, size)", [ticket_a, sizes[0]])
        caller.wait_for_function(
            "() => window.__publisher && window.__publisher.webrtcStuff.pc && "
            "['connected', 'completed'].includes(window.__publisher.webrtcStuff.pc.iceConnectionState)",
            timeout=30_000,
        )
        t0 = float(
            callee.evaluate(
                "([t, size]) => { const t0 = Date.now(); window.joinRoom(t, size); return t0; }",
                [ticket_b, sizes[1]],
            )
        )
        caller.wait_for_function("() => window.firstFrameAt", timeout=30_000)
        callee.wait_for_function("() => window.firstFrameAt", timeout=30_000)
        return float(caller.evaluate("window.firstFrameAt")) - t0, float(
            callee.evaluate("window.firstFrameAt")
        ) - t0
    finally:
        context.close()

        async def close() -> None:
            async with JanusPool.running(settings) as pool:
                await RoomService(pool, settings).close_room(room)  # type: ignore[arg-type]

        run_async(close)


def janus_usage(pid: int, seconds: float) -> tuple[float, int]:
    """CPU share of one core over ``seconds`` and resident memory (bytes) of ``pid``."""

    def ticks() -> int:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])

    start, began = ticks(), time.monotonic()
    time.sleep(seconds)
    used = (ticks() - start) / os.sysconf("SC_CLK_TCK")
    rss = (
        int(
            next(
                line.split()[1]
                for line in Path(f"/proc/{pid}/status").read_text().splitlines()
                if line.startswith("VmRSS")
            )
        )
        * 1024
    )
    return used / (time.monotonic() - began), rss


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def report(name: str, samples: list[tuple[float, float]]) -> float:
    both = [max(a, b) for a, b in samples]
    first = [a for a, _ in samples]
    second = [b for _, b in samples]
    print(
        f"{name}\n    p50 {statistics.median(both):6.0f} ms  p95 {percentile(both, 0.95):6.0f} ms"
        f"   (caller side p50 {statistics.median(first):.0f}, callee side p50 {statistics.median(second):.0f})"
    )
    return statistics.median(both)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--calls", type=int, default=20)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="fernblick-call-bench-"))
    dist = workdir / "dist"
    build_web(dist)
    port, bare_port = free_tcp_ports(2)
    janus = start_test_janus(
        workdir / "janus",
        "janus-bench",
        event_url=f"http://127.0.0.1:{port}/janus/events",
        event_auth=EVENT_AUTH,
    )
    env = settings_for(janus, port, workdir, dist)
    full_env = {**os.environ, **env}
    for command in ("migrate", "seed-demo"):
        subprocess.run(
            [sys.executable, "-m", "orchestrator.cli", command],
            cwd=ROOT,
            env=full_env,
            check=True,
            capture_output=True,
        )
    settings = Settings(
        env="test",
        janus_nodes=[janus.node],
        janus_api_secret=TEST_SECRETS.api_secret,
        janus_admin_secret=TEST_SECRETS.admin_secret,
        janus_videoroom_admin_key=TEST_SECRETS.videoroom_admin_key,
    )
    try:
        with (
            orchestrator_process(port, env, workdir / "orchestrator.log") as base_url,
            bare_page_server(bare_port, workdir) as bare_url,
            sync_playwright() as playwright,
        ):
            run_async(lambda: wait_until_healthy(base_url))
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            idle_cpu, idle_rss = janus_usage(janus.process.pid, 3)
            product, bare, bare_same_sizes = [], [], []
            for n in range(args.calls):  # interleaved, so load changes hit all alike
                product.append(product_call(browser, base_url, n))
                bare.append(bare_call(browser, bare_url, settings, n, DEFAULT_SIZES))
                bare_same_sizes.append(bare_call(browser, bare_url, settings, n, PRODUCT_SIZES))
            # Janus during one call: the bare pages keep a call up while we sample.
            ticket_call = _steady_call(browser, bare_url, settings)
            call_cpu, call_rss = janus_usage(janus.process.pid, 5)
            ticket_call()
            browser.close()
    finally:
        stop_janus(janus.process)
    print(f"\n{args.calls} calls each, interleaved; t0 = accept (product) / second join (bare)")
    ours = report("Fernblick call screen", product)
    anchor = report("bare janus.js VideoRoom page, default camera (640x480)", bare)
    same_sizes = report(
        "bare page, the product's camera sizes (640x480, 1280x720)", bare_same_sizes
    )
    print(f"\np50 {ours:.0f} ms (target ≤ 600); ratio (target ≤ 1.3):")
    print(f"  {ours / anchor:.2f} x the bare page with the default camera")
    print(f"  {ours / same_sizes:.2f} x the bare page with the product's camera sizes")
    print(f"Janus idle: {idle_cpu:.1%} of a core, RSS {idle_rss / 2**20:.0f} MiB")
    print(
        f"Janus with one two-party call: {call_cpu:.1%} of a core, RSS {call_rss / 2**20:.0f} MiB"
    )


def _steady_call(browser: Browser, url: str, settings: Settings) -> object:
    """Start a bare two-party call and return a function that ends it."""
    context = browser.new_context(**DESKTOP)  # type: ignore[arg-type]

    async def tickets() -> tuple[dict, dict]:
        async with JanusPool.running(settings) as pool:
            rooms = RoomService(pool, settings)
            room = await rooms.open_room("benchsteady")
            return (await rooms.admit(room, "employee_1")).model_dump(mode="json"), (
                await rooms.admit(room, "code_user_1")
            ).model_dump(mode="json")

    a, b = run_async(tickets)
    pages: list[Page] = [context.new_page(), context.new_page()]
    for page, ticket in zip(pages, (a, b), strict=True):
        page.goto(url)
        page.evaluate("(t) => window.joinRoom(t)", ticket)
    for page in pages:
        page.wait_for_function("() => window.firstFrameAt", timeout=30_000)
    return context.close


if __name__ == "__main__":
    main()
