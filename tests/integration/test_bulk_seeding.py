"""The bulk seeding path used by benchmarks writes what the actions write."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aiohttp.test_utils import TestClient

from orchestrator.actions import sessions as actions
from orchestrator.actions.actors import CodeUserActor
from orchestrator.actions.auth import do_open_device
from orchestrator.actions.unit_of_work import UnitOfWork
from orchestrator.db.bulk import BulkRequest, bulk_request_sessions
from orchestrator.domain.types import SessionStatus
from tests.support.world import World, login

VOLATILE = {"id", "number", "created_at", "updated_at", "at", "received_at", "recording_consent_at"}
# Written later by the notifier (a consumer of session.requested), not by the actions.
NOT_BY_ACTIONS = {"recipients", "notifications"}


def normalise(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: normalise(v) for k, v in value.items() if k not in VOLATILE | NOT_BY_ACTIONS}
    if isinstance(value, list):
        return [normalise(v) for v in value]
    return value


async def test_bulk_rows_equal_action_rows(client: TestClient, world: World, uow: UnitOfWork) -> None:
    async with uow.transaction() as db:
        code_user = (await do_open_device(db, world.device_code, None)).actor
    statuses = list(SessionStatus)
    via_actions = []
    for status in statuses:
        async with uow.transaction() as db:
            session = await actions.do_request_session(
                db, code_user, device_id=world.device_id, reason=f"reason {status}", contact="c@example.org"
            )
            via_actions.append(session.id)
            if status is SessionStatus.CANCELLED:
                await actions.do_withdraw(db, code_user, session.id)
                continue
            if status is not SessionStatus.REQUESTED:
                await actions.do_confirm(db, world.employee, session.id)
            if status in (SessionStatus.RUNNING, SessionStatus.DONE):
                await actions.do_call_started(db, session.id)
            if status is SessionStatus.DONE:
                await actions.do_call_ended(db, session.id, duration_seconds=1)
    async with uow.read() as db:
        from orchestrator.actions.session_access import responsible_ids

        responsible = {world.device_id: await responsible_ids(db, via_actions[0])}
    requests = [
        BulkRequest(
            device_id=world.device_id,
            requester_id=code_user.code_user_id,
            reason=f"reason {status}",
            contact="c@example.org",
            status=status,
            confirmed_by=world.employee.employee_id,
            created_at=datetime.now(UTC),
        )
        for status in statuses
    ]
    async with uow.transaction() as db:
        via_bulk = await bulk_request_sessions(db, world.org_id, requests, responsible)
    await login(client, "admin")
    for a, b in zip(via_actions, via_bulk, strict=True):
        left = await (await client.get(f"/api/sessions/{a}")).json()
        right = await (await client.get(f"/api/sessions/{b}")).json()
        assert normalise(right) == normalise(left), (left["status"], right["status"], left["version"], right["version"])
    page = await (await client.get("/api/sessions?limit=200&sort=number")).json()
    assert [s["id"] for s in page["items"]] == via_actions + via_bulk
    assert isinstance(code_user, CodeUserActor)
