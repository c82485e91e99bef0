"""Recording a real call: Janus forwards RTP, ffmpeg writes segments, the upload stores them.

Two synthetic aiortc participants (audio and video each) call through a real Janus
node; the employee starts and stops the recording through the API. The artifact
must hold both participants' tracks, last as long as the recording ran (ffprobe,
within 2 %), and be playable by both sides with range requests, but by nobody else.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from pathlib import Path

import pytest

from orchestrator.app import JANUS_POOL_KEY, RECORDER_KEY
from orchestrator.db.models import VideoSession
from recorder import worker as recorder_worker
from tests.support.calls import CallEnvFactory, call_env_fixture  # noqa: F401
from tests.support.janus_server import janus_factory_fixture  # noqa: F401
from tests.support.ports import FirstPortsTaken
from tests.support.recording import (
    assert_playable_with_all_tracks,
    decodes,
    download,
    ffprobe,
    recording_call,
    session_details,
    wait_for_segments,
    wait_for_stored_recording,
)
from tests.support.world import bearer, open_device

pytestmark = pytest.mark.janus

RECORD_SECONDS = 15.0


def titled_kinds(info: dict[str, object]) -> list[tuple[str, str]]:
    streams = info["streams"]
    assert isinstance(streams, list)
    return sorted((s.get("tags", {}).get("title", ""), s["codec_type"]) for s in streams)


async def test_a_recorded_call_holds_both_participants_for_its_wall_time(
    call_env: CallEnvFactory, tmp_path: Path
) -> None:
    env = await call_env()
    recording_id = await recording_call(env)
    began = time.monotonic()
    assert (await session_details(env))["recording"]["id"] == recording_id
    await asyncio.sleep(RECORD_SECONDS)
    stopped = await env.client.post(
        f"/api/sessions/{env.session_id}/recording/stop", headers=env.csrf
    )
    assert stopped.status == 200, await stopped.text()
    api_wall = time.monotonic() - began  # from the start's answer to the stop's answer

    artifact = await wait_for_stored_recording(env)
    details = await session_details(env)
    assert details["recording"] is None
    path = await download(env, artifact, tmp_path / "recording.mkv")
    info = ffprobe(path)
    duration = float(info["format"]["duration"])
    # The recorded wall time runs from the moment Janus forwards to the moment ffmpeg is
    # told to stop; the start's latency before it (event, ffmpeg start-up) is no media.
    wall = env.client.app[RECORDER_KEY].finished[recording_id].wall_seconds
    print(
        f"\nrecording: ffprobe {duration:.3f} s, recorded wall time {wall:.3f} s "
        f"({100 * (duration - wall) / wall:+.2f} %), start-to-stop via the API {api_wall:.3f} s"
    )
    assert abs(duration - wall) <= 0.02 * wall, (duration, wall)
    assert wall <= api_wall
    employee = f"employee:{env.world.employee.employee_id}"
    code_user = f"code_user:{details['requester']['id']}"
    assert titled_kinds(info) == sorted(
        (f"{who} {kind}", kind) for who in (employee, code_user) for kind in ("audio", "video")
    )
    assert decodes(path)
    assert artifact["duration_ms"] == pytest.approx(duration * 1000, abs=50)
    assert artifact["size_bytes"] == path.stat().st_size
    events = [e["type"] for e in await env.events("")]
    for expected in ("recording.start", "recording.stop", "artifact.upload", "artifact.stored"):
        assert expected in events


async def test_a_killed_ffmpeg_keeps_the_segments_written_so_far_and_the_call_ends_done(
    call_env: CallEnvFactory, tmp_path: Path
) -> None:
    env = await call_env()
    recording_id = await recording_call(env)
    recorder = env.client.app[RECORDER_KEY]
    await wait_for_segments(env, recording_id)
    pid = recorder.active[recording_id].writer.pid
    assert pid is not None
    os.kill(pid, signal.SIGKILL)

    artifact = await wait_for_stored_recording(env)
    assert (await session_details(env))["recording"] is None
    stop = [e for e in await env.events("recording.") if e["type"] == "recording.stop"]
    assert stop[-1]["reason"] == "recorder_failed"
    path = await download(env, artifact, tmp_path / "partial.mkv")
    assert_playable_with_all_tracks(path, 2 * env.settings.recorder_segment_seconds)

    hangup = await env.employee("POST", "/hangup")
    assert hangup.status == 200, await hangup.text()
    await env.wait_for_status("DONE")


async def test_a_port_taken_before_ffmpeg_binds_it_is_replaced_by_another(
    call_env: CallEnvFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The ports are checked free, then another process binds one before ffmpeg can:
    ffmpeg exits at once, and the recorder starts again on other ports."""
    env = await call_env()
    ports = FirstPortsTaken(env.settings.recorder_rtp_host)
    monkeypatch.setattr(recorder_worker, "allocate_port_pairs", ports)
    try:
        recording_id = await recording_call(env)
        await wait_for_segments(env, recording_id, count=2)
    finally:
        ports.close()
    assert len(ports.handed_out) == 2
    assert ports.handed_out[0][0] not in ports.handed_out[1]  # the squatted port is not reused
    assert (await session_details(env))["recording"]["id"] == recording_id


