"""Typed VideoRoom requests over one plugin handle (string room ids).

Room management (create, destroy, edit, exists, list, listparticipants,
allowed, kick) and RTP forwarding (rtp_forward, stop_rtp_forward,
listforwarders). The orchestrator's handle holds the plugin's ``admin_key``,
needed for ``create`` and, with ``lock_rtp_forward = true``, for forwarding;
room-level requests carry the room's own secret.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from orchestrator.janus.client import JanusHandle, JsonObject


class RoomOptions(BaseModel):
    """What a new room looks like; names follow the VideoRoom ``create`` request."""

    room: str
    secret: str
    pin: str | None = None
    description: str = ""
    is_private: bool = True
    publishers: int = 4
    bitrate: int = 1_024_000
    fir_freq: int = 10
    audiocodec: str = "opus"
    videocodec: str = "vp8"
    notify_joining: bool = True
    allowed: list[str] | None = Field(
        default=None, description="join tokens; a list (even empty) turns the room ACL on"
    )

    def to_request(self) -> JsonObject:
        return self.model_dump(exclude_none=True)


class RoomSummary(BaseModel):
    """One entry of ``list`` (only the fields Fernblick reads)."""

    model_config = ConfigDict(extra="ignore")

    room: str
    description: str = ""
    pin_required: bool = False
    is_private: bool = False
    max_publishers: int = 0
    num_participants: int = 0


class Participant(BaseModel):
    """One entry of ``listparticipants``."""

    model_config = ConfigDict(extra="ignore")

    id: str
    display: str | None = None
    publisher: bool = False
    talking: bool | None = None


class ForwardStream(BaseModel):
    """One publisher stream to forward: its ``mid`` to a local UDP port."""

    mid: str
    port: int
    pt: int | None = None
    ssrc: int | None = None
    rtcp_port: int | None = None
    host: str | None = None


class Forwarder(BaseModel):
    """One running RTP forwarder as Janus reports it."""

    model_config = ConfigDict(extra="ignore")

    stream_id: int
    type: Literal["audio", "video", "data"]
    host: str
    port: int
    local_rtcp_port: int | None = None
    remote_rtcp_port: int | None = None
    ssrc: int | None = None
    pt: int | None = None


class VideoRoom:
    """VideoRoom requests on ``handle``; ``admin_key`` is sent where Janus wants it."""

    def __init__(self, handle: JanusHandle, admin_key: str | None = None) -> None:
        self.handle = handle
        self._admin_key = admin_key

    async def _request(self, body: JsonObject, *, with_admin_key: bool = False) -> JsonObject:
        if with_admin_key and self._admin_key is not None:
            body = {**body, "admin_key": self._admin_key}
        response = await self.handle.message(body)
        return response.data

    async def create(self, options: RoomOptions) -> str:
        """Create a room (never permanent); its id."""
        data = await self._request(
            {"request": "create", "permanent": False, **options.to_request()},
            with_admin_key=True,
        )
        return str(data["room"])

    async def destroy(self, room: str, secret: str) -> None:
        """Destroy the room; everyone in it is kicked out."""
        await self._request({"request": "destroy", "room": room, "secret": secret})

    async def edit(self, room: str, secret: str, **changes: Any) -> None:
        """Change ``new_pin``, ``new_secret``, ``new_description`` and the like."""
        await self._request({"request": "edit", "room": room, "secret": secret, **changes})

    async def exists(self, room: str) -> bool:
        data = await self._request({"request": "exists", "room": room})
        return bool(data.get("exists"))

    async def list_rooms(self) -> list[RoomSummary]:
        """All rooms, private ones included (the admin key reveals them)."""
        data = await self._request({"request": "list"}, with_admin_key=True)
        return [RoomSummary.model_validate(entry) for entry in data.get("list", [])]

    async def list_participants(self, room: str) -> list[Participant]:
        data = await self._request({"request": "listparticipants", "room": room})
        return [Participant.model_validate(entry) for entry in data.get("participants", [])]

    async def allowed(
        self,
        room: str,
        secret: str,
        action: Literal["enable", "disable", "add", "remove"],
        tokens: list[str] | None = None,
    ) -> list[str]:
        """Change the room's join ACL; the complete token list afterwards."""
        body: JsonObject = {"request": "allowed", "room": room, "secret": secret, "action": action}
        if tokens is not None:
            body["allowed"] = tokens
        data = await self._request(body)
        return [str(token) for token in data.get("allowed", [])]

    async def kick(self, room: str, secret: str, participant_id: str) -> None:
        """Throw a participant out (they may rejoin unless their token is revoked)."""
        await self._request(
            {"request": "kick", "room": room, "secret": secret, "id": participant_id}
        )

    async def rtp_forward(
        self,
        room: str,
        secret: str,
        publisher_id: str,
        streams: list[ForwardStream],
        host: str = "127.0.0.1",
    ) -> list[Forwarder]:
        """Forward a publisher's streams as plain RTP to ``host``; the new forwarders.

        Needs the room secret and (``lock_rtp_forward``) the plugin's admin key.
        """
        data = await self._request(
            {
                "request": "rtp_forward",
                "room": room,
                "secret": secret,
                "publisher_id": publisher_id,
                "host": host,
                "streams": [stream.model_dump(exclude_none=True) for stream in streams],
            },
            with_admin_key=True,
        )
        return [Forwarder.model_validate(entry) for entry in data.get("forwarders", [])]

    async def stop_rtp_forward(
        self, room: str, secret: str, publisher_id: str, stream_id: int
    ) -> None:
        await self._request(
            {
                "request": "stop_rtp_forward",
                "room": room,
                "secret": secret,
                "publisher_id": publisher_id,
                "stream_id": stream_id,
            },
            with_admin_key=True,
        )

    async def list_forwarders(self, room: str, secret: str) -> dict[str, list[Forwarder]]:
        """Running forwarders per publisher id."""
        data = await self._request({"request": "listforwarders", "room": room, "secret": secret})
        return {
            str(entry["publisher_id"]): [
                Forwarder.model_validate(forwarder) for forwarder in entry.get("forwarders", [])
            ]
            for entry in data.get("publishers", [])
        }
