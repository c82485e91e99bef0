"""One VideoRoom room per video session, and the join tickets that let participants in.

``open_room`` places a room on the least-loaded node with a random id, secret
and pin, and with its join ACL switched on (an empty ``allowed`` list), so
nobody can join yet. ``admit`` makes one participant token, valid for the
VideoRoom plugin only (admin ``add_token``) and on the room's ACL, and returns
the ticket the browser needs: the node's public URL, room, pin, token and ICE
servers. The token acts twice: as the Janus API ``token`` of every request
(core token auth, instead of the api secret) and as the ``token`` of the
``join`` request (room ACL), so a token admitted to one room opens no other.
``close_room`` destroys the room and revokes every token made for it.

Tokens are named ``<room id>.<participant key>.<random>`` so that they can be
found again on the node (``list_tokens``) without the orchestrator storing them.
"""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from orchestrator.auth.turn import ice_servers
from orchestrator.domain.errors import InvalidInput
from orchestrator.janus.errors import JanusRoomNotFound, JanusUnreachable
from orchestrator.janus.pool import JanusNodeConnection, JanusPool
from orchestrator.janus.videoroom import RoomOptions
from orchestrator.settings import Settings

KEY_PATTERN = re.compile(r"^[A-Za-z0-9_:-]{1,64}$")


class RoomInfo(BaseModel):
    """Where a session's room lives and its secrets; stored on the session row, never sent."""

    model_config = ConfigDict(frozen=True)

    node: str
    room_id: str
    secret: str
    pin: str


class JoinTicket(BaseModel):
    """What one browser needs to join one room; safe to send to that browser."""

    model_config = ConfigDict(frozen=True)

    janus_url: str
    room_id: str
    pin: str
    token: str
    display: str
    ice_servers: list[dict[str, Any]]
    expires_at: datetime


def _checked_key(kind: str, key: str) -> str:
    if not KEY_PATTERN.match(key):
        raise InvalidInput(f"{kind} must be 1-64 letters, digits, '-', '_' or ':'", field=kind)
    return key


def _token_prefix(room_id: str, participant_key: str | None = None) -> str:
    return f"{room_id}." if participant_key is None else f"{room_id}.{participant_key}."


class RoomService:
    """Opens, admits to and closes session rooms on the pool's nodes."""

    def __init__(
        self,
        pool: JanusPool,
        settings: Settings,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._pool = pool
        self._settings = settings
        self._clock = clock

    async def open_room(self, session_key: str) -> RoomInfo:
        """Create the room of one video session on the least-loaded healthy node.

        A node that turns out unreachable is marked unhealthy at once and the
        next node is tried, so a crashed node costs no failed call set-up even
        before the next health check; with no node left, ServiceUnavailable.
        """
        _checked_key("session_key", session_key)
        await self._pool.refresh_open_calls()
        while True:
            node = self._pool.place()
            try:
                return await self._create_room(node, session_key)
            except JanusUnreachable as error:
                node.mark_unhealthy(str(error))

    async def _create_room(self, node: JanusNodeConnection, session_key: str) -> RoomInfo:
        room = RoomInfo(
            node=node.name,
            room_id=f"{session_key}-{secrets.token_urlsafe(12)}",
            secret=secrets.token_urlsafe(24),
            pin=f"{secrets.randbelow(10**8):08d}",
        )
        try:
            await (await node.videoroom()).create(
                RoomOptions(
                    room=room.room_id,
                    secret=room.secret,
                    pin=room.pin,
                    description=f"Fernblick session {session_key}",
                    allowed=[],
                )
            )
        except BaseException:
            node.count_closed_room()
            raise
        return room

    async def admit(self, room: RoomInfo, participant_key: str) -> JoinTicket:
        """A join ticket for one participant; their earlier tokens for the room stop working."""
        _checked_key("participant_key", participant_key)
        node = self._pool.node(room.node)
        await self._revoke_tokens(node, room, _token_prefix(room.room_id, participant_key))
        token = f"{_token_prefix(room.room_id, participant_key)}{secrets.token_urlsafe(24)}"
        await node.admin.add_token(token)
        await (await node.videoroom()).allowed(room.room_id, room.secret, "add", [token])
        now = self._clock()
        return JoinTicket(
            janus_url=node.node.public_url,
            room_id=room.room_id,
            pin=room.pin,
            token=token,
            display=participant_key,
            ice_servers=ice_servers(self._settings, participant_key, now=now),
            expires_at=datetime.fromtimestamp(now + self._settings.turn_ttl_seconds, UTC),
        )

    async def revoke(self, room: RoomInfo, participant_key: str) -> None:
        """Shut one participant out: tokens revoked, then kicked from the room."""
        _checked_key("participant_key", participant_key)
        node = self._pool.node(room.node)
        await self._revoke_tokens(node, room, _token_prefix(room.room_id, participant_key))
        videoroom = await node.videoroom()
        for participant in await videoroom.list_participants(room.room_id):
            if participant.display == participant_key:
                await videoroom.kick(room.room_id, room.secret, participant.id)

    async def close_room(self, room: RoomInfo) -> None:
        """Destroy the room (if still there) and revoke all its tokens; idempotent."""
        node = self._pool.node(room.node)
        try:
            await (await node.videoroom()).destroy(room.room_id, room.secret)
            node.count_closed_room()
        except JanusRoomNotFound:
            pass
        await self._revoke_tokens(node, None, _token_prefix(room.room_id))

    async def _revoke_tokens(
        self, node: JanusNodeConnection, room: RoomInfo | None, prefix: str
    ) -> None:
        """Remove the node's tokens starting with ``prefix`` (and from the room's ACL)."""
        tokens = [token for token in await node.admin.list_tokens() if token.startswith(prefix)]
        for token in tokens:
            await node.admin.remove_token(token)
        if room is not None and tokens:
            await (await node.videoroom()).allowed(room.room_id, room.secret, "remove", tokens)
