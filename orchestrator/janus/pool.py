"""The pool of Janus nodes: health, load, placement of new rooms, lookup by name.

Every node gets one long-lived control session with one VideoRoom handle
(carrying the plugin's admin key) for room management, re-created when Janus
loses it. A health check asks each node for ``info`` and its room list; the
load of a node is the number of participants in its rooms, then its number of
rooms. A new room goes to the least-loaded node that is healthy and not
draining; a placed room counts at once, so a burst of calls spreads over the
nodes before the next check. Other orchestrators place rooms too: before each
placement the pool reads the open calls per node (``open_calls``, the database in
the app), and a node counts at least those (two participants each), so calls
started through different orchestrators between two checks spread as well.
Existing rooms stay reachable by node name (stored on the session row) whatever
the node's state.

Draining is the operators' choice: nodes named in ``FERNBLICK_JANUS_DRAINING_NODES``
plus those drained with ``fernblick janus-drain`` (stored in the database and read
by every orchestrator in each health round, through ``drained``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import aiohttp

from orchestrator.domain.errors import FernblickError, ServiceUnavailable
from orchestrator.janus.admin import VIDEOROOM_PLUGIN, JanusAdmin
from orchestrator.janus.client import JanusClient, JanusSession
from orchestrator.janus.errors import JanusError, JanusUnreachable
from orchestrator.janus.videoroom import VideoRoom
from orchestrator.lifecycle import cancel_and_wait
from orchestrator.settings import JanusNode, Settings

log = logging.getLogger(__name__)

DrainedSource = Callable[[], Awaitable[set[str]]]
"""Where the pool reads which nodes operators drain now (the database, in the app)."""
OpenCallsSource = Callable[[], Awaitable[dict[str, int]]]
"""Where the pool reads the open calls per node, whoever placed them (the database)."""
PARTICIPANTS_PER_CALL = 2


@dataclass(frozen=True)
class PoolSecrets:
    """What the orchestrator alone holds for talking to Janus."""

    api_secret: str
    admin_secret: str
    videoroom_admin_key: str


@dataclass(frozen=True, order=True)
class NodeLoad:
    """How busy a node is; compares by participants first, then rooms."""

    participants: int = 0
    rooms: int = 0


class JanusNodeConnection:
    """One node: its API clients, control session, health, load and draining flag."""

    def __init__(
        self,
        node: JanusNode,
        secrets: PoolSecrets,
        *,
        http: aiohttp.ClientSession,
        request_timeout: float,
        keepalive_interval: float,
    ) -> None:
        self.node = node
        self.client = JanusClient(
            node.url,
            http=http,
            node_name=node.name,
            api_secret=secrets.api_secret,
            request_timeout=request_timeout,
            keepalive_interval=keepalive_interval,
        )
        self.admin = JanusAdmin(
            node.admin_url,
            secrets.admin_secret,
            http=http,
            node_name=node.name,
            request_timeout=request_timeout,
        )
        self._admin_key = secrets.videoroom_admin_key
        self._session: JanusSession | None = None
        self._videoroom: VideoRoom | None = None
        self._lock = asyncio.Lock()
        self.healthy = False
        self.draining = False
        self.load = NodeLoad()
        self.open_calls = 0
        self.last_error: str | None = "not checked yet"
        #: Room ids of the last successful listing, and when that listing began.
        self.rooms: frozenset[str] = frozenset()
        self.rooms_listed_at: datetime | None = None

    @property
    def name(self) -> str:
        return self.node.name

    @property
    def accepts_new_rooms(self) -> bool:
        return self.healthy and not self.draining

    async def videoroom(self) -> VideoRoom:
        """The control VideoRoom handle, opening a fresh session if the old one is gone."""
        async with self._lock:
            if self._videoroom is None or self._session is None or not self._session.alive:
                if self._session is not None:
                    await self._session.destroy()
                self._session = await self.client.create_session()
                handle = await self._session.attach(VIDEOROOM_PLUGIN)
                self._videoroom = VideoRoom(handle, self._admin_key)
            return self._videoroom

    async def check(self) -> bool:
        """Refresh health and load; True when the node answered properly."""
        listed_at = datetime.now(UTC)
        try:
            await self.client.info()
            rooms = await (await self.videoroom()).list_rooms()
        except (JanusUnreachable, JanusError) as error:
            self.mark_unhealthy(str(error))
            return False
        self.load = NodeLoad(
            participants=sum(room.num_participants for room in rooms), rooms=len(rooms)
        )
        self.rooms = frozenset(room.room for room in rooms)
        self.rooms_listed_at = listed_at
        if not self.healthy:
            log.info("janus node %s healthy (%s)", self.name, self.load)
        self.healthy = True
        self.last_error = None
        return True

    def lost_room(self, room_id: str, since: datetime) -> bool:
        """True when a listing begun after ``since`` lacks ``room_id``: the node was
        restarted (quicker than a health round notices) and forgot the room."""
        listed_at = self.rooms_listed_at
        return listed_at is not None and listed_at > since and room_id not in self.rooms

    def mark_unhealthy(self, reason: str) -> None:
        """Take the node out of placement until a health check finds it well again."""
        if self.healthy:
            log.warning("janus node %s unhealthy: %s", self.name, reason)
        self.healthy = False
        self.last_error = reason

    @property
    def placement_load(self) -> NodeLoad:
        """The polled load, raised to what the open calls on this node imply."""
        return NodeLoad(
            max(self.load.participants, PARTICIPANTS_PER_CALL * self.open_calls),
            max(self.load.rooms, self.open_calls),
        )

    def count_new_room(self) -> None:
        self.load = NodeLoad(self.load.participants, self.load.rooms + 1)

    def count_closed_room(self) -> None:
        self.load = NodeLoad(self.load.participants, max(0, self.load.rooms - 1))

    async def close(self) -> None:
        if self._session is not None:
            await self._session.destroy()
        self._session = None
        self._videoroom = None


class JanusPool:
    """All configured Janus nodes; ``place()`` picks the node for a new room."""

    def __init__(
        self,
        nodes: Sequence[JanusNode],
        secrets: PoolSecrets,
        *,
        http: aiohttp.ClientSession,
        request_timeout: float = 10.0,
        keepalive_interval: float = 20.0,
        health_interval: float = 5.0,
        draining: Collection[str] = (),
        drained: DrainedSource | None = None,
        open_calls: OpenCallsSource | None = None,
    ) -> None:
        if not nodes:
            raise ValueError("the Janus pool needs at least one node")
        names = [node.name for node in nodes]
        if len(set(names)) != len(names):
            raise ValueError(f"Janus node names must be unique: {names}")
        self._nodes = {
            node.name: JanusNodeConnection(
                node,
                secrets,
                http=http,
                request_timeout=request_timeout,
                keepalive_interval=keepalive_interval,
            )
            for node in nodes
        }
        self.health_interval = health_interval
        self._health_task: asyncio.Task[None] | None = None
        unknown = set(draining) - set(names)
        if unknown:
            raise ValueError(f"draining names unknown Janus nodes: {sorted(unknown)}")
        self._draining = set(draining)
        self._drained = drained
        self._open_calls = open_calls
        self._apply_draining(self._draining)

    @classmethod
    @contextlib.asynccontextmanager
    async def running(
        cls,
        settings: Settings,
        drained: DrainedSource | None = None,
        open_calls: OpenCallsSource | None = None,
    ) -> AsyncIterator[JanusPool]:
        """A started pool for the process's lifetime (use in a cleanup context)."""
        async with aiohttp.ClientSession() as http:
            pool = cls(
                settings.janus_nodes,
                PoolSecrets(
                    api_secret=settings.janus_api_secret.get_secret_value(),
                    admin_secret=settings.janus_admin_secret.get_secret_value(),
                    videoroom_admin_key=settings.janus_videoroom_admin_key.get_secret_value(),
                ),
                http=http,
                request_timeout=settings.janus_request_timeout_seconds,
                keepalive_interval=settings.janus_keepalive_seconds,
                health_interval=settings.janus_health_interval_seconds,
                draining=settings.janus_draining_nodes,
                drained=drained,
                open_calls=open_calls,
            )
            await pool.start()
            try:
                yield pool
            finally:
                await pool.close()

    @property
    def nodes(self) -> list[JanusNodeConnection]:
        return list(self._nodes.values())

    def node(self, name: str) -> JanusNodeConnection:
        """The node a room lives on, by the name stored with the session."""
        try:
            return self._nodes[name]
        except KeyError:
            raise ServiceUnavailable(
                f"Janus node {name!r} is not configured", data={"node": name}
            ) from None

    def place(self) -> JanusNodeConnection:
        """The least-loaded healthy, non-draining node; counts the new room on it."""
        candidates = [node for node in self._nodes.values() if node.accepts_new_rooms]
        if not candidates:
            raise ServiceUnavailable(
                "no healthy Janus node accepts new calls",
                data={"nodes": {n.name: n.last_error for n in self._nodes.values()}},
            )
        chosen = min(candidates, key=lambda node: (node.placement_load, node.name))
        chosen.count_new_room()
        return chosen

    async def refresh_open_calls(self) -> None:
        """Read the open calls per node; keep the last answer while that fails."""
        if self._open_calls is None:
            return
        try:
            counts = await self._open_calls()
        except FernblickError as error:
            log.warning("open calls per janus node not refreshed: %s", error.detail)
            return
        for node in self._nodes.values():
            node.open_calls = counts.get(node.name, 0)

    def set_draining(self, name: str, draining: bool = True) -> None:
        """Stop (or resume) placing new rooms on a node in this process; its running
        calls go on. (``fernblick janus-drain`` does it for every orchestrator.)"""
        self.node(name)
        if draining:
            self._draining.add(name)
        else:
            self._draining.discard(name)
        self._apply_draining(self._draining)

    async def check_health(self) -> None:
        """One health round over all nodes, concurrently, then the draining choice."""
        await asyncio.gather(*(node.check() for node in self._nodes.values()))
        await self.refresh_draining()

    async def refresh_draining(self) -> None:
        """Read which nodes operators drain; keep the last answer while that fails."""
        drained = set(self._draining)
        if self._drained is not None:
            try:
                drained |= await self._drained()
            except FernblickError as error:
                log.warning("janus draining not refreshed: %s", error.detail)
                return
        self._apply_draining(drained)

    def _apply_draining(self, drained: Collection[str]) -> None:
        for node in self._nodes.values():
            draining = node.name in drained
            if draining != node.draining:
                log.info(
                    "janus node %s %s", node.name, "draining" if draining else "takes new rooms"
                )
            node.draining = draining

    async def start(self) -> None:
        """First health round, then the periodic checks in the background."""
        await self.check_health()
        self._health_task = asyncio.create_task(self._check_periodically(), name="janus-health")

    async def _check_periodically(self) -> None:
        while True:
            await asyncio.sleep(self.health_interval)
            await self.check_health()

    async def close(self) -> None:
        await cancel_and_wait(self._health_task)
        self._health_task = None
        await asyncio.gather(*(node.close() for node in self._nodes.values()))