async def test_both_sides_download_with_ranges_and_strangers_are_refused(
    call_env: CallEnvFactory,
) -> None:
    env = await call_env()
    await recording_call(env)
    await asyncio.sleep(4)
    hangup = await env.employee("POST", "/hangup")  # the call's end stops the recording
    assert hangup.status == 200, await hangup.text()
    await env.wait_for_status("DONE")
    artifact = await wait_for_stored_recording(env)
    employee_url = f"/api/sessions/{env.session_id}/artifacts/{artifact['id']}/content"
    code_user_url = f"/api/code-user/sessions/{env.session_id}/artifacts/{artifact['id']}/content"

    whole = await (await env.client.get(employee_url)).read()
    assert len(whole) == artifact["size_bytes"]
    for url, headers in ((employee_url, {}), (code_user_url, bearer(env.code_user_token))):
        part = await env.client.get(url, headers={**headers, "Range": "bytes=100-1099"})
        assert part.status == 206, await part.text()
        assert part.headers["Content-Range"] == f"bytes 100-1099/{artifact['size_bytes']}"
        assert await part.read() == whole[100:1100]

    stranger, _ = await open_device(env.client, env.world.device_code)
    assert (await env.client.get(code_user_url, headers=bearer(stranger))).status == 404
    foreign, _ = await open_device(env.client, env.world.foreign_device_code)
    assert (await env.client.get(code_user_url, headers=bearer(foreign))).status == 404
    env.client.session.cookie_jar.clear()
    assert (await env.client.get(employee_url)).status == 401
    assert (await env.client.get(code_user_url)).status == 401


async def test_a_recording_left_by_a_dead_orchestrator_is_finalized_at_its_next_start(
    call_env: CallEnvFactory, tmp_path: Path
) -> None:
    env = await call_env()
    recording_id = await recording_call(env)
    recorder = env.client.app[RECORDER_KEY]
    await wait_for_segments(env, recording_id)
    # The process dies: its ffmpeg with it (PR_SET_PDEATHSIG), and nothing finalizes.
    dead = recorder.active.pop(recording_id)
    assert dead.watcher is not None and dead.writer.pid is not None
    dead.watcher.cancel()
    os.kill(dead.writer.pid, signal.SIGKILL)
    await dead.writer.wait()
    assert (await session_details(env))["recording"]["id"] == recording_id

    assert await recorder.recover() == [recording_id]  # what the next start does

    artifact = await wait_for_stored_recording(env)
    details = await session_details(env)
    assert details["recording"] is None
    async with env.uow.read() as db:
        session = await db.get(VideoSession, env.session_id)
        assert session is not None and session.room_id and session.room_secret
        room, secret = session.room_id, session.room_secret
    videoroom = await env.client.app[JANUS_POOL_KEY].node("janus-1").videoroom()
    assert await videoroom.list_forwarders(room, secret) == {}
    path = await download(env, artifact, tmp_path / "recovered.mkv")
    assert_playable_with_all_tracks(path, 2 * env.settings.recorder_segment_seconds)

    hangup = await env.employee("POST", "/hangup")
    assert hangup.status == 200, await hangup.text()
    await env.wait_for_status("DONE")
