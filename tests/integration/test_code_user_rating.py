"""The code user rates a finished session (POST /api/code-user/sessions/{id}/rating):
1 to 5 stars and an optional comment, once, only when DONE, only their own session; the
employees see it in the session details. Bad input is a problem document and changes
nothing."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from orchestrator.actions import sessions as actions
from orchestrator.actions.unit_of_work import UnitOfWork
from tests.support.world import World, assert_problem, bearer, login, open_device, table_counts


async def _finished_session(client: TestClient, world: World, uow: UnitOfWork) -> tuple[str, int]:
    """A code user's request, confirmed, called and hung up: DONE, ready to be rated."""
    token, _ = await open_device(client, world.device_code)
    response = await client.post(
        "/api/code-user/sessions",
        json={"device_id": world.device_id, "reason": "Display is dark", "contact": "+49 30 1"},
        headers=bearer(token),
    )
    assert response.status == 201, await response.text()
    session_id = (await response.json())["id"]
    async with uow.transaction() as db:
        await actions.do_confirm(db, world.employee, session_id, expected_version=None)
        await actions.do_call_started(db, session_id, participants=["code_user", "employee"])
        await actions.do_call_ended(db, session_id, duration_seconds=42.0)
    return token, session_id


async def _unchanged(
    client: TestClient, uow: UnitOfWork, token: str, session_id: int
) -> tuple[int, Any, int]:
    """What a refused rating must leave alone: the ratings table and the session.
    (Other tables change meanwhile: the event consumers work in the background.)"""
    ratings = (await table_counts(uow))["ratings"]
    own = await (
        await client.get(f"/api/code-user/sessions/{session_id}", headers=bearer(token))
    ).json()
    return ratings, own["rating"], own["version"]


async def test_a_rating_is_stored_and_shown_to_employees(
    client: TestClient, world: World, uow: UnitOfWork
) -> None:
    token, session_id = await _finished_session(client, world, uow)
    rated = await client.post(
        f"/api/code-user/sessions/{session_id}/rating",
        json={"stars": 3, "comment": "  Took a while, but it works  "},
        headers=bearer(token),
    )
    assert rated.status == 201, await rated.text()
    assert (await rated.json())["rating"]["stars"] == 3
    csrf = await login(client, "employee")
    details = await (await client.get(f"/api/sessions/{session_id}", headers=csrf)).json()
    assert details["rating"]["stars"] == 3
    assert details["rating"]["comment"].strip() == "Took a while, but it works"
    own = await (await client.get("/api/code-user/sessions", headers=bearer(token))).json()
    assert [s["rating"]["stars"] for s in own if s["id"] == session_id] == [3]


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"stars": 0}, 422, "invalid_input"),
        ({"stars": 6}, 422, "invalid_input"),
        ({"stars": "five"}, 422, "invalid_input"),
        ({"comment": "no stars"}, 422, "invalid_input"),
        ({"stars": 4, "colour": "red"}, 422, "invalid_input"),
        ({"stars": 4, "comment": "x" * 5001}, 422, "invalid_input"),
        ([4], 422, "invalid_input"),
    ],
)
async def test_bad_ratings_are_refused(
    client: TestClient, world: World, uow: UnitOfWork, body: Any, status: int, code: str
) -> None:
    token, session_id = await _finished_session(client, world, uow)
    before = await _unchanged(client, uow, token, session_id)
    response = await client.post(
        f"/api/code-user/sessions/{session_id}/rating", json=body, headers=bearer(token)
    )
    await assert_problem(response, status, code)
    assert await _unchanged(client, uow, token, session_id) == before


async def test_only_an_own_finished_session_can_be_rated_once(
    client: TestClient, world: World, uow: UnitOfWork
) -> None:
    token, session_id = await _finished_session(client, world, uow)
    stranger, _ = await open_device(client, world.device_code)
    path = f"/api/code-user/sessions/{session_id}/rating"
    before = await _unchanged(client, uow, token, session_id)
    await assert_problem(
        await client.post(path, json={"stars": 5}, headers=bearer(stranger)), 404, "not_found"
    )
    await assert_problem(await client.post(path, json={"stars": 5}), 401)
    assert await _unchanged(client, uow, token, session_id) == before

    first = await client.post(path, json={"stars": 5}, headers=bearer(token))
    assert first.status == 201
    await assert_problem(
        await client.post(path, json={"stars": 1}, headers=bearer(token)), 409, "already_rated"
    )

    pending = await client.post(
        "/api/code-user/sessions",
        json={"device_id": world.device_id, "reason": "Again", "contact": "+49 30 1"},
        headers=bearer(token),
    )
    pending_id = (await pending.json())["id"]
    await assert_problem(
        await client.post(
            f"/api/code-user/sessions/{pending_id}/rating", json={"stars": 5}, headers=bearer(token)
        ),
        409,
        "not_finished",
    )
