"""Intake of Janus events: what the event handler reports becomes call legs and statuses.

Janus's sample event handler POSTs JSON arrays of events to ``POST /janus/events``
(HTTP basic auth: ``FERNBLICK_JANUS_EVENT_USER`` / ``_PASSWORD``). Of the many event
types only a few matter for calls (see ``docs/decisions/0004-janus-events.md``):

| type | event | meaning here |
| --- | --- | --- |
| 64 plugin | VideoRoom ``joined`` with ``room`` and ``token`` | a publisher leg of a call starts |
| 32 media, subtype 1 | ``{"mid", "receiving": true/false}`` | that leg's media flows or stopped |
| 16 webrtc, subtype 6 | ``{"connection": "hangup"}`` | the leg's PeerConnection is gone |
| 2 handle | ``detached`` | the leg's handle is gone |
| 1 session | ``destroyed`` / ``timeout`` | every leg of that Janus session is gone |

After recording a batch, each touched call is evaluated: both sides flowing
starts it, both gone ends it (``call_media.py``). ``emitter`` (the node's
``server_name``) must be a node of the pool; events of other emitters are ignored.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from aiohttp import web
from pydantic import BaseModel, ConfigDict, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from orchestrator.actions import call_media
from orchestrator.actions.unit_of_work import UnitOfWork
from orchestrator.domain.errors import FernblickError, MalformedRequest, NotAuthenticated
from orchestrator.janus.admin import VIDEOROOM_PLUGIN
from orchestrator.settings import Settings

log = logging.getLogger(__name__)

SESSION_EVENT = 1
HANDLE_EVENT = 2
WEBRTC_EVENT = 16
MEDIA_EVENT = 32
PLUGIN_EVENT = 64
WEBRTC_PEER_CONNECTION_STATE = 6
MEDIA_STATE = 1


class JanusEvent(BaseModel):
    """The shared header of every Janus event; ``event`` is the type-specific body."""

    model_config = ConfigDict(extra="ignore")

    emitter: str | None = None
    type: int
    subtype: int | None = None
    session_id: int | None = None
    handle_id: int | None = None
    event: dict[str, Any] = {}


def parse_batch(body: Any) -> list[JanusEvent]:
    """One POST's events (an array when grouping is on, else one object)."""
    items = body if isinstance(body, list) else [body]
    events = []
    for item in items:
        try:
            events.append(JanusEvent.model_validate(item))
        except ValidationError:
            log.debug("ignoring a Janus event that is not one: %.200r", item)
    return events


@dataclass(frozen=True)
class LegJoined:
    handle_id: int
    janus_session_id: int
    room_id: str
    token: str


@dataclass(frozen=True)
class LegMedia:
    handle_id: int
    mid: str
    receiving: bool


@dataclass(frozen=True)
class LegLeft:
    handle_id: int | None = None
    janus_session_id: int | None = None


LegUpdate = LegJoined | LegMedia | LegLeft


def leg_update(event: JanusEvent) -> LegUpdate | None:
    """What ``event`` says about a call leg (the table in the module docstring), if anything.

    Pure, so that a batch of statistics opens no transaction at all.
    """
    body = event.event
    if event.type == PLUGIN_EVENT and body.get("plugin") == VIDEOROOM_PLUGIN:
        data = body.get("data") or {}
        room, token = data.get("room"), data.get("token")
        if (
            data.get("event") == "joined"
            and event.handle_id
            and event.session_id
            and isinstance(room, str)
            and isinstance(token, str)
        ):
            return LegJoined(event.handle_id, event.session_id, room, token)
        return None
    if event.type == MEDIA_EVENT and event.subtype == MEDIA_STATE and event.handle_id:
        receiving = body.get("receiving")
        if isinstance(receiving, bool):
            return LegMedia(event.handle_id, str(body.get("mid") or body.get("media")), receiving)
        return None
    hung_up = (
        event.type == WEBRTC_EVENT
        and event.subtype == WEBRTC_PEER_CONNECTION_STATE
        and body.get("connection") == "hangup"
    )
    detached = event.type == HANDLE_EVENT and body.get("name") == "detached"
    if (hung_up or detached) and event.handle_id:
        return LegLeft(handle_id=event.handle_id)
    gone = event.type == SESSION_EVENT and body.get("name") in ("destroyed", "timeout")
    if gone and event.session_id:
        return LegLeft(janus_session_id=event.session_id)
    return None


