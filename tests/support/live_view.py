"""A WebSocket client that keeps a view of the open sessions the way the web app does.

It follows the live protocol (``orchestrator/realtime/ws.py``): the snapshot
replaces the view, each numbered event updates it, a gap in ``seq`` or a
``resync`` frame asks for a new snapshot, and a closed socket is reopened (through
the entry point, so it lands on a surviving orchestrator). The fault tests compare
the view with the database: if the view matches, no event was lost for good.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from orchestrator.lifecycle import cancel_and_wait

OPEN = {"REQUESTED", "CONFIRMED", "RUNNING"}


@dataclass
class LiveView:
    """Open sessions by id (their status), as one browser sees them."""

    ws_url: str
    headers: dict[str, str] = field(default_factory=dict)
    sessions: dict[int, str] = field(default_factory=dict)
    event_types: list[str] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    connections: int = 0
    resyncs: int = 0
    gaps: int = 0
    _seq: int = 0
    _connected: asyncio.Event = field(default_factory=asyncio.Event)
    _task: asyncio.Task[None] | None = None

    def start(self, http: aiohttp.ClientSession) -> None:
        self._task = asyncio.create_task(self._run(http))

    async def connected(self, within: float = 30.0) -> None:
        async with asyncio.timeout(within):
            await self._connected.wait()

    async def stop(self) -> None:
        await cancel_and_wait(self._task)
        self._task = None

    async def _run(self, http: aiohttp.ClientSession) -> None:
        while True:
            try:
                async with http.ws_connect(self.ws_url, headers=self.headers, heartbeat=5) as ws:
                    self.connections += 1
                    async for message in ws:
                        if message.type is aiohttp.WSMsgType.TEXT:
                            await self._on_frame(ws, message.json())
            except (aiohttp.ClientError, ConnectionError, TimeoutError):
                pass
            self._connected.clear()
            await asyncio.sleep(0.2)

    async def _on_frame(self, ws: aiohttp.ClientWebSocketResponse, frame: dict[str, Any]) -> None:
        kind = frame.get("type")
        if kind == "snapshot":
            self._seq = frame["seq"]
            self.sessions = {s["id"]: s["status"] for s in frame["data"]["sessions"]}
            self._connected.set()
        elif kind == "resync":
            self.resyncs += 1
            self._seq = frame["seq"]
            await ws.send_json({"type": "snapshot"})
        elif kind == "event":
            if frame["seq"] != self._seq + 1:
                self.gaps += 1
                await ws.send_json({"type": "snapshot"})
            self._seq = frame["seq"]
            self._apply(frame["event"])

    def record(self, event: dict[str, Any]) -> None:
        """Keep the event (a benchmark's subclass keeps less)."""
        self.event_types.append(event["type"])
        self.events.append(event)

    def _apply(self, event: dict[str, Any]) -> None:
        self.record(event)
        session = event["payload"]["session"]
        if session["status"] in OPEN:
            self.sessions[session["id"]] = session["status"]
        else:
            self.sessions.pop(session["id"], None)

    def events_of(self, session_id: int, prefix: str = "call.") -> list[dict[str, Any]]:
        return [
            event
            for event in self.events
            if event["type"].startswith(prefix) and event["payload"]["session"]["id"] == session_id
        ]
