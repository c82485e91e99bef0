"""The Janus API over HTTP: sessions, handles, transactions, long-poll and keep-alive.

Janus answers a request either at once (``success`` / ``error``) or with an
``ack`` and later an ``event`` carrying the same transaction id, which arrives
on the session's long-poll GET. :class:`JanusSession` runs that long-poll
loop, matches late answers to their waiting request, queues the rest per handle
(``JanusHandle.events``) and sends a keep-alive well inside Janus's
``session_timeout``. Every request carries our ``apisecret`` (orchestrator) or a
participant ``token`` (tests acting as a browser). Errors leave this module as
:mod:`orchestrator.janus.errors` only.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from dataclasses import dataclass
from typing import Any

import aiohttp

from orchestrator.janus.errors import (
    CORE_SESSION_NOT_FOUND,
    CORE_UNAUTHORIZED,
    JanusSessionGone,
    JanusUnreachable,
    janus_error,
)
from orchestrator.lifecycle import cancel_and_wait

JsonObject = dict[str, Any]
log = logging.getLogger(__name__)

LONG_POLL_EVENTS = 10  # events Janus may batch into one long-poll answer
LONG_POLL_SECONDS = 30  # Janus holds a long-poll GET this long before answering keepalive


@dataclass(frozen=True)
class PluginResponse:
    """A plugin's answer: its ``plugindata.data`` and, for media requests, a JSEP."""

    data: JsonObject
    jsep: JsonObject | None = None


def _transaction_id() -> str:
    return secrets.token_urlsafe(9)


class JanusClient:
    """One Janus node's HTTP API (``.../janus``), shared by all sessions on it."""

    def __init__(
        self,
        url: str,
        *,
        http: aiohttp.ClientSession,
        node_name: str = "janus",
        api_secret: str | None = None,
        token: str | None = None,
        request_timeout: float = 10.0,
        keepalive_interval: float = 20.0,
    ) -> None:
        self.url = url.rstrip("/")
        self.node_name = node_name
        self.keepalive_interval = keepalive_interval
        self._http = http
        self._api_secret = api_secret
        self._token = token
        self._timeout = aiohttp.ClientTimeout(total=request_timeout)

    def _authenticate(self, message: JsonObject) -> JsonObject:
        """A copy of ``message`` with our credentials; the caller's dict stays secret-free."""
        body = dict(message)
        if self._api_secret is not None:
            body["apisecret"] = self._api_secret
        if self._token is not None:
            body["token"] = self._token
        return body

    def auth_params(self) -> dict[str, str]:
        """The same credentials as query parameters, for long-poll GETs."""
        params: dict[str, str] = {}
        if self._api_secret is not None:
            params["apisecret"] = self._api_secret
        if self._token is not None:
            params["token"] = self._token
        return params

    async def post(self, path: str, message: JsonObject) -> JsonObject:
        """POST one request; return Janus's immediate answer or raise its error."""
        message.setdefault("transaction", _transaction_id())
        body = self._authenticate(message)
        try:
            async with self._http.post(
                f"{self.url}{path}", json=body, timeout=self._timeout
            ) as response:
                answer: JsonObject = await response.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as error:
            raise JanusUnreachable(self.node_name, f"{type(error).__name__}: {error}") from error
        if answer.get("janus") == "error":
            error_info = answer.get("error", {})
            raise janus_error(
                int(error_info.get("code", 490)),
                str(error_info.get("reason", "")),
                request=str(message.get("janus")),
                node=self.node_name,
            )
        return answer

    async def get(self, path: str, params: dict[str, str], within_seconds: float) -> Any:
        """GET (info, long-poll); JSON answer, connection problems as JanusUnreachable."""
        try:
            async with self._http.get(
                f"{self.url}{path}",
                params=params,
                timeout=aiohttp.ClientTimeout(total=within_seconds),
            ) as response:
                return await response.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as error:
            raise JanusUnreachable(self.node_name, f"{type(error).__name__}: {error}") from error

    async def info(self) -> JsonObject:
        """The node's ``server_info`` (no credentials needed); proves it answers."""
        answer: JsonObject = await self.get("/info", {}, self._timeout.total or 10.0)
        return answer

    async def create_session(self) -> JanusSession:
        """Create a Janus session and start its long-poll and keep-alive loops."""
        answer = await self.post("", {"janus": "create"})
        session = JanusSession(self, int(answer["data"]["id"]))
        session.start()
        return session


