"""In-call tools over the live WebSocket: who may take part, limits, and relaying.

A browser joins a session's tool channel with ``call.join`` on its ``/api/ws``
connection. Only the session's participants in its active call may join: the code
user of the session and employees who joined the call. Tool messages are checked
(size, rate, schema: ``tool_messages.py``) before anything else happens; a bad one
costs its sender an error frame and nobody else anything. Accepted messages are
stamped with the sender's role and published on the session's fan-out channel, so
that browsers connected to any orchestrator instance receive them.

Screenshot annotations (``elements``) are merged into the stored board first
(``actions/screenshots.py``) and only the edits that changed it are relayed; a
joining browser gets the boards in its ``call.joined``. A ``capture`` request may
come from employees only; ``screenshot`` announcements come from the server, after
the code user's browser uploaded the still (``api/screenshots.py``).

The channel listens to domain events too: when the call ends, every member is told
(``call.closed``) and removed, and the call's screenshots are stored as artifacts.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections.abc import Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web
from pydantic import ValidationError
from sqlalchemy import exists, select

from orchestrator.actions.actors import CodeUserActor, EmployeeActor
from orchestrator.actions.call_records import open_call
from orchestrator.actions.calls import key_of, may_join, side_of
from orchestrator.actions.screenshots import (
    claim_screenshot,
    do_apply_elements,
    do_store_screenshot,
    open_boards,
    unstored_screenshots,
)
from orchestrator.actions.session_access import load_session_for
from orchestrator.actions.unit_of_work import UnitOfWork
from orchestrator.db.models import Participant
from orchestrator.domain.calls import CallSide, CallState
from orchestrator.domain.errors import (
    FernblickError,
    MalformedRequest,
    NotFound,
    PayloadTooLarge,
    PermissionDenied,
    RateLimited,
)
from orchestrator.realtime.fanout import EVENTS_CHANNEL, Fanout, Subscription, session_channel
from orchestrator.realtime.tool_messages import (
    CLIENT_FRAME,
    CLIENT_FRAME_TYPES,
    CaptureRequest,
    ClosedFrame,
    Elements,
    JoinedFrame,
    JoinRequest,
    LeaveRequest,
    ScreenshotShown,
    Sender,
    Tool,
    ToolFrame,
    ToolRequest,
)
from orchestrator.realtime.ws import Client, LiveHub, error_frame
from orchestrator.settings import Settings

log = logging.getLogger(__name__)

ENDING_EVENTS = ("call.ended", "call.declined", "call.missed")


@dataclass(frozen=True)
class ToolLimits:
    """Per connection: the largest frame and a token bucket of frames per second."""

    max_bytes: int
    per_second: float
    burst: int

    @classmethod
    def from_settings(cls, settings: Settings) -> ToolLimits:
        return cls(
            settings.call_tool_max_bytes,
            settings.call_tool_messages_per_second,
            settings.call_tool_burst,
        )


@dataclass
class TokenBucket:
    """A flood is cut off at ``burst`` frames, then ``rate`` per second get through."""

    rate: float
    burst: int
    tokens: float = 0.0
    stamp: float = field(default_factory=time.monotonic)

    def __post_init__(self) -> None:
        self.tokens = float(self.burst)

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


@dataclass(eq=False)
class Member:
    """What the channel knows of one connection: its id, bucket and joined sessions."""

    id: str
    bucket: TokenBucket
    sessions: dict[int, Sender] = field(default_factory=dict)


async def tool_sender(
    uow: UnitOfWork, actor: EmployeeActor | CodeUserActor, session_id: int
) -> Sender:
    """The actor's identity in the session's tools, or an error when it takes no part.

    The session must have an active call; the code user must be the session's own
    (``load_session_for``), an employee a participant (recorded when joining a call).
    """
    async with uow.read() as db:
        session = await load_session_for(db, actor, session_id)
        call = await open_call(db, session.id)
        if call is None or call.state is not CallState.ACTIVE or not may_join(call, actor):
            raise NotFound("the session has no active call", code="no_active_call")
        if isinstance(actor, EmployeeActor):
            joined = await db.scalar(
                select(
                    exists().where(
                        Participant.session_id == session.id,
                        Participant.employee_id == actor.employee_id,
                    )
                )
            )
            if not joined:
                raise PermissionDenied("join the call first", code="not_in_call")
    return Sender(role=side_of(actor), key=key_of(actor))


def first_type(raw: str) -> str | None:
    """The frame's ``type`` when it is one of ours (to tidy error locations)."""
    try:
        kind = json.loads(raw).get("type")
    except (ValueError, AttributeError):
        return None
    return kind if kind in CLIENT_FRAME_TYPES else None