class JanusEventIntake:
    """Applies Janus events to calls; shared by the HTTP intake and other transports."""

    def __init__(self, uow: UnitOfWork, settings: Settings) -> None:
        self.uow = uow
        self.settings = settings
        self.nodes = {node.name for node in settings.janus_nodes}
        self.grace = timedelta(seconds=settings.call_grace_seconds)

    async def handle(self, events: list[JanusEvent]) -> set[int]:
        """Record ``events`` in one transaction, then evaluate the calls they touched."""
        updates = [
            (event.emitter, update)
            for event in events
            if event.emitter is not None
            and event.emitter in self.nodes
            and (update := leg_update(event)) is not None
        ]
        if not updates:
            return set()
        touched: set[int] = set()
        async with self.uow.transaction() as db:
            for node, update in updates:
                touched.update(await _apply(db, node, update))
        for call_id in sorted(touched):
            try:
                async with self.uow.transaction() as db:
                    # The node just spoke to us, so it is alive.
                    await call_media.do_evaluate_call(
                        db, call_id, node_healthy=True, grace=self.grace
                    )
            except FernblickError as error:  # a concurrent change; the sweeper retries
                log.info("call %s not evaluated now: %s", call_id, error.detail)
        return touched


async def _apply(db: AsyncSession, node: str, update: LegUpdate) -> list[int]:
    """Record one leg update; the ids of the calls it concerns."""
    if isinstance(update, LegJoined):
        call_id = await call_media.do_leg_joined(
            db,
            node=node,
            janus_session_id=update.janus_session_id,
            handle_id=update.handle_id,
            room_id=update.room_id,
            token=update.token,
        )
        return [] if call_id is None else [call_id]
    if isinstance(update, LegMedia):
        return await call_media.do_leg_media(
            db, node=node, handle_id=update.handle_id, mid=update.mid, receiving=update.receiving
        )
    return await call_media.do_leg_left(
        db, node=node, handle_id=update.handle_id, janus_session_id=update.janus_session_id
    )


def check_basic_auth(request: web.Request, settings: Settings) -> None:
    """The event handler's ``backend_user``/``backend_pwd``; anything else is refused."""
    header = request.headers.get("Authorization", "")
    scheme, _, encoded = header.partition(" ")
    try:
        user, _, password = base64.b64decode(encoded, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        user, password = "", ""
    expected = settings.janus_event_password.get_secret_value()
    if not (
        scheme.lower() == "basic"
        and hmac.compare_digest(user.encode(), settings.janus_event_user.encode())
        and hmac.compare_digest(password.encode(), expected.encode())
    ):
        raise NotAuthenticated("Janus event intake: wrong or missing basic auth")


INTAKE_KEY = web.AppKey("janus_event_intake", JanusEventIntake)


async def receive_events(request: web.Request) -> web.Response:
    """``POST /janus/events``: authenticate, parse, apply; 200 once recorded.

    An error (database down) answers with a problem document, and Janus retries.
    """
    intake = request.app[INTAKE_KEY]
    check_basic_auth(request, intake.settings)
    try:
        body = json.loads(await request.read() or b"null")
    except (ValueError, UnicodeDecodeError) as exc:
        raise MalformedRequest(f"Janus events must be JSON: {exc}") from exc
    await intake.handle(parse_batch(body))
    return web.Response(status=200, text="ok")
