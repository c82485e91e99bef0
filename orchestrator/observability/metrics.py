"""Prometheus metrics (``/metrics``): counters where things happen, gauges at scrape time.

Two kinds, on purpose:

- process metrics (prometheus_client's default registry): the notification latency
  histogram and the job-failure counter, observed by whichever process delivers a
  notification or uploads an artifact, plus the client's own process and GC metrics;
- cluster state read from the database at each scrape (sessions by status, open calls,
  outbox, notification and upload backlogs, failed jobs), so every orchestrator reports
  the same figures however many run, the depths of the message-bus queues, and the
  Janus nodes as this orchestrator's pool sees them (health, draining, rooms and
  participants per node).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from aiohttp import web
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from orchestrator.api.keys import BUS_KEY, JANUS_POOL_KEY, UOW_KEY
from orchestrator.db.models import Artifact, Call, Notification, OutboxEvent, VideoSession
from orchestrator.domain.errors import ServiceUnavailable
from orchestrator.domain.types import ArtifactState, NotificationState, SessionStatus
from orchestrator.janus.pool import JanusPool

log = logging.getLogger(__name__)

NOTIFICATION_LATENCY = Histogram(
    "fernblick_notification_latency_seconds",
    "From the event that asked for a notification (a request, a ringing call) to its delivery.",
    ["channel"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 900),
)
JOB_FAILURES = Counter(
    "fernblick_job_failures_total",
    "Failed attempts of background jobs; outcome=retry will be tried again, failed is final.",
    ["job", "outcome"],
)


def job_failed(job: str, *, final: bool) -> None:
    """Count one failed attempt of ``job`` (``upload``, ``notification``)."""
    JOB_FAILURES.labels(job=job, outcome="failed" if final else "retry").inc()


@dataclass
class ClusterState:
    """What the database says at one moment; counts per label value."""

    sessions: dict[str, int] = field(default_factory=dict)
    calls: dict[str, int] = field(default_factory=dict)
    outbox_unpublished: int = 0
    notifications: dict[tuple[str, str], int] = field(default_factory=dict)
    artifacts: dict[str, int] = field(default_factory=dict)


async def read_cluster_state(db: AsyncSession) -> ClusterState:
    state = ClusterState()
    sessions = await db.execute(
        select(VideoSession.status, func.count()).group_by(VideoSession.status)
    )
    state.sessions = {str(status): n for status, n in sessions}
    calls = await db.execute(
        select(Call.state, func.count())
        .where(Call.open_session_id.is_not(None))
        .group_by(Call.state)
    )
    state.calls = {str(call_state): n for call_state, n in calls}
    state.outbox_unpublished = int(
        await db.scalar(
            select(func.count()).select_from(OutboxEvent).where(OutboxEvent.published_at.is_(None))
        )
        or 0
    )
    notifications = await db.execute(
        select(Notification.state, Notification.channel, func.count())
        .where(Notification.state.in_([NotificationState.PENDING, NotificationState.FAILED]))
        .group_by(Notification.state, Notification.channel)
    )
    state.notifications = {(str(s), str(c)): n for s, c, n in notifications}
    artifacts = await db.execute(
        select(Artifact.state, func.count())
        .where(Artifact.state != ArtifactState.STORED)
        .group_by(Artifact.state)
    )
    state.artifacts = {str(artifact_state): n for artifact_state, n in artifacts}
    return state


def cluster_families(state: ClusterState | None) -> Iterator[Metric]:
    """Gauges of the cluster state; ``fernblick_database_up`` 0 when it could not be read."""
    up = GaugeMetricFamily("fernblick_database_up", "1 when the database answered this scrape.")
    up.add_metric([], 0 if state is None else 1)
    yield up
    if state is None:
        return
    sessions = GaugeMetricFamily(
        "fernblick_sessions", "Video sessions by status.", labels=["status"]
    )
    for status in SessionStatus:
        sessions.add_metric([status.value], state.sessions.get(status.value, 0))
    yield sessions
    calls = GaugeMetricFamily(
        "fernblick_calls", "Calls not ended, by state (active = talking).", labels=["state"]
    )
    for call_state in ("ringing", "active"):
        calls.add_metric([call_state], state.calls.get(call_state, 0))
    yield calls
    outbox = GaugeMetricFamily(
        "fernblick_outbox_unpublished", "Committed events not yet published to the bus."
    )
    outbox.add_metric([], state.outbox_unpublished)
    yield outbox
    notifications = GaugeMetricFamily(
        "fernblick_notifications",
        "Notification deliveries waiting (pending) or given up (failed), by channel.",
        labels=["state", "channel"],
    )
    for (n_state, channel), n in sorted(state.notifications.items()):
        notifications.add_metric([n_state, channel], n)
    yield notifications
    uploads = GaugeMetricFamily(
        "fernblick_uploads",
        "Artifacts not yet in storage: pending, uploading, or failed for good.",
        labels=["state"],
    )
    for a_state in (ArtifactState.PENDING, ArtifactState.UPLOADING, ArtifactState.FAILED):
        uploads.add_metric([a_state.value], state.artifacts.get(a_state.value, 0))
    yield uploads


def janus_families(pool: JanusPool) -> Iterator[Metric]:
    """Each node's health, draining flag and load as this orchestrator last saw them."""
    healthy = GaugeMetricFamily(
        "fernblick_janus_node_healthy",
        "1 when the node's last health check passed.",
        labels=["node"],
    )
    draining = GaugeMetricFamily(
        "fernblick_janus_node_draining", "1 while the node takes no new rooms.", labels=["node"]
    )
    rooms = GaugeMetricFamily(
        "fernblick_janus_node_rooms", "VideoRoom rooms on the node.", labels=["node"]
    )
    participants = GaugeMetricFamily(
        "fernblick_janus_node_participants", "Participants in the node's rooms.", labels=["node"]
    )
    for node in pool.nodes:
        healthy.add_metric([node.name], int(node.healthy))
        draining.add_metric([node.name], int(node.draining))
        rooms.add_metric([node.name], node.load.rooms)
        participants.add_metric([node.name], node.load.participants)
    yield from (healthy, draining, rooms, participants)