class CallChannel:
    """The in-call tool channels of this orchestrator process."""

    def __init__(
        self, uow: UnitOfWork, fanout: Fanout, hub: LiveHub, limits: ToolLimits, spool: Path
    ) -> None:
        self.uow = uow
        self.spool = spool
        self.fanout = fanout
        self.hub = hub
        self.limits = limits
        self._members: dict[Client, Member] = {}
        self._local: dict[int, set[Client]] = {}
        # per session with members here, the fan-out subscription (made once: joins that
        # arrive while it is on its way wait for it rather than make a second one, which
        # would deliver every frame twice and outlive the last member)
        self._subscriptions: dict[int, asyncio.Task[Subscription]] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    async def handle(self, client: Client, raw: str) -> None:
        """One ``call.*`` frame from ``client``; failures answer with an error frame."""
        member = self._member(client)
        try:
            if len(raw.encode()) > self.limits.max_bytes:
                raise PayloadTooLarge(
                    f"a tool frame may have at most {self.limits.max_bytes} bytes",
                    code="message_too_large",
                )
            if not member.bucket.take():
                raise RateLimited("too many tool frames; slow down", code="rate_limited")
            try:
                frame = CLIENT_FRAME.validate_json(raw)
            except ValidationError as exc:
                first = exc.errors()[0]
                # the first part of a location is the union's tag (the frame's type)
                parts = [str(part) for part in first["loc"]]
                where = ".".join(parts[1:] if parts[:1] == [first_type(raw)] else parts)
                raise MalformedRequest(
                    f"{where}: {first['msg']}", field=where or None, code="malformed_message"
                ) from None
            if isinstance(frame, JoinRequest):
                await self._join(client, member, frame.session_id)
            elif isinstance(frame, LeaveRequest):
                await self._leave(client, member, frame.session_id)
            else:
                await self._relay(member, frame)
        except FernblickError as error:
            self._send(client, error_frame(error))

    async def forget(self, client: Client) -> None:
        """The connection closed: leave every session it joined."""
        member = self._members.pop(client, None)
        if member is None:
            return
        for session_id in list(member.sessions):
            await self._leave(client, member, session_id)

    def on_event(self, _channel: str, message: dict[str, Any]) -> None:
        """Fan-out callback for domain events: a call that ends closes its tools and
        has its screenshots stored (by one orchestrator: ``claim_screenshot``)."""
        if message.get("type") not in ENDING_EVENTS:
            return
        session_id = message.get("payload", {}).get("session", {}).get("id")
        if not isinstance(session_id, int):
            return
        self._spawn(self.store_screenshots(session_id))
        if session_id not in self._local:
            return
        closed = ClosedFrame(type="call.closed", session_id=session_id, reason=message["type"])
        for client in list(self._local.get(session_id, ())):
            self._send(client, closed.model_dump(mode="json"))
            member = self._members.get(client)
            if member is not None:
                member.sessions.pop(session_id, None)
        self._local.pop(session_id, None)
        subscription = self._subscriptions.pop(session_id, None)
        if subscription is not None:
            # Callbacks must not block: unsubscribing waits for Redis, so it runs later.
            self._spawn(self._unsubscribe(subscription))

    async def store_screenshots(self, session_id: int) -> None:
        """Originals and rendered annotated images become the session's artifacts."""
        async with self.uow.read() as db:
            ids = await unstored_screenshots(db, session_id)
        for shot_id in ids:
            try:
                async with self.uow.transaction() as db:
                    if await claim_screenshot(db, shot_id):
                        await do_store_screenshot(db, shot_id, self.spool)
            except (FernblickError, OSError):
                log.exception("storing screenshot %s of session %s failed", shot_id, session_id)

    async def announce(self, session_id: int, sender: Sender, tool: Tool) -> None:
        """A tool message from the server (a new screenshot) to every member."""
        frame = ToolFrame(type="call.tool", session_id=session_id, sender=sender, tool=tool)
        await self.fanout.publish(
            {"origin": "", "frame": frame.model_dump(mode="json")}, session_channel(session_id)
        )

    def members_of(self, session_id: int) -> int:
        """Local connections joined to the session (for tests and operators)."""
        return len(self._local.get(session_id, ()))

    async def close(self) -> None:
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for subscription in self._subscriptions.values():
            await self._unsubscribe(subscription)
        self._subscriptions.clear()
        self._local.clear()

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _member(self, client: Client) -> Member:
        member = self._members.get(client)
        if member is None:
            bucket = TokenBucket(self.limits.per_second, self.limits.burst)
            member = self._members[client] = Member(uuid.uuid4().hex, bucket)
        return member

    async def _join(self, client: Client, member: Member, session_id: int) -> None:
        sender = await tool_sender(self.uow, client.actor, session_id)
        member.sessions[session_id] = sender
        self._local.setdefault(session_id, set()).add(client)
        subscription = self._subscriptions.get(session_id)
        if subscription is None:
            subscription = self._subscriptions[session_id] = asyncio.create_task(
                self.fanout.subscribe(
                    session_channel(session_id),
                    lambda _channel, message: self._deliver(session_id, message),
                )
            )
        try:
            await asyncio.shield(subscription)
        except Exception:
            # not made: the next join tries again
            if self._subscriptions.get(session_id) is subscription:
                del self._subscriptions[session_id]
            raise
        async with self.uow.read() as db:
            boards = await open_boards(db, session_id)
        joined = JoinedFrame(
            type="call.joined", session_id=session_id, sender=sender, boards=boards
        )
        self._send(client, joined.model_dump(mode="json"))

    async def _leave(self, client: Client, member: Member, session_id: int) -> None:
        member.sessions.pop(session_id, None)
        local = self._local.get(session_id)
        if local is None:
            return
        local.discard(client)
        if local:
            return
        self._local.pop(session_id, None)
        subscription = self._subscriptions.pop(session_id, None)
        if subscription is not None:
            await self._unsubscribe(subscription)

    async def _relay(self, member: Member, request: ToolRequest) -> None:
        sender = member.sessions.get(request.session_id)
        if sender is None:
            raise PermissionDenied("send call.join for this session first", code="not_joined")
        tool = request.tool
        if isinstance(tool, ScreenshotShown):
            raise PermissionDenied("screenshots are announced by the server", code="server_only")
        if isinstance(tool, CaptureRequest) and sender.role is not CallSide.EMPLOYEE:
            raise PermissionDenied("only employees take screenshots", code="employees_only")
        if isinstance(tool, Elements):
            async with self.uow.transaction() as db:
                changed = await do_apply_elements(
                    db, request.session_id, tool.screenshot_id, sender, tool.elements
                )
            if not changed:
                return
            tool = Elements(kind="elements", screenshot_id=tool.screenshot_id, elements=changed)
        frame = ToolFrame(type="call.tool", session_id=request.session_id, sender=sender, tool=tool)
        await self.fanout.publish(
            {"origin": member.id, "frame": frame.model_dump(mode="json")},
            session_channel(request.session_id),
        )

    async def _unsubscribe(self, subscription: asyncio.Task[Subscription]) -> None:
        """Unsubscribe once the subscription is made (it may still be on its way)."""
        try:
            made = await subscription
        except Exception:
            return  # never made (the join that made it reported why): nothing to undo
        await self.fanout.unsubscribe(made)

    def _deliver(self, session_id: int, message: dict[str, Any]) -> None:
        origin, frame = message.get("origin"), message.get("frame")
        if not isinstance(frame, dict):
            log.warning("ignoring a malformed tool message on session %s", session_id)
            return
        for client in list(self._local.get(session_id, ())):
            member = self._members.get(client)
            if member is not None and member.id != origin:
                self._send(client, frame)

    def _send(self, client: Client, frame: dict[str, Any]) -> None:
        if not client.offer(frame):
            self.hub.drop(client)


async def attach_tools(
    app: web.Application, uow: UnitOfWork, fanout: Fanout, hub: LiveHub, settings: Settings
) -> tuple[CallChannel, Subscription]:
    """Give ``hub`` (and the API, under ``TOOLS_KEY``) the in-call tools; detach with
    ``detach_tools``."""
    spool = settings.storage_dir / "spool"
    channel = CallChannel(uow, fanout, hub, ToolLimits.from_settings(settings), spool)
    hub.tools = channel
    app[TOOLS_KEY] = channel
    return channel, await fanout.subscribe(EVENTS_CHANNEL, channel.on_event)


async def detach_tools(attached: tuple[CallChannel, Subscription], fanout: Fanout) -> None:
    channel, subscription = attached
    await fanout.unsubscribe(subscription)
    await channel.close()


TOOLS_KEY = web.AppKey("call_tools", CallChannel)
