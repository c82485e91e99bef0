"""Who may record when: the organisation's switch, the code user's consent, a running call.

The refusals come as problem documents (403 for a missing permission or consent,
409 for a call that cannot be recorded now) and change nothing.
"""

from __future__ import annotations

from typing import Any

from orchestrator.actions.unit_of_work import UnitOfWork
from tests.support.calls import AppClient
from tests.support.world import World, assert_problem, bearer, login, open_device, table_counts


async def requested_session(client: AppClient, world: World, consent: bool) -> tuple[str, int]:
    token, _ = await open_device(client, world.device_code)
    response = await client.post(
        "/api/code-user/sessions",
        json={
            "device_id": world.device_id,
            "reason": "noise",
            "contact": "+49 170 1234567",
            "recording_consent": consent,
        },
        headers=bearer(token),
    )
    assert response.status == 201, await response.text()
    return token, (await response.json())["id"]


async def start(client: AppClient, csrf: dict[str, str], session_id: int) -> Any:
    return await client.post(f"/api/sessions/{session_id}/recording/start", headers=csrf)


async def test_consent_and_a_running_call_are_both_needed(
    client: AppClient, world: World, uow: UnitOfWork
) -> None:
    token, session_id = await requested_session(client, world, consent=False)
    csrf = await login(client, "employee")
    # what the call screens read: the organisation records, the code user has not agreed
    own = await (
        await client.get(f"/api/code-user/sessions/{session_id}", headers=bearer(token))
    ).json()
    assert (own["recording_allowed"], own["recording_consent"], own["recording"]) == (
        True,
        False,
        None,
    )
    details = await (await client.get(f"/api/sessions/{session_id}")).json()
    assert details["recording_allowed"] is True

    before = await table_counts(uow)
    await assert_problem(await start(client, csrf, session_id), 403, "recording_consent_missing")
    after = await table_counts(uow)
    assert [after[t] for t in ("recordings", "outbox")] == [
        before[t] for t in ("recordings", "outbox")
    ]

    consent = await client.post(
        f"/api/code-user/sessions/{session_id}/recording-consent", headers=bearer(token)
    )
    assert consent.status == 200, await consent.text()
    given = await consent.json()
    assert given["recording_consent"] is True and given["recording_consent_at"]
    again = await client.post(
        f"/api/code-user/sessions/{session_id}/recording-consent", headers=bearer(token)
    )
    assert (await again.json())["recording_consent_at"] == given["recording_consent_at"]
    details = await (await client.get(f"/api/sessions/{session_id}")).json()
    assert details["recording_consent_at"] == given["recording_consent_at"]
    assert details["recording"] is None

    await assert_problem(await start(client, csrf, session_id), 409, "call_not_running")
    await assert_problem(
        await client.post(f"/api/sessions/{session_id}/recording/stop", headers=csrf),
        409,
        "not_recording",
    )


async def test_consent_at_request_time_counts(client: AppClient, world: World) -> None:
    _, session_id = await requested_session(client, world, consent=True)
    csrf = await login(client, "employee")
    # consent is there, so the next hurdle is the call
    await assert_problem(await start(client, csrf, session_id), 409, "call_not_running")


async def test_an_organisation_that_does_not_record_refuses_consent_and_start(
    client: AppClient, world: World
) -> None:
    _, session_id = await requested_session(client, world, consent=True)
    admin = await login(client, "admin")
    organisation = await (await client.get("/api/organisation")).json()
    changed = await client.patch(
        "/api/organisation",
        json={"settings": {**organisation["settings"], "recording_allowed": False}},
        headers=admin,
    )
    assert changed.status == 200, await changed.text()
    assert (await (await client.get(f"/api/sessions/{session_id}")).json())[
        "recording_allowed"
    ] is False

    await assert_problem(await start(client, admin, session_id), 403, "recording_not_allowed")
    token, other = await requested_session(client, world, consent=False)
    await assert_problem(
        await client.post(
            f"/api/code-user/sessions/{other}/recording-consent", headers=bearer(token)
        ),
        403,
        "recording_not_allowed",
    )


async def test_only_the_sessions_own_people_reach_recording_endpoints(
    client: AppClient, world: World
) -> None:
    token, session_id = await requested_session(client, world, consent=False)
    stranger, _ = await open_device(client, world.device_code)
    await assert_problem(
        await client.post(
            f"/api/code-user/sessions/{session_id}/recording-consent", headers=bearer(stranger)
        ),
        404,
    )
    # a code user's token does not open the employee's endpoint
    await assert_problem(
        await client.post(f"/api/sessions/{session_id}/recording/start", headers=bearer(token)),
        401,
    )
    csrf = await login(client, "foreign")
    await assert_problem(await start(client, csrf, session_id), 404)
