"""The live-update WebSocket ``/api/ws``: a snapshot first, then numbered events.

Each connection has one reader (the handler loop), one writer task (the only code
that writes to the socket, with a deadline) and a bounded queue between the hub and
the writer. A client that sees a gap in ``seq`` (or receives ``resync``) asks for a
new snapshot with ``{"type": "snapshot"}``. A client too slow to keep up is closed
with code 4000 and reconnects, which also gives it a fresh snapshot.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from dataclasses import dataclass, field
from typing import Any, Protocol

from aiohttp import WSMsgType, web

from orchestrator.actions.actors import CodeUserActor, EmployeeActor
from orchestrator.actions.unit_of_work import UnitOfWork
from orchestrator.api.identity import identify
from orchestrator.api.schemas import SessionListQuery
from orchestrator.domain.errors import FernblickError, NotAuthenticated
from orchestrator.domain.types import SessionStatus, Visibility
from orchestrator.events.schemas import Event
from orchestrator.queries.sessions import code_user_sessions, list_sessions

log = logging.getLogger(__name__)

SEND_DEADLINE_SECONDS = 10.0
OPEN_STATUSES = [SessionStatus.REQUESTED, SessionStatus.CONFIRMED, SessionStatus.RUNNING]


def error_frame(error: FernblickError) -> dict[str, Any]:
    """The one mapping of our errors onto WebSocket frames."""
    return {
        "type": "error",
        "code": error.error_code,
        "status": error.status,
        "detail": error.detail,
        "field": error.field,
    }


def audience_view(event: Event, actor: EmployeeActor | CodeUserActor) -> dict[str, Any] | None:
    """What ``actor`` may see of ``event``: employees their organisation's sessions,
    code users their own public sessions (without internal fields)."""
    ref = event.payload.session
    if ref.organisation_id != actor.organisation_id:
        return None
    if isinstance(actor, EmployeeActor):
        return event.model_dump(mode="json")
    own = actor.code_user_id in ref.code_user_ids or ref.requester_id == actor.code_user_id
    if not own or ref.visibility is not Visibility.PUBLIC:
        return None
    payload: dict[str, Any] = {
        "session": {
            "id": ref.id,
            "number": ref.number,
            "title": ref.title,
            "status": ref.status,
            "version": ref.version,
        },
        "previous_status": event.payload.previous_status,
    }
    if event.type.startswith(("call.", "recording.", "marker.")):
        # call id, caller, reason, recording id, marker id: the call screen needs them
        payload["data"] = event.payload.data
    return {
        "id": event.id,
        "type": event.type,
        "occurred_at": event.occurred_at.isoformat(),
        "payload": payload,
    }


class ToolFrames(Protocol):
    """The in-call tools (``call_channel.py``): frames whose type starts with ``call.``."""

    async def handle(self, client: Client, raw: str) -> None: ...

    async def forget(self, client: Client) -> None: ...


@dataclass(eq=False)
class Client:
    actor: EmployeeActor | CodeUserActor
    socket: web.WebSocketResponse
    queue: asyncio.Queue[dict[str, Any] | None]
    seq: int = 0
    recent: list[str] = field(default_factory=list)
    #: While a snapshot is being read, frames wait here, so that the snapshot is
    #: always sent before anything that happened while it was read.
    held: list[dict[str, Any]] | None = field(default_factory=list)

    def offer(self, frame: dict[str, Any]) -> bool:
        """Queue a frame for the writer; False when the client cannot keep up."""
        if self.held is not None:
            if len(self.held) >= self.queue.maxsize:
                return False
            self.held.append(frame)
            return True
        try:
            self.queue.put_nowait(frame)
        except asyncio.QueueFull:
            return False
        return True

    def hold(self) -> None:
        if self.held is None:
            self.held = []

    def release_with(self, snapshot: dict[str, Any]) -> bool:
        """Send ``snapshot``, then the frames held while it was read."""
        held, self.held = self.held or [], None
        return all(self.offer(frame) for frame in [snapshot, *held])


class LiveHub:
    """The connected clients of this orchestrator process, fed by the fan-out."""

    def __init__(self, uow: UnitOfWork, queue_size: int, heartbeat_seconds: float = 20.0) -> None:
        self.uow = uow
        self.queue_size = queue_size
        self.heartbeat_seconds = heartbeat_seconds
        self.clients: set[Client] = set()
        self.tools: ToolFrames | None = None

    def on_message(self, channel: str, message: dict[str, Any]) -> None:
        """Fan-out callback for the events channel (must not block)."""
        try:
            event = Event.model_validate(message)
        except ValueError:
            log.warning("ignoring a malformed event on %s", channel)
            return
        self.deliver(event)

    def deliver(self, event: Event) -> None:
        """Give ``event`` to every local client that may see it."""
        for client in list(self.clients):
            view = audience_view(event, client.actor)
            if view is None or event.id in client.recent:
                continue
            client.recent = [*client.recent[-63:], event.id]
            client.seq += 1
            if not client.offer({"type": "event", "seq": client.seq, "event": view}):
                self.drop(client)

    def notify(self, _channel: str, message: dict[str, Any]) -> None:
        """Fan-out callback for the notifier's in-app messages: to the recipient only.

        Sent outside the ``seq`` numbering: a notification is no part of the snapshot.
        """
        recipient = message.get("recipient_id")
        frame = {"type": "notification", "notification": message.get("notification")}
        for client in list(self.clients):
            actor = client.actor
            mine = isinstance(actor, EmployeeActor) and actor.employee_id == recipient
            if mine and not client.offer(frame):
                self.drop(client)

    def gap(self) -> None:
        """The fan-out may have lost messages: every client should re-fetch."""
        for client in list(self.clients):
            client.seq += 1
            if not client.offer({"type": "resync", "seq": client.seq}):
                self.drop(client)

    def drop(self, client: Client) -> None:
        log.warning("closing a WebSocket client that cannot keep up")
        self.clients.discard(client)
        with contextlib.suppress(asyncio.QueueFull):
            client.queue.put_nowait(None)

    async def send_snapshot(self, client: Client) -> None:
        """Hold live frames, read the snapshot, send it, then what was held.

        The snapshot carries the ``seq`` of the last frame before it was read; frames
        numbered after it may repeat what the snapshot shows, which is harmless.
        """
        client.hold()
        try:
            snapshot = await self.snapshot(client)
        except FernblickError as error:
            snapshot = error_frame(error)
        if not client.release_with(snapshot):
            self.drop(client)

    async def snapshot(self, client: Client) -> dict[str, Any]:
        seq = client.seq
        async with self.uow.read() as db:
            if isinstance(client.actor, EmployeeActor):
                page = await list_sessions(
                    db, client.actor, SessionListQuery(status=OPEN_STATUSES, limit=200)
                )
                data: dict[str, Any] = {"sessions": [s.model_dump(mode="json") for s in page.items]}
            else:
                own = await code_user_sessions(db, client.actor)
                data = {"sessions": [s.model_dump(mode="json") for s in own]}
        return {"type": "snapshot", "seq": seq, "data": data}

    async def serve(
        self, request: web.Request, actor: EmployeeActor | CodeUserActor
    ) -> web.WebSocketResponse:
        socket = web.WebSocketResponse(heartbeat=self.heartbeat_seconds, max_msg_size=64 * 1024)
        await socket.prepare(request)
        client = Client(actor, socket, asyncio.Queue(self.queue_size))
        self.clients.add(client)
        writer = asyncio.create_task(self._write(client))
        try:
            await self.send_snapshot(client)
            async for message in socket:
                if message.type is not WSMsgType.TEXT:
                    continue
                await self._on_message(client, message.data)
        finally:
            self.clients.discard(client)
            if self.tools is not None:
                await self.tools.forget(client)
            with contextlib.suppress(asyncio.QueueFull):
                client.queue.put_nowait(None)
            await asyncio.wait([writer], timeout=SEND_DEADLINE_SECONDS)
            writer.cancel()
        return socket

    async def _on_message(self, client: Client, data: str) -> None:
        try:
            message = json.loads(data)
        except ValueError:
            client.offer({"type": "error", "code": "malformed_message", "detail": "send JSON"})
            return
        kind = message.get("type") if isinstance(message, dict) else None
        if isinstance(kind, str) and kind.startswith("call.") and self.tools is not None:
            await self.tools.handle(client, data)
        elif kind == "snapshot":
            await self.send_snapshot(client)
        elif kind == "ping":
            client.offer({"type": "pong"})
        else:
            client.offer(
                {"type": "error", "code": "unknown_message", "detail": f"unknown type {kind!r}"}
            )

    async def _write(self, client: Client) -> None:
        while True:
            frame = await client.queue.get()
            if frame is None:
                break
            try:
                await asyncio.wait_for(client.socket.send_json(frame), SEND_DEADLINE_SECONDS)
            except (ConnectionError, TimeoutError, RuntimeError):
                break
        if not client.socket.closed:
            await client.socket.close(code=4000, message=b"resync")

    def has_employee(self, employee_id: int) -> bool:
        """Presence for the notifier: the employee has a page open here."""
        return any(
            isinstance(c.actor, EmployeeActor) and c.actor.employee_id == employee_id
            for c in self.clients
        )

    async def close_all(self) -> None:
        for client in list(self.clients):
            await client.socket.close(code=1001, message=b"server shutdown")


async def require_actor(request: web.Request) -> EmployeeActor | CodeUserActor:
    """A code-user token, when one is sent, names the identity; else the employee cookie."""
    identity = await identify(request, query_token=True)
    if identity.code_user is not None:
        return identity.code_user
    if identity.employee is not None:
        return identity.employee.actor
    raise NotAuthenticated("log in, or pass the code-user token as ?token=")
