"""Browser end-to-end harness: a real Janus, coturn and ``fernblick serve`` with the demo
data, the web app built from the working tree, and headless Chromium with a fake camera
and microphone (Playwright).

One stack serves the whole session (tests make their own sessions, so they do not
collide); each test gets fresh browser contexts. Everything listens on loopback.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Coroutine, Generator, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import aiohttp
import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
    Playwright,
    sync_playwright,
)
from playwright.sync_api import Error as PlaywrightError

from janus_config.start import stop_janus
from orchestrator.janus.admin import VIDEOROOM_PLUGIN
from orchestrator.janus.client import JanusClient
from orchestrator.janus.videoroom import VideoRoom
from tests.support.coturn_server import (
    TURNSERVER_BINARY,
    CoturnServer,
    render_turnserver_conf,
    stop_coturn,
)
from tests.support.janus_server import TEST_SECRETS, RunningJanus, start_test_janus
from tests.support.ports import forward_port_range, free_tcp_ports, free_udp_and_tcp_port
from tests.support.servers import orchestrator_process, wait_until_healthy

T = TypeVar("T")
ROOT = Path(__file__).parents[2]
WEB = ROOT / "web"
EVENT_AUTH = ("janus-events", "e2e-event-password")
DEMO_DEVICE = "fm200-demo"
DEMO_PASSWORD = "fernblick-demo"
ADMIN_EMAIL = "admin@demo.fernblick.test"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost , EXCLUDE 127.0.0.1",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-pings",
    "--disable-domain-reliability",
    "--disable-sync",
]
PHONE: dict[str, Any] = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 3,
    "is_mobile": True,
    "has_touch": True,
    "locale": "de-DE",
}
#: The narrowest phone the web app is made for (360 px wide).
SMALL_PHONE: dict[str, Any] = {**PHONE, "viewport": {"width": 360, "height": 740}}
DESKTOP: dict[str, Any] = {"viewport": {"width": 1280, "height": 800}, "locale": "en-US"}


@dataclass(frozen=True)
class Stack:
    """The running servers: the orchestrator's URL, the Janus nodes and coturn."""

    base_url: str
    nodes: list[RunningJanus]
    coturn: CoturnServer
    log_path: Path

    def room_displays(self, room_id: str) -> list[str]:
        """The displays of a room's participants, asked of Janus as the orchestrator would."""
        janus = self.nodes[0]

        async def ask() -> list[str]:
            async with aiohttp.ClientSession() as http:
                client = JanusClient(janus.url, http=http, api_secret=janus.secrets.api_secret)
                session = await client.create_session()
                try:
                    room = VideoRoom(await session.attach(VIDEOROOM_PLUGIN))
                    return [p.display or "" for p in await room.list_participants(room_id)]
                finally:
                    await session.destroy()

        return run_async(ask)