class JanusSession:
    """One Janus session: its handles, pending transactions and background loops."""

    def __init__(self, client: JanusClient, session_id: int) -> None:
        self.client = client
        self.id = session_id
        self._handles: dict[int, JanusHandle] = {}
        self._pending: dict[str, asyncio.Future[JsonObject]] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._failure: Exception | None = None

    @property
    def alive(self) -> bool:
        """False once the session was destroyed, timed out or lost its node."""
        return self._failure is None

    def start(self) -> None:
        self._tasks = [
            asyncio.create_task(self._long_poll(), name=f"janus-poll-{self.id}"),
            asyncio.create_task(self._keep_alive(), name=f"janus-keepalive-{self.id}"),
        ]

    async def attach(self, plugin: str) -> JanusHandle:
        """Attach a handle to ``plugin`` (e.g. ``janus.plugin.videoroom``)."""
        answer = await self.post({"janus": "attach", "plugin": plugin})
        handle = JanusHandle(self, int(answer["data"]["id"]), plugin)
        self._handles[handle.id] = handle
        return handle

    async def keepalive(self) -> None:
        """Tell Janus the session is in use (answered with ``ack``)."""
        await self.post({"janus": "keepalive"})

    async def post(self, message: JsonObject, handle_id: int | None = None) -> JsonObject:
        """POST to this session (or one of its handles); the immediate answer."""
        self._raise_if_failed()
        path = f"/{self.id}" if handle_id is None else f"/{self.id}/{handle_id}"
        try:
            return await self.client.post(path, message)
        except JanusSessionGone as error:
            if error.janus_code == CORE_SESSION_NOT_FOUND:
                self._fail(error)
            raise

    async def transact(
        self, message: JsonObject, handle_id: int | None, within_seconds: float
    ) -> JsonObject:
        """POST and, if Janus only acks, wait for the event with the same transaction."""
        transaction = message.setdefault("transaction", _transaction_id())
        future: asyncio.Future[JsonObject] = asyncio.get_running_loop().create_future()
        self._pending[transaction] = future  # registered first: the event may beat the POST
        try:
            answer = await self.post(message, handle_id)
            if answer.get("janus") != "ack":
                return answer
            return await asyncio.wait_for(future, within_seconds)
        except TimeoutError as error:
            raise JanusUnreachable(
                self.client.node_name, f"no answer to {message.get('janus')} in {within_seconds} s"
            ) from error
        finally:
            self._pending.pop(transaction, None)

    async def destroy(self) -> None:
        """Destroy the session on Janus (best effort) and stop its loops."""
        if self.alive:
            with contextlib.suppress(JanusUnreachable, JanusSessionGone):
                await self.post({"janus": "destroy"})
        self._fail(JanusSessionGone(458, "session destroyed", node=self.client.node_name))
        await self._stop_tasks()

    async def _stop_tasks(self) -> None:
        await cancel_and_wait(*self._tasks)

    def _raise_if_failed(self) -> None:
        if self._failure is not None:
            raise self._failure

    def _fail(self, error: Exception) -> None:
        if self._failure is None:
            self._failure = error
        for future in self._pending.values():
            if not future.done():
                future.set_exception(error)
        for handle in self._handles.values():
            handle.events.put_nowait({"janus": "session_lost"})

    async def _long_poll(self) -> None:
        params = {**self.client.auth_params(), "maxev": str(LONG_POLL_EVENTS)}
        while self.alive:
            try:
                answer = await self.client.get(f"/{self.id}", params, LONG_POLL_SECONDS + 10)
            except JanusUnreachable as error:
                self._fail(error)
                return
            events = answer if isinstance(answer, list) else [answer]
            if not all(isinstance(event, dict) for event in events):
                # Janus refuses a long-poll whose token was revoked with an empty 403.
                self._fail(
                    janus_error(
                        CORE_UNAUTHORIZED,
                        "long-poll refused",
                        request="long-poll",
                        node=self.client.node_name,
                    )
                )
                return
            for event in events:
                self._dispatch(event)

    def _dispatch(self, event: JsonObject) -> None:
        kind = event.get("janus")
        if kind == "keepalive":
            return
        if kind == "error":
            info = event.get("error", {})
            self._fail(
                janus_error(
                    int(info.get("code", 490)),
                    str(info.get("reason", "")),
                    request="long-poll",
                    node=self.client.node_name,
                )
            )
            return
        future = self._pending.get(str(event.get("transaction", "")))
        if future is not None and not future.done() and kind != "ack":
            future.set_result(event)
            return
        handle = self._handles.get(int(event.get("sender", 0)))
        if handle is not None:
            handle.events.put_nowait(event)
        else:
            log.debug("janus %s: unrouted event %s", self.client.node_name, kind)

    async def _keep_alive(self) -> None:
        while self.alive:
            await asyncio.sleep(self.client.keepalive_interval)
            try:
                await self.keepalive()
            except (JanusUnreachable, JanusSessionGone) as error:
                self._fail(error)
                return

    def forget(self, handle: JanusHandle) -> None:
        self._handles.pop(handle.id, None)


class JanusHandle:
    """A plugin handle; requests return the plugin's answer, other events queue up."""

    def __init__(self, session: JanusSession, handle_id: int, plugin: str) -> None:
        self.session = session
        self.id = handle_id
        self.plugin = plugin
        self.events: asyncio.Queue[JsonObject] = asyncio.Queue()

    @property
    def plugin_short_name(self) -> str:
        return self.plugin.rsplit(".", 1)[-1]

    async def message(
        self, body: JsonObject, jsep: JsonObject | None = None, within_seconds: float = 10.0
    ) -> PluginResponse:
        """Send a plugin request; synchronous and acked (asynchronous) answers alike.

        A plugin-level error (``error_code`` in the data) raises the mapped JanusError.
        """
        message: JsonObject = {"janus": "message", "body": body}
        if jsep is not None:
            message["jsep"] = jsep
        answer = await self.session.transact(message, self.id, within_seconds)
        data: JsonObject = answer.get("plugindata", {}).get("data", {})
        if "error_code" in data:
            raise janus_error(
                int(data["error_code"]),
                str(data.get("error", "")),
                source=self.plugin_short_name,
                request=str(body.get("request")),
                node=self.session.client.node_name,
            )
        return PluginResponse(data=data, jsep=answer.get("jsep"))

    async def trickle(self, candidate: JsonObject | None) -> None:
        """Send one ICE candidate, or None for end-of-candidates."""
        payload: JsonObject = candidate if candidate is not None else {"completed": True}
        await self.session.post({"janus": "trickle", "candidate": payload}, self.id)

    async def detach(self) -> None:
        """Detach the handle (closes its PeerConnection, leaves its room)."""
        try:
            await self.session.post({"janus": "detach"}, self.id)
        finally:
            self.session.forget(self)