def queue_families(depths: dict[str, int]) -> Iterator[Metric]:
    """Messages waiting in the bus queues this orchestrator declared (``.dead`` included)."""
    queued = GaugeMetricFamily(
        "fernblick_queue_messages",
        "Messages waiting in a message-bus queue; <queue>.dead holds the given-up ones.",
        labels=["queue"],
    )
    for name, count in sorted(depths.items()):
        queued.add_metric([name], count)
    yield queued


class _Fixed(Collector):
    """Hands prometheus_client families computed beforehand (the queries are async)."""

    def __init__(self, families: Iterable[Metric]) -> None:
        self._families = list(families)

    def collect(self) -> Iterable[Metric]:
        return self._families


def exposition(families: Iterable[Metric]) -> bytes:
    """The process metrics followed by ``families``, in Prometheus text format."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Fixed(families))
    return generate_latest(REGISTRY) + generate_latest(registry)


async def metrics(request: web.Request) -> web.Response:
    """``GET /metrics``: keep it off the public proxy (compose/Caddyfile does)."""
    state: ClusterState | None
    try:
        async with request.app[UOW_KEY].read() as db:
            state = await read_cluster_state(db)
    except ServiceUnavailable:
        state = None
    families = list(cluster_families(state))
    bus = request.app.get(BUS_KEY)
    if bus is not None:
        families.extend(queue_families(await bus.queue_depths()))
    pool = request.app.get(JANUS_POOL_KEY)
    if pool is not None:
        families.extend(janus_families(pool))
    body = exposition(families)
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})
