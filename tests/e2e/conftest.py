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
import subprocess
import sys
from collections.abc import Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import aiohttp
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

from orchestrator.janus.admin import VIDEOROOM_PLUGIN
from orchestrator.janus.client import JanusClient
from orchestrator.janus.videoroom import VideoRoom
from tests.support.coturn_server import CoturnServer
from tests.support.coturn_server import coturn_server_fixture as coturn_server_fixture
from tests.support.janus_server import TEST_SECRETS, RunningJanus, start_test_janus
from tests.support.ports import free_tcp_ports
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
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 3,
    "is_mobile": True,
    "has_touch": True,
    "locale": "de-DE",
}
DESKTOP = {"viewport": {"width": 1280, "height": 800}, "locale": "en-US"}


@dataclass(frozen=True)
class Stack:
    """The running servers: the orchestrator's URL, Janus and coturn."""

    base_url: str
    janus: RunningJanus
    coturn: CoturnServer
    log_path: Path

    def room_displays(self, room_id: str) -> list[str]:
        """The displays of a room's participants, asked of Janus as the orchestrator would."""

        async def ask() -> list[str]:
            async with aiohttp.ClientSession() as http:
                client = JanusClient(
                    self.janus.url, http=http, api_secret=self.janus.secrets.api_secret
                )
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


@pytest.fixture(scope="session")
def stack(
    tmp_path_factory: pytest.TempPathFactory, web_dist: Path, coturn_server: CoturnServer
) -> Iterator[Stack]:
    """Janus (events to the orchestrator), then a seeded ``fernblick serve``."""
    workdir = tmp_path_factory.mktemp("e2e")
    (port,) = free_tcp_ports(1)
    janus = start_test_janus(
        workdir / "janus",
        "janus-e2e",
        session_timeout=30,
        event_url=f"http://127.0.0.1:{port}/janus/events",
        event_auth=EVENT_AUTH,
    )
    env = {
        "FERNBLICK_ENV": "test",
        "FERNBLICK_DATABASE_URL": f"sqlite+aiosqlite:///{workdir / 'fernblick.sqlite3'}",
        "FERNBLICK_STORAGE_DIR": str(workdir / "storage"),
        "FERNBLICK_WEB_DIST_DIR": str(web_dist),
        "FERNBLICK_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "FERNBLICK_OUTBOX_POLL_SECONDS": "0.05",
        "FERNBLICK_JANUS_NODES": json.dumps([janus.node.model_dump()]),
        "FERNBLICK_JANUS_API_SECRET": TEST_SECRETS.api_secret,
        "FERNBLICK_JANUS_ADMIN_SECRET": TEST_SECRETS.admin_secret,
        "FERNBLICK_JANUS_VIDEOROOM_ADMIN_KEY": TEST_SECRETS.videoroom_admin_key,
        "FERNBLICK_JANUS_EVENT_USER": EVENT_AUTH[0],
        "FERNBLICK_JANUS_EVENT_PASSWORD": EVENT_AUTH[1],
        "FERNBLICK_TURN_URLS": json.dumps([coturn_server.turn_url]),
        "FERNBLICK_TURN_SECRET": coturn_server.secret,
    }
    full_env = {**os.environ, **env}
    try:
        for command in ("migrate", "seed-demo"):
            _run([sys.executable, "-m", "orchestrator.cli", command], cwd=ROOT, env=full_env)
        log_path = workdir / "orchestrator.log"
        with orchestrator_process(port, env, log_path) as base_url:
            run_async(lambda: wait_until_healthy(base_url))
            yield Stack(base_url, janus, coturn_server, log_path)
    finally:
        janus.process.terminate()
        try:
            janus.process.wait(10)
        except subprocess.TimeoutExpired:
            janus.process.kill()
            janus.process.wait()


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


class Contexts:
    """Browser contexts for one test: a phone (code user) or a desktop (employee)."""

    def __init__(self, browser: Browser, base_url: str) -> None:
        self.browser = browser
        self.base_url = base_url
        self.opened: list[BrowserContext] = []

    def _new(self, options: dict[str, object]) -> BrowserContext:
        context = self.browser.new_context(base_url=self.base_url, **options)  # type: ignore[arg-type]
        context.set_default_timeout(30_000)
        self.opened.append(context)
        return context

    def phone(self) -> Page:
        return self._new(PHONE).new_page()

    def desktop(self) -> Page:
        return self._new(DESKTOP).new_page()

    def close_all(self) -> None:
        for context in self.opened:
            context.close()


@pytest.fixture
def contexts(stack: Stack, browser: Browser) -> Iterator[Contexts]:
    opened = Contexts(browser, stack.base_url)
    try:
        yield opened
    finally:
        opened.close_all()