def run_async(work: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a coroutine to completion in its own thread: Playwright's sync API keeps an
    event loop running in the test's thread, where ``asyncio.run`` is not allowed."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(work())).result()


def _run(args: list[str], *, cwd: Path, env: dict[str, str] | None = None) -> None:
    result = subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")


@pytest.fixture(scope="session")
def web_dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The web app built from the working tree (``npm ci`` first on a fresh clone)."""
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm is needed for the browser tests (scripts/install.sh installs it)")
    if not (WEB / "node_modules").is_dir():
        _run([npm, "ci", "--no-audit", "--no-fund"], cwd=WEB)
    out = tmp_path_factory.mktemp("web-dist")
    _run([npm, "run", "build", "--", "--outDir", str(out), "--emptyOutDir"], cwd=WEB)
    return out


def host_ipv4() -> str:
    """This machine's first non-loopback IPv4 address (the one Janus gathers ICE on)."""
    output = subprocess.run(
        ["ip", "-4", "-o", "addr", "show", "scope", "global"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for line in output.splitlines():
        fields = line.split()
        if "inet" in fields:
            return fields[fields.index("inet") + 1].split("/")[0]
    raise RuntimeError("no non-loopback IPv4 address: Janus could not gather ICE candidates")


def start_host_coturn(workdir: Path, port: int | None = None) -> CoturnServer:
    """coturn on this machine's own address (traffic stays on the host); ``port`` lets a
    test bring a killed coturn back where the browsers' TURN URLs point.

    Not on 127.0.0.1: Janus refuses loopback remote candidates ("Failed to add some
    remote candidates"), so a relay address on loopback can never pair with it.
    """
    address = host_ipv4()
    port = port or free_udp_and_tcp_port()
    relay_base = 20000 + (port % 20000)
    conf = render_turnserver_conf(
        workdir / "turnserver.conf",
        secret="e2e-turn-secret",
        port=port,
        listening_ip=address,
        min_port=relay_base,
        max_port=relay_base + 99,
    )
    with (workdir / "turnserver.log").open("ab") as log:
        process = subprocess.Popen(
            [TURNSERVER_BINARY, "-c", str(conf)],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    server = CoturnServer(address, port, "e2e-turn-secret", "fernblick.test", process)
    try:
        _wait_for_tcp(address, port, process)
    except BaseException:
        stop_coturn(server)
        raise
    return server


@pytest.fixture(scope="session")
def coturn(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CoturnServer]:
    """The coturn most tests share."""
    server = start_host_coturn(tmp_path_factory.mktemp("coturn"))
    try:
        yield server
    finally:
        stop_coturn(server)


def _wait_for_tcp(host: str, port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"turnserver exited with status {process.returncode}")
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"turnserver did not listen on {host}:{port}")


@contextmanager
def running_stack(
    workdir: Path,
    web_dist: Path,
    coturn: CoturnServer,
    *,
    nodes: int = 1,
    extra_env: dict[str, str] | None = None,
) -> Iterator[Stack]:
    """``nodes`` Janus servers (events to the orchestrator), then a seeded ``fernblick serve``."""
    (port,) = free_tcp_ports(1)
    janus_nodes: list[RunningJanus] = []
    try:
        for n in range(nodes):
            (workdir / f"janus-{n + 1}").mkdir(parents=True, exist_ok=True)
            janus_nodes.append(
                start_test_janus(
                    workdir / f"janus-{n + 1}",
                    f"janus-e2e-{n + 1}",
                    session_timeout=30,
                    event_url=f"http://127.0.0.1:{port}/janus/events",
                    event_auth=EVENT_AUTH,
                )
            )
        env = {
            "FERNBLICK_ENV": "test",
            "FERNBLICK_DATABASE_URL": f"sqlite+aiosqlite:///{workdir / 'fernblick.sqlite3'}",
            "FERNBLICK_STORAGE_DIR": str(workdir / "storage"),
            "FERNBLICK_WEB_DIST_DIR": str(web_dist),
            "FERNBLICK_PUBLIC_URL": f"http://127.0.0.1:{port}",
            "FERNBLICK_OUTBOX_POLL_SECONDS": "0.05",
            "FERNBLICK_JANUS_NODES": json.dumps([node.node.model_dump() for node in janus_nodes]),
            "FERNBLICK_JANUS_API_SECRET": TEST_SECRETS.api_secret,
            "FERNBLICK_JANUS_ADMIN_SECRET": TEST_SECRETS.admin_secret,
            "FERNBLICK_JANUS_VIDEOROOM_ADMIN_KEY": TEST_SECRETS.videoroom_admin_key,
            "FERNBLICK_JANUS_EVENT_USER": EVENT_AUTH[0],
            "FERNBLICK_JANUS_EVENT_PASSWORD": EVENT_AUTH[1],
            "FERNBLICK_TURN_URLS": json.dumps([coturn.turn_url]),
            "FERNBLICK_TURN_SECRET": coturn.secret,
            "FERNBLICK_RECORDER_PORT_MIN": str(forward_port_range()[0]),
            "FERNBLICK_RECORDER_PORT_MAX": str(forward_port_range()[1]),
            **(extra_env or {}),
        }
        full_env = {**os.environ, **env}
        for command in ("migrate", "seed-demo"):
            _run([sys.executable, "-m", "orchestrator.cli", command], cwd=ROOT, env=full_env)
        log_path = workdir / "orchestrator.log"
        with orchestrator_process(port, env, log_path) as base_url:
            run_async(lambda: wait_until_healthy(base_url))
            yield Stack(base_url, janus_nodes, coturn, log_path)
    finally:
        for node in janus_nodes:
            stop_janus(node.process)


@pytest.fixture(scope="session")
def stack(
    tmp_path_factory: pytest.TempPathFactory, web_dist: Path, coturn: CoturnServer
) -> Iterator[Stack]:
    """The stack most tests share: one Janus node."""
    with running_stack(tmp_path_factory.mktemp("e2e"), web_dist, coturn) as running:
        yield running


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as running:
        yield running


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    """One headless Chromium (Debian's); each test opens its own contexts in it."""
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    try:
        yield browser
    finally:
        browser.close()


#: What each page's call screen shows, for the diagnostics of a failed test.
PAGE_STATE = """() => {
  const screen = document.querySelector('[data-testid="call-screen"]');
  const video = document.querySelector('[data-testid="remote-video"]');
  const stream = video && video.srcObject;
  return {
    url: location.pathname + location.search,
    phase: screen ? screen.getAttribute("data-phase") : null,
    remoteVideo: video && {
      paused: video.paused, muted: video.muted, readyState: video.readyState,
      width: video.videoWidth,
      tracks: stream ? stream.getTracks().map((t) => `${t.kind}:${t.readyState}:muted=${t.muted}`) : [],
    },
  };
}"""

#: Lines of the shared stack's orchestrator log (with its workers) a failed test reports.
SERVER_LOG_LINES = 60

#: Console lines kept per browser context (the last ones tell what went wrong).
CONSOLE_LINES = 80

CONTEXTS_KEY = pytest.StashKey["Contexts"]()


class Contexts:
    """Browser contexts for one test: a phone (code user) or a desktop (employee).

    Every context logs its call steps (``fernblick.debug``); a failed test prints the
    last console lines and each page's call state (``pytest_runtest_makereport``).
    """

    def __init__(self, browser: Browser, base_url: str, test: pytest.Item) -> None:
        self.browser = browser
        self.base_url = base_url
        self.opened: list[BrowserContext] = []
        self.console: list[list[str]] = []
        self.started = time.monotonic()
        test.stash[CONTEXTS_KEY] = self

    def _new(self, options: dict[str, Any]) -> BrowserContext:
        context = self.browser.new_context(base_url=self.base_url, **options)
        context.set_default_timeout(30_000)
        # about:blank has no localStorage: only the app's pages turn the logging on.
        context.add_init_script("try { localStorage.setItem('fernblick.debug', '1') } catch {}")
        lines: list[str] = []
        context.on("console", lambda message: self._log(lines, f"{message.type}: {message.text}"))
        context.on("weberror", lambda error: self._log(lines, f"page error: {error.error}"))
        self.opened.append(context)
        self.console.append(lines)
        return context

    def _log(self, lines: list[str], text: str) -> None:
        lines.append(f"{time.monotonic() - self.started:7.2f}s {text[:300]}")
        del lines[:-CONSOLE_LINES]

    def diagnostics(self) -> str:
        """Each context's pages' call state and last console lines."""
        parts: list[str] = []
        for number, (context, lines) in enumerate(zip(self.opened, self.console, strict=True)):
            for page in context.pages:
                try:
                    state = page.evaluate(PAGE_STATE)
                except PlaywrightError as error:  # a closed or crashed page
                    state = f"not readable: {error}"
                parts.append(f"context {number}: {state}")
            parts.append(f"context {number} console (last {CONSOLE_LINES} lines):")
            parts.extend(lines)
        return "\n".join(parts)

    def phone(self) -> Page:
        return self._new(PHONE).new_page()

    def small_phone(self) -> Page:
        return self._new(SMALL_PHONE).new_page()

    def desktop(self) -> Page:
        return self._new(DESKTOP).new_page()

    def close_all(self) -> None:
        for context in self.opened:
            context.close()


@pytest.fixture
def contexts(request: pytest.FixtureRequest, stack: Stack, browser: Browser) -> Iterator[Contexts]:
    """Browser contexts on the shared stack, closed when the test ends."""
    opened = Contexts(browser, stack.base_url, request.node)
    try:
        yield opened
    finally:
        opened.close_all()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """A failed browser test reports what its pages showed and logged (CI's only view)."""
    report = yield
    opened = item.stash.get(CONTEXTS_KEY, None)
    if report.when == "call" and report.failed and opened is not None:
        report.sections.append(("browser diagnostics", opened.diagnostics()))
    stack = getattr(item, "funcargs", {}).get("stack")
    if report.when == "call" and report.failed and isinstance(stack, Stack):
        log = stack.log_path.read_text(errors="replace").splitlines()
        report.sections.append(
            (
                f"orchestrator log (last {SERVER_LOG_LINES} lines)",
                "\n".join(log[-SERVER_LOG_LINES:]),
            )
        )
        # the tracker worker's own lines: drowned in request lines in the tail above
        tracker = [line for line in log if " tracker." in line][-SERVER_LOG_LINES:]
        report.sections.append(("tracker worker log", "\n".join(tracker)))
    return report
