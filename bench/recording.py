"""Recording benchmark: recorder CPU per recorded call, and call end → artifact stored.

Runs a real Janus node and the orchestrator app in this process (SQLite, in-process
bus, local storage), two synthetic aiortc participants publishing audio and video,
and records one call of ``--seconds``. Measured: the CPU time of the recording's
ffmpeg over the recording (from ``/proc/<pid>/stat``) divided by its wall time, in
cores; and the time from the hang-up's answer to the artifact being STORED (join
segments, probe, checksum, upload). Targets: ≤ 0.05 core per call, ≤ 3 s.

    .venv/bin/python -m bench.recording [--seconds 60]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from pydantic import SecretStr

from orchestrator.actions.unit_of_work import UnitOfWork
from orchestrator.app import RECORDER_KEY, create_app
from orchestrator.db.engine import create_engine, create_session_factory
from orchestrator.db.migrate import upgrade
from orchestrator.janus.errors import JanusError
from orchestrator.settings import Settings
from tests.support.calls import EVENT_AUTH, call_settings
from tests.support.janus_server import start_test_janus
from tests.support.ports import free_port
from tests.support.synthetic_publisher import publish_test_pattern
from tests.support.world import EMAILS, PASSWORD, build_world

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


async def join(http: aiohttp.ClientSession, node: Any, ticket: dict[str, Any]) -> Any:
    from orchestrator.janus.admin import VIDEOROOM_PLUGIN
    from orchestrator.janus.client import JanusClient

    client = JanusClient(node.url, http=http, node_name=node.name, token=ticket["token"])
    session = await client.create_session()
    handle = await session.attach(VIDEOROOM_PLUGIN)
    await publish_test_pattern(
        handle,
        ticket["room_id"],
        pin=ticket["pin"],
        token=ticket["token"],
        display=ticket["display"],
        audio=True,
    )
    return session


async def answer(response: aiohttp.ClientResponse) -> Any:
    """The JSON of a successful answer; a failed one stops the benchmark with its problem."""
    if response.status >= 300:
        raise RuntimeError(f"{response.method} {response.url}: {await response.text()}")
    return await response.json()


async def wait_for(check: Any, within: float = 60.0) -> Any:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        found = await check()
        if found:
            return found
        await asyncio.sleep(0.01)
    raise TimeoutError("benchmark step timed out")


async def run(seconds: float, workdir: Path) -> dict[str, float]:
    database_url = f"sqlite+aiosqlite:///{workdir / 'bench.sqlite3'}"
    await asyncio.to_thread(upgrade, database_url)
    port = free_port()
    node = start_test_janus(
        workdir / "janus",
        "janus-1",
        event_url=f"http://127.0.0.1:{port}/janus/events",
        event_auth=EVENT_AUTH,
    )
    settings = call_settings(
        Settings(env="test", database_url=database_url, storage_dir=workdir / "storage"),
        [node],
        grace=5.0,
        ring=30.0,
    ).model_copy(update={"janus_event_password": SecretStr(EVENT_AUTH[1])})
    engine = create_engine(settings)
    world = await build_world(UnitOfWork(create_session_factory(engine)))
    runner = web.AppRunner(create_app(settings))
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    base = f"http://127.0.0.1:{port}"
    try:
        async with (
            aiohttp.ClientSession(base, cookie_jar=aiohttp.CookieJar(unsafe=True)) as employee,
            aiohttp.ClientSession(base, cookie_jar=aiohttp.CookieJar(unsafe=True)) as phone,
            aiohttp.ClientSession() as http,
        ):
            opened = await (
                await phone.post("/api/code-user/open", json={"code": world.device_code})
            ).json()
            bearer = {"Authorization": f"Bearer {opened['token']}"}
            requested = await phone.post(
                "/api/code-user/sessions",
                json={
                    "device_id": world.device_id,
                    "reason": "bench",
                    "contact": "bench@example.org",
                    "recording_consent": True,
                },
                headers=bearer,
            )
            session_id = (await requested.json())["id"]
            login = await employee.post(
                "/api/auth/login", json={"email": EMAILS["employee"], "password": PASSWORD}
            )
            csrf = {"X-CSRF-Token": (await login.json())["csrf_token"]}
            await employee.post(f"/api/sessions/{session_id}/confirm", headers=csrf)
            started = await answer(
                await employee.post(f"/api/sessions/{session_id}/call", headers=csrf)
            )
            accepted = await answer(
                await phone.post(
                    f"/api/code-user/sessions/{session_id}/call/accept", headers=bearer
                )
            )
            sessions = [
                await join(http, node, started["ticket"]),
                await join(http, node, accepted["ticket"]),
            ]

            async def status(wanted: str) -> bool:
                details = await (await employee.get(f"/api/sessions/{session_id}")).json()
                return bool(details["status"] == wanted)

            await wait_for(lambda: status("RUNNING"))
            recording = await (
                await employee.post(f"/api/sessions/{session_id}/recording/start", headers=csrf)
            ).json()
            recorder = runner.app[RECORDER_KEY]
            recording_id = recording["recording"]["id"]

            async def ffmpeg_pid() -> int | None:
                active = recorder.active.get(recording_id)
                return active.writer.pid if active is not None else None

            pid = await wait_for(ffmpeg_pid)
            cpu_before, wall_before = cpu_seconds(pid), time.monotonic()
            await asyncio.sleep(seconds)
            cpu_used, wall = cpu_seconds(pid) - cpu_before, time.monotonic() - wall_before
            hung_up = await employee.post(f"/api/sessions/{session_id}/call/hangup", headers=csrf)
            assert hung_up.status == 200, await hung_up.text()
            ended = time.monotonic()

            async def stored() -> bool:
                details = await (await employee.get(f"/api/sessions/{session_id}")).json()
                return any(a["state"] == "stored" for a in details["artifacts"])

            await wait_for(stored)
            to_stored = time.monotonic() - ended
            finished = recorder.finished[recording_id]
            for janus_session in sessions:
                with contextlib.suppress(JanusError):  # the room and its tokens may be gone
                    await janus_session.destroy()
    finally:
        await runner.cleanup()
        await engine.dispose()
        node.process.terminate()
    return {
        "recorded_seconds": round(wall, 1),
        "ffmpeg_cores": round(cpu_used / wall, 4),
        "call_end_to_stored_seconds": round(to_stored, 3),
        "ffprobe_seconds": round(finished.duration_seconds or 0.0, 3),
        "recorded_wall_seconds": round(finished.wall_seconds, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the recording")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="fernblick-bench-recording-") as workdir:
        result = asyncio.run(run(args.seconds, Path(workdir)))
    for key, value in result.items():
        print(f"{key:28} {value}")


if __name__ == "__main__":
    main()
