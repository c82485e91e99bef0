"""Fault: the recorder process is killed (kill -9) in the middle of a recorded call.

The production shape: the orchestrator runs with ``recorder_embedded=False`` on
RabbitMQ and forwards the call for a recorder that runs as its own process
(``fernblick recorder``, a real subprocess here) and has no Janus secret. The recorder
is killed while ffmpeg writes segments; its ffmpeg dies with it. The call goes on and
is hung up: the session ends DONE, and the orchestrator stops the recording. The
recorder, restarted under the same name as a supervisor would, finalizes the segments
written so far and uploads them: a playable file with both participants.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from recorder.worker import START_QUEUE
from tests.support.calls import CallEnvFactory, call_env_fixture  # noqa: F401
from tests.support.events import wait_until
from tests.support.janus_server import janus_factory_fixture  # noqa: F401
from tests.support.rabbitmq import BROKER, own_exchange, queue_consumers, vhost_fixture  # noqa: F401
from tests.support.recording import (
    assert_playable_with_all_tracks,
    download,
    recording_call,
    session_details,
    wait_for_stored_recording,
)
from tests.support.servers import fernblick_process, settings_env

pytestmark = [pytest.mark.janus, pytest.mark.rabbitmq, pytest.mark.postgres]

RECORDER_SETTINGS = (
    "env",
    "database_url",
    "bus_url",
    "amqp_exchange",
    "storage_dir",
    "recorder_rtp_host",
    "recorder_port_min",
    "recorder_port_max",
    "recorder_segment_seconds",
    "upload_retry_base_seconds",
)


# A recorder process beside the orchestrator shares a PostgreSQL with it (SQLite is the
# single-process embedded default).
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_a_killed_recorder_process_keeps_its_segments_and_the_session_ends_done(
    call_env: CallEnvFactory, vhost: str, tmp_path: Path
) -> None:
    env = await call_env(
        overrides={
            **own_exchange(f"{BROKER}/{vhost}"),
            "recorder_embedded": False,
            "instance_name": "test-orchestrator",
            "upload_retry_base_seconds": 0.2,
        }
    )
    recorder = settings_env(env.settings, *RECORDER_SETTINGS)
    recorder["FERNBLICK_INSTANCE_NAME"] = "test-recorder"
    log = tmp_path / "recorder.log"

    async def recorder_listening() -> bool:
        return await queue_consumers(env.settings.bus_url, START_QUEUE) > 0

    with fernblick_process(["recorder"], recorder, log) as first:
        await wait_until(recorder_listening, "the recorder process's consumer", within=60)
        recording_id = await recording_call(env)
        directory = env.settings.storage_dir / "recordings" / str(recording_id)

        async def segments_written() -> bool:
            # three finished and one open: ffmpeg cuts at keyframes, so two finished
            # segments alone may come to a little under 2 x segment_seconds
            return len(list(directory.glob("seg-*.mkv"))) >= 4

        await wait_until(segments_written, f"segments of recording {recording_id}", within=60)
        first.kill()
        first.wait(timeout=30)

    assert (await session_details(env))["recording"]["id"] == recording_id
    hangup = await env.employee("POST", "/hangup")
    assert hangup.status == 200, await hangup.text()
    await env.wait_for_status("DONE")

    async def recording_stopped() -> bool:
        # the orchestrator stops it when it hears the call's end (call.ended, via RabbitMQ)
        return (await session_details(env))["recording"] is None

    await wait_until(recording_stopped, f"recording {recording_id} stopped", within=60)
    assert (await session_details(env))["artifacts"] == []  # only a recorder finalizes

    with fernblick_process(["recorder"], recorder, log):
        artifact = await wait_for_stored_recording(env, within=120)
    path = await download(env, artifact, tmp_path / "after-kill.mkv")
    assert_playable_with_all_tracks(path, 2 * env.settings.recorder_segment_seconds)
    stops = [e for e in await env.events("recording.") if e["type"] == "recording.stop"]
    assert [stop["reason"] for stop in stops] == ["call_ended"]
    assert (await session_details(env))["status"] == "DONE"
