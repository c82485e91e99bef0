"""Code-user endpoints: open a device, request, withdraw, own sessions, rate, invites."""

from __future__ import annotations

from orchestrator.actions import session_access, session_edits
from orchestrator.actions import sessions as actions
from orchestrator.actions.auth import do_open_device
from orchestrator.actions.invites import do_accept_invite
from orchestrator.actions.organisation import load_organisation
from orchestrator.api.identity import bearer_token
from orchestrator.api.routing import Api, Call, Empty
from orchestrator.api.schemas import (
    AcceptedInviteOut,
    AcceptInviteIn,
    CodeUserSession,
    OpenDeviceIn,
    OpenedDeviceOut,
    PublicDevice,
    RateIn,
    RequestFlow,
    RequestSessionIn,
)
from orchestrator.db.models import Device
from orchestrator.domain.org_settings import OrganisationSettings
from orchestrator.domain.types import RequestPolicy
from orchestrator.queries.sessions import code_user_session, code_user_sessions

api = Api()
TAG = "code users"
SESSION = "/api/code-user/sessions/{session_id:\\d+}"


@api.route(
    "POST",
    "/api/code-user/open",
    summary="Open a device by its QR code (identifies the code user)",
    tag=TAG,
    auth="public",
    body=OpenDeviceIn,
    response=OpenedDeviceOut,
)
async def open_device(call: Call[OpenDeviceIn, Empty]) -> OpenedDeviceOut:
    async with call.uow.transaction() as db:
        opened = await do_open_device(db, call.body.code, bearer_token(call.request))
        org = await load_organisation(db, opened.device.organisation_id)
    settings = OrganisationSettings.model_validate(org.settings)
    device = opened.device
    return OpenedDeviceOut(
        device=PublicDevice(
            id=device.id,
            name=device.name,
            location=device.location,
            picture_url=device.picture_url,
            assistant=device.assistant,
        ),
        organisation_name=org.name,
        code_user_id=opened.actor.code_user_id,
        token=opened.new_token,
        request_flow=RequestFlow(
            may_request=settings.who_may_request is RequestPolicy.ANYONE,
            steps=settings.request_steps,
            labels=settings.labels,
            recording_allowed=settings.recording_allowed,
            contact_hint=settings.request_contact_hint,
        ),
    )


@api.route(
    "POST",
    "/api/code-user/sessions",
    summary="Request a video session",
    tag=TAG,
    auth="code_user",
    body=RequestSessionIn,
    response=CodeUserSession,
    status=201,
)
async def request_session(call: Call[RequestSessionIn, Empty]) -> CodeUserSession:
    body = call.body
    async with call.uow.transaction() as db:
        session = await actions.do_request_session(
            db,
            call.code_user,
            device_id=body.device_id,
            reason=body.reason,
            contact=body.contact,
            name=body.name,
            labels=body.labels,
            recording_consent=body.recording_consent,
        )
        return await code_user_session(db, call.code_user, session)


@api.route(
    "GET",
    "/api/code-user/sessions",
    summary="The code user's own public sessions",
    tag=TAG,
    auth="code_user",
    response=list[CodeUserSession],
)
async def own_sessions(call: Call[Empty, Empty]) -> list[CodeUserSession]:
    async with call.uow.read() as db:
        return await code_user_sessions(db, call.code_user)


@api.route(
    "GET",
    SESSION,
    summary="One of the code user's sessions",
    tag=TAG,
    auth="code_user",
    response=CodeUserSession,
)
async def own_session(call: Call[Empty, Empty]) -> CodeUserSession:
    async with call.uow.read() as db:
        session = await session_access.load_session_for(
            db, call.code_user, call.path_id("session_id")
        )
        return await code_user_session(db, call.code_user, session)


@api.route(
    "POST",
    SESSION + "/withdraw",
    summary="Withdraw a request",
    tag=TAG,
    auth="code_user",
    response=CodeUserSession,
)
async def withdraw(call: Call[Empty, Empty]) -> CodeUserSession:
    async with call.uow.transaction() as db:
        session = await actions.do_withdraw(
            db, call.code_user, call.path_id("session_id"), expected_version=call.if_match()
        )
        return await code_user_session(db, call.code_user, session)


@api.route(
    "POST",
    SESSION + "/rating",
    summary="Rate a finished session",
    tag=TAG,
    auth="code_user",
    body=RateIn,
    response=CodeUserSession,
    status=201,
)
async def rate(call: Call[RateIn, Empty]) -> CodeUserSession:
    session_id = call.path_id("session_id")
    async with call.uow.transaction() as db:
        await session_edits.do_rate(
            db, call.code_user, session_id, stars=call.body.stars, comment=call.body.comment
        )
        session = await session_access.load_session_for(db, call.code_user, session_id)
        return await code_user_session(db, call.code_user, session)


@api.route(
    "POST",
    "/api/code-user/invites/accept",
    summary="Open an invite link",
    tag=TAG,
    auth="public",
    body=AcceptInviteIn,
    response=AcceptedInviteOut,
)
async def accept_invite(call: Call[AcceptInviteIn, Empty]) -> AcceptedInviteOut:
    async with call.uow.transaction() as db:
        accepted = await do_accept_invite(db, call.body.token, call.identity.code_user)
        org = await load_organisation(db, accepted.session.organisation_id)
        device = (
            await db.get(Device, accepted.session.device_id) if accepted.session.device_id else None
        )
        return AcceptedInviteOut(
            session=await code_user_session(db, accepted.actor, accepted.session),
            code_user_id=accepted.actor.code_user_id,
            organisation_name=org.name,
            device_code=device.code if device else None,
            token=accepted.new_token,
        )
