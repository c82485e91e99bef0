"""Helpers for recording tests: calls with audio and video, waiting for artifacts, ffprobe.

Import ``call_env_fixture`` and ``janus_factory_fixture`` in the test module as for
any call test; these helpers work on the :class:`CallEnv` it returns.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
from pathlib import Path
from typing import Any

from tests.support.calls import CallEnv, Joined
from tests.support.events import wait_until
from tests.support.world import bearer


async def give_consent(env: CallEnv) -> dict[str, Any]:
    """The code user consents on the call screen."""
    response = await env.client.post(
        f"/api/code-user/sessions/{env.session_id}/recording-consent",
        headers=bearer(env.code_user_token),
    )
    assert response.status == 200, await response.text()
    body: dict[str, Any] = await response.json()
    return body


async def running_call_with_audio(env: CallEnv) -> tuple[Joined, Joined]:
    """Consent, START by the employee, accept by the code user, both publishing: RUNNING."""
    await give_consent(env)
    started = await env.employee("POST")
    assert started.status == 201, await started.text()
    accepted = await env.code_user("POST", "/accept")
    assert accepted.status == 200, await accepted.text()
    employee = await env.join((await started.json())["ticket"], audio=True)
    code_user = await env.join((await accepted.json())["ticket"], audio=True)
    await env.wait_for_status("RUNNING")
    return employee, code_user


async def session_details(env: CallEnv) -> dict[str, Any]:
    response = await env.client.get(f"/api/sessions/{env.session_id}")
    assert response.status == 200, await response.text()
    body: dict[str, Any] = await response.json()
    return body


async def wait_for_stored_recording(env: CallEnv, within: float = 60.0) -> dict[str, Any]:
    """The session's recording artifact once it is STORED."""
    found: dict[str, Any] = {}

    async def stored() -> bool:
        for artifact in (await session_details(env))["artifacts"]:
            if artifact["kind"] == "recording" and artifact["state"] == "stored":
                found.update(artifact)
                return True
        return False

    await wait_until(stored, f"a stored recording of session {env.session_id}", within)
    return found


def ffprobe(path: Path) -> dict[str, Any]:
    """ffprobe's format and streams of ``path`` (bounded)."""
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_format", "-show_streams", "-of", "json", str(path)],
        capture_output=True,
        check=True,
        timeout=30,
    ).stdout
    info: dict[str, Any] = json.loads(out)
    return info


def decodes(path: Path) -> bool:
    """Whether ffmpeg can decode every stream of ``path`` from start to end (bounded)."""
    result = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(path), "-map", "0", "-f", "null", "-"],
        capture_output=True,
        timeout=60,
    )
    return result.returncode == 0


async def recording_call(env: CallEnv) -> int:
    """A running call with both sides publishing audio and video, being recorded: its id."""
    await running_call_with_audio(env)
    started = await env.client.post(
        f"/api/sessions/{env.session_id}/recording/start", headers=env.csrf
    )
    assert started.status == 201, await started.text()
    recording_id: int = (await started.json())["recording"]["id"]
    return recording_id


async def download(env: CallEnv, artifact: dict[str, Any], target: Path) -> Path:
    """Fetch an artifact as the employee into ``target``."""
    url = f"/api/sessions/{env.session_id}/artifacts/{artifact['id']}/content"
    response = await env.client.get(url)
    assert response.status == 200, await response.text()
    data = await response.read()
    await asyncio.to_thread(target.write_bytes, data)
    return target


async def wait_for_segments(env: CallEnv, recording_id: int, count: int = 3) -> None:
    """Until the running recording has written ``count`` segments."""
    from orchestrator.app import RECORDER_KEY

    recorder = env.client.app[RECORDER_KEY]

    async def written() -> bool:
        active = recorder.active.get(recording_id)
        return active is not None and len(active.writer.segments()) >= count

    await wait_until(written, f"{count} segments of recording {recording_id}", within=30)


def assert_playable_with_all_tracks(path: Path, min_seconds: float) -> None:
    """Both participants' audio and video, at least ``min_seconds`` long, decodable."""
    info = ffprobe(path)
    assert sorted(s["codec_type"] for s in info["streams"]) == ["audio", "audio", "video", "video"]
    assert float(info["format"]["duration"]) >= min_seconds
    assert decodes(path)
