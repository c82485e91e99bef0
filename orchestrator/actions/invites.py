"""Invite links: a tokenized URL an employee hands to a code user for a session."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from orchestrator.actions.actors import CodeUserActor, EmployeeActor
from orchestrator.actions.clock import now
from orchestrator.actions.session_access import load_session_for, stage_event
from orchestrator.auth.tokens import new_token, token_hash
from orchestrator.db.models import CodeUser, Invite, Participant, VideoSession
from orchestrator.domain.errors import Conflict, NotFound
from orchestrator.domain.types import ParticipantKind, SessionStatus


@dataclass(frozen=True)
class CreatedInvite:
    token: str
    expires_at: datetime


async def do_create_invite(
    db: AsyncSession, actor: EmployeeActor, session_id: int, *, valid_hours: int
) -> CreatedInvite:
    session = await load_session_for(db, actor, session_id)
    if session.status is SessionStatus.CANCELLED:
        raise Conflict("a cancelled session cannot be shared", code="session_cancelled")
    token = new_token("inv_")
    expires_at = datetime.now(UTC) + timedelta(hours=valid_hours)
    db.add(
        Invite(
            session_id=session.id,
            token_hash=token_hash(token),
            created_by_id=actor.employee_id,
            created_at=now(),
            expires_at=expires_at,
        )
    )
    return CreatedInvite(token, expires_at)


@dataclass(frozen=True)
class AcceptedInvite:
    session: VideoSession
    actor: CodeUserActor
    new_token: str | None


async def do_accept_invite(
    db: AsyncSession, invite_token: str, code_user: CodeUserActor | None
) -> AcceptedInvite:
    """Opening the link makes its opener a code user of the session.

    A link works until it expires, for one code user: re-opening it from the same
    identity is fine, another identity gets 409.
    """
    invite = await db.scalar(select(Invite).where(Invite.token_hash == token_hash(invite_token)))
    if invite is None or invite.expires_at <= datetime.now(UTC):
        raise NotFound("this invite link is unknown or has expired", code="invite_invalid")
    session = await db.get(VideoSession, invite.session_id)
    if session is None or session.status is SessionStatus.CANCELLED:
        raise NotFound("this invite link is unknown or has expired", code="invite_invalid")
    fresh: str | None = None
    if code_user is None or code_user.organisation_id != session.organisation_id:
        fresh = new_token("cu_")
        row = CodeUser(
            organisation_id=session.organisation_id,
            device_id=session.device_id,
            token_hash=token_hash(fresh),
        )
        db.add(row)
        await db.flush()
        code_user = CodeUserActor(row.id, session.organisation_id)
    if invite.used_by_id is not None and invite.used_by_id != code_user.code_user_id:
        raise Conflict("this invite link was already used by someone else", code="invite_used")
    if invite.used_by_id is None:
        invite.used_by_id = code_user.code_user_id
        invite.used_at = now()
    joined = await db.scalar(
        select(
            exists().where(
                Participant.session_id == session.id,
                Participant.code_user_id == code_user.code_user_id,
            )
        )
    )
    if not joined:
        db.add(
            Participant(
                session_id=session.id,
                kind=ParticipantKind.CODE_USER,
                code_user_id=code_user.code_user_id,
                joined_at=now(),
            )
        )
    if session.requester_id is None:
        session.requester_id = code_user.code_user_id
        session.updated_at = now()
        await stage_event(db, "session.updated", session, code_user, changes=["requester"])
    session = await load_session_for(db, code_user, session.id)
    return AcceptedInvite(session, code_user, fresh)
