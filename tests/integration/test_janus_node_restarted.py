"""A Janus node that dies and is back before the grace period ends (a supervisor
restarted it): its rooms are gone, so its calls must end, not run on as zombies."""

from __future__ import annotations

import pytest

from tests.integration.test_call_status_from_janus import running_call
from tests.support.calls import CallEnvFactory, call_env_fixture  # noqa: F401
from tests.support.janus_server import JanusFactory, janus_factory_fixture  # noqa: F401

pytestmark = pytest.mark.janus


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_a_call_whose_room_vanished_with_a_quick_restart_ends_as_janus_failed(
    call_env: CallEnvFactory, janus_factory: JanusFactory
) -> None:
    env = await call_env(grace=2.0)
    await running_call(env)

    janus_factory.restart(env.node("janus-1"))  # healthy again at the next round

    await env.wait_for_status("DONE")
    ended = (await env.events())[-1]
    assert ended["type"] == "call.ended" and ended["data"]["reason"] == "janus_failed"
