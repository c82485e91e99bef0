"""The session status follows real media: Janus's events move it to RUNNING and DONE.

Synthetic aiortc publishers join the room with the tickets the API handed out,
as ``employee:<id>`` and ``code_user:<id>``; nothing is mocked between Janus's
sample event handler and the session row.
"""

from __future__ import annotations

import asyncio
import secrets
from typing import Any

import aio_pika
import pytest
from sqlalchemy import func, select

from orchestrator.db.models import RetiredRoom
from orchestrator.janus.amqp_events import queue_name
from orchestrator.janus.errors import JanusError
from tests.support.calls import (
    AMQP_URL,
    CallEnv,
    CallEnvFactory,
    call_env_fixture,  # noqa: F401
)
from tests.support.events import wait_until
from tests.support.janus_server import janus_factory_fixture  # noqa: F401

pytestmark = pytest.mark.janus


async def tickets(env: CallEnv) -> tuple[dict[str, Any], dict[str, Any]]:
    """START by the employee, accept by the code user: both tickets."""
    started = await env.employee("POST")
    assert started.status == 201, await started.text()
    accepted = await env.code_user("POST", "/accept")
    assert accepted.status == 200, await accepted.text()
    return (await started.json())["ticket"], (await accepted.json())["ticket"]


async def running_call(env: CallEnv) -> tuple[Any, Any]:
    employee_ticket, code_user_ticket = await tickets(env)
    employee = await env.join(employee_ticket)
    code_user = await env.join(code_user_ticket)
    await env.wait_for_status("RUNNING")
    return employee, code_user


async def test_media_from_both_sides_runs_the_session_and_leaving_ends_it(
    call_env: CallEnvFactory,
) -> None:
    env = await call_env()
    employee_ticket, code_user_ticket = await tickets(env)
    employee = await env.join(employee_ticket)
    assert await env.status() == "CONFIRMED"  # one side alone is no call
    code_user = await env.join(code_user_ticket)
    await env.wait_for_status("RUNNING")

    started = [e for e in await env.events() if e["type"] == "call.started"]
    assert len(started) == 1
    assert started[0]["data"]["participants"] == sorted(
        [employee_ticket["display"], code_user_ticket["display"]]
    )

    await employee.leave()
    await code_user.leave()
    await env.wait_for_status("DONE")
    ended = (await env.events())[-1]
    assert ended["type"] == "call.ended"
    assert ended["data"]["reason"] == "hangup" and ended["data"]["duration_seconds"] > 0
    assert ended["session"]["status"] == "DONE"


async def test_hang_up_button_ends_a_running_call(call_env: CallEnvFactory) -> None:
    env = await call_env()
    await running_call(env)
    response = await env.employee("POST", "/hangup")
    assert response.status == 200, await response.text()
    assert await env.status() == "DONE"
    assert [e["type"] for e in await env.events()][-1] == "call.ended"


async def test_a_reload_within_the_grace_period_keeps_the_session_running(
    call_env: CallEnvFactory,
) -> None:
    env = await call_env(grace=10.0)
    _employee, code_user = await running_call(env)

    await code_user.leave()  # the phone reloads the page ...
    again = await env.code_user("GET")  # ... asks for a fresh ticket and rejoins
    assert again.status == 200, await again.text()
    await env.join((await again.json())["ticket"])
    await asyncio.sleep(env.settings.call_grace_seconds + 1)

    assert await env.status() == "RUNNING"
    assert "call.ended" not in [e["type"] for e in await env.events()]


async def test_one_side_gone_past_the_grace_period_ends_the_call(
    call_env: CallEnvFactory,
) -> None:
    env = await call_env(grace=1.0)
    _employee, code_user = await running_call(env)
    await code_user.publisher.close()  # media stops; the Janus session stays

    await env.wait_for_status("DONE")
    ended = (await env.events())[-1]
    assert ended["type"] == "call.ended" and ended["data"]["reason"] == "media_lost"


async def test_a_killed_janus_node_ends_the_call_and_the_next_start_uses_another_node(
    call_env: CallEnvFactory,
) -> None:
    env = await call_env(grace=1.0, nodes=2)
    employee_ticket, code_user_ticket = await tickets(env)
    assert employee_ticket["janus_url"] == env.node("janus-1").public_url
    await env.join(employee_ticket)
    await env.join(code_user_ticket)
    await env.wait_for_status("RUNNING")

    env.node("janus-1").kill()
    await env.wait_for_status("DONE")
    ended = (await env.events())[-1]
    assert ended["type"] == "call.ended" and ended["data"]["reason"] == "janus_failed"

    async def room_given_up() -> bool:  # its node is dead, so it cannot be destroyed
        async with env.uow.read() as db:
            return not await db.scalar(select(func.count()).select_from(RetiredRoom))

    await wait_until(room_given_up, "the dead node's room given up")
    reopened = await env.client.post(f"/api/sessions/{env.session_id}/reopen", headers=env.csrf)
    assert reopened.status == 200, await reopened.text()
    restarted = await env.employee("POST")
    assert restarted.status == 201, await restarted.text()
    assert (await restarted.json())["ticket"]["janus_url"] == env.node("janus-2").public_url


async def test_cancelling_a_running_session_ends_the_call_and_closes_the_room(
    call_env: CallEnvFactory,
) -> None:
    env = await call_env()
    employee, _code_user = await running_call(env)
    cancelled = await env.client.post(
        f"/api/sessions/{env.session_id}/cancel", json={"reason": "wrong device"}, headers=env.csrf
    )
    assert cancelled.status == 200, await cancelled.text()
    ended = [e for e in await env.events() if e["type"] == "call.ended"]
    assert [e["data"]["reason"] for e in ended] == ["cancelled"]
    assert ended[0]["data"]["duration_seconds"] > 0

    async def shut_out() -> bool:  # the room is destroyed and its tokens revoked
        try:
            await employee.session.keepalive()
        except JanusError:
            return True
        return False

    await wait_until(shut_out, "the participants shut out")
    assert await env.status() == "CANCELLED"


@pytest.mark.rabbitmq
async def test_janus_events_through_rabbitmq_run_and_end_the_session(
    call_env: CallEnvFactory,
) -> None:
    exchange = f"fernblick-test-janus-{secrets.token_hex(4)}"
    env = await call_env(amqp_exchange=exchange)
    try:
        employee, code_user = await running_call(env)
        await employee.leave()
        await code_user.leave()
        await env.wait_for_status("DONE")
    finally:
        connection = await aio_pika.connect(AMQP_URL)
        async with connection:
            channel = await connection.channel()
            await channel.queue_delete(queue_name(exchange))
            await channel.exchange_delete(exchange)
