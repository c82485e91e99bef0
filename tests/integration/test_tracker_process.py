"""The tracker as its own process (``fernblick tracker``), as compose runs it.

The orchestrator runs with ``tracker_embedded=False`` on RabbitMQ and Redis; the tracker
is a real subprocess that knows no Janus secret. A marker placed by the employee reaches
it over the bus; it asks an orchestrator to forward the code user's video to its port
(``tracking.forward``), tracks the moving texture and publishes the positions through
Redis, where the orchestrator hears them. Removing the last marker stops the forward, and
so does the tracker process's death, once its lease runs out.
"""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import Any

import pytest

from orchestrator.app import FANOUT_KEY, JANUS_POOL_KEY
from orchestrator.db.models import VideoSession
from orchestrator.realtime.fanout import session_channel
from tests.support.calls import CallEnv, CallEnvFactory, call_env_fixture  # noqa: F401
from tests.support.events import wait_until
from tests.support.janus_server import janus_factory_fixture  # noqa: F401
from tests.support.markers import errors_along_path, place, running_call
from tests.support.rabbitmq import BROKER, own_exchange, queue_consumers, vhost_fixture  # noqa: F401
from tests.support.servers import fernblick_process, settings_env
from tracker.worker import TrackerWorker

pytestmark = [pytest.mark.janus, pytest.mark.rabbitmq, pytest.mark.redis, pytest.mark.postgres]

TRACKER_SETTINGS = (
    "env",
    "database_url",
    "bus_url",
    "amqp_exchange",
    "redis_url",
    "redis_channel_prefix",
    "recorder_rtp_host",
    "recorder_port_min",
    "recorder_port_max",
    "tracker_lease_seconds",
)
LEASE_SECONDS = 4.0


async def forwarders(env: CallEnv) -> dict[str, Any]:
    async with env.uow.read() as db:
        session = await db.get(VideoSession, env.session_id)
        assert session is not None and session.room_id and session.room_secret
        room, secret = session.room_id, session.room_secret
    videoroom = await env.client.app[JANUS_POOL_KEY].node("janus-1").videoroom()
    return await videoroom.list_forwarders(room, secret)


# The tracker process beside the orchestrator shares a PostgreSQL with it.
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_a_tracker_process_without_janus_rights_tracks_through_the_orchestrator(
    call_env: CallEnvFactory, vhost: str, tmp_path: Path
) -> None:
    env = await call_env(
        overrides={
            **own_exchange(f"{BROKER}/{vhost}"),
            "redis_url": "redis://127.0.0.1:6379/0",
            "redis_channel_prefix": f"fernblick-test-{uuid.uuid4().hex[:8]}",
            "tracker_embedded": False,
            "instance_name": "test-orchestrator",
            "tracker_lease_seconds": LEASE_SECONDS,
        }
    )
    tracker = settings_env(env.settings, *TRACKER_SETTINGS)
    tracker["FERNBLICK_INSTANCE_NAME"] = "test-tracker"
    tracker["FERNBLICK_JANUS_ADMIN_SECRET"] = "not-the-admin-secret"
    tracker["FERNBLICK_JANUS_VIDEOROOM_ADMIN_KEY"] = "not-the-videoroom-key"

    async def tracker_listening() -> bool:
        return await queue_consumers(env.settings.bus_url, TrackerWorker.queue) > 0

    messages: list[dict[str, Any]] = []
    with fernblick_process(["tracker"], tracker, tmp_path / "tracker.log") as process:
        await wait_until(tracker_listening, "the tracker process's consumer", within=60)
        await running_call(env)
        await env.client.app[FANOUT_KEY].subscribe(
            session_channel(env.session_id),
            lambda _channel, message: messages.append(message["frame"]),
        )
        marker_id = await place(env, 0.7, 0.7)

        async def tracked() -> bool:
            return sum(bool(m["markers"]) for m in messages) >= 30

        await wait_until(tracked, "30 frames tracked by the tracker process", within=60)
        assert max(errors_along_path(messages, marker_id)) < 2.0
        listed = await forwarders(env)
        assert [f.type for found in listed.values() for f in found] == ["video"]

        removed = await env.client.delete(
            f"/api/sessions/{env.session_id}/markers/{marker_id}", headers=env.csrf
        )
        assert removed.status == 204, await removed.text()

        async def forward_stopped() -> bool:
            return await forwarders(env) == {}

        await wait_until(forward_stopped, "the orchestrator stops the forward", within=30)
        assert messages[-1]["markers"] == []

        # A new marker forwards again; the live process renews that forward past its lease.
        await place(env, 0.3, 0.3)

        async def forwarding() -> bool:
            return await forwarders(env) != {}

        await wait_until(forwarding, "a forward for the new marker", within=30)
        await asyncio.sleep(3 * LEASE_SECONDS)
        assert await forwarders(env) != {}, "a renewed forward was stopped"
        # The process dies without a word: its lease runs out and the forward stops.
        process.kill()
        process.wait()
        await wait_until(forward_stopped, "the dead tracker's forward stopped", within=30)
