"""Sends due deliveries through their channels and settles them (retry with backoff).

One loop per notifier process: wake on new rows (or poll), claim a batch of due
rows, send them concurrently (bounded), record each outcome. Several processes may
run dispatchers on one PostgreSQL database; a claim is a lease, so each row is
sent by one of them at a time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from notifier.channels.base import Channel, Delivery, DeliveryFailed, PushTarget
from notifier.deliveries import claim_due, record_delivered, record_failure
from notifier.messages import MessageContext, render
from orchestrator.db.models import (
    Call,
    Employee,
    Notification,
    PushSubscription,
    VideoSession,
)
from orchestrator.domain.types import NotificationChannel, NotificationState
from orchestrator.lifecycle import cancel_and_wait
from orchestrator.observability.metrics import NOTIFICATION_LATENCY, job_failed
from orchestrator.settings import Settings

log = logging.getLogger(__name__)

BATCH = 50
CONCURRENCY = 16


class Dispatcher:
    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        channels: Mapping[NotificationChannel, Channel],
        settings: Settings,
        *,
        poll_seconds: float = 1.0,
    ) -> None:
        self.session_factory = session_factory
        self.channels = dict(channels)
        self.settings = settings
        self.poll_seconds = poll_seconds
        # A claim outlives the slowest send (SMTP timeout per phase, push timeout).
        self.lease_seconds = 4 * settings.smtp_timeout_seconds + 30
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._limit = asyncio.Semaphore(CONCURRENCY)

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="notifier-dispatcher")

    async def stop(self) -> None:
        await cancel_and_wait(self._task)
        for channel in self.channels.values():
            await channel.close()

    async def _run(self) -> None:
        while True:
            try:
                while await self.run_once():
                    pass
            except Exception:
                log.exception("notifier dispatcher pass failed; retrying")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.poll_seconds)
            self._wake.clear()

    async def run_once(self) -> int:
        """Claim and send one batch; the number of rows it handled."""
        async with self.session_factory.begin() as db:
            ids = await claim_due(
                db, list(self.channels), limit=BATCH, lease_seconds=self.lease_seconds
            )
        outcomes = await asyncio.gather(*(self._deliver(i) for i in ids), return_exceptions=True)
        for notification_id, outcome in zip(ids, outcomes, strict=True):
            if isinstance(outcome, Exception):
                # The database failed around the send: the claim expires and it is retried.
                log.error("notification %s not settled: %r", notification_id, outcome)
        return len(ids)

    async def _deliver(self, notification_id: int) -> None:
        async with self._limit:
            async with self.session_factory() as db:
                delivery = await self._load(db, notification_id)
            if delivery is None:
                return
            channel = self.channels[delivery[0]]
            try:
                await channel.send(delivery[1])
            except DeliveryFailed as error:
                await self._failed(notification_id, str(error), error.permanent)
                return
            except Exception as error:  # a bug in a channel must not stop the loop
                log.exception("channel %s crashed", channel.name)
                await self._failed(notification_id, f"internal error: {error!r}", False)
                return
            async with self.session_factory.begin() as db:
                latency = await record_delivered(db, notification_id)
            if latency is not None:
                NOTIFICATION_LATENCY.labels(channel=delivery[0].value).observe(latency)

    async def _failed(self, notification_id: int, error: str, permanent: bool) -> None:
        s = self.settings
        async with self.session_factory.begin() as db:
            state = await record_failure(
                db,
                notification_id,
                error,
                permanent=permanent,
                max_attempts=s.notify_max_attempts,
                retry_base=s.notify_retry_base_seconds,
                retry_max=s.notify_retry_max_seconds,
            )
        job_failed("notification", final=state is NotificationState.FAILED)
        log.warning("notification %s: %s (%s)", notification_id, error, state.value)

    async def _load(
        self, db: AsyncSession, notification_id: int
    ) -> tuple[NotificationChannel, Delivery] | None:
        row = await db.get(Notification, notification_id)
        if row is None:
            return None
        employee = await db.get(Employee, row.recipient_id)
        session = await db.get(VideoSession, row.session_id) if row.session_id else None
        if employee is None or session is None:
            return None
        caller = ""
        if row.kind == "call.ringing":
            caller = (
                await db.scalar(
                    select(Call.caller_name)
                    .where(Call.session_id == session.id)
                    .order_by(Call.id.desc())
                    .limit(1)
                )
                or ""
            )
        message = render(
            MessageContext(
                kind=row.kind,
                language=employee.language,
                recipient_name=employee.name,
                session_id=session.id,
                number=session.number,
                title=session.title,
                reason=session.reason,
                caller=caller,
                site_url=self.settings.site_url,
            )
        )
        targets: list[PushTarget] = []
        if row.channel is NotificationChannel.WEB_PUSH:
            subscriptions = await db.scalars(
                select(PushSubscription)
                .where(PushSubscription.employee_id == employee.id)
                .order_by(PushSubscription.id)
            )
            targets = [PushTarget(s.id, s.endpoint, s.p256dh, s.auth) for s in subscriptions]
        delivery = Delivery(
            notification_id=row.id,
            kind=row.kind,
            session_id=row.session_id,
            recipient_id=employee.id,
            email=employee.email,
            message=message,
            push_targets=targets,
        )
        return row.channel, delivery
