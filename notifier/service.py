"""The notifier assembled from settings: channels, dispatcher, consumer, on a bus.

Embedded (the default) the orchestrator starts one with its own bus and fan-out and
tells it who has a page open; standalone (``fernblick notifier``) it has a bus and a
fan-out of its own, and in-app messages reach the orchestrators only through a shared
Redis fan-out.
"""

from __future__ import annotations

import logging

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from notifier.channels.base import Channel
from notifier.channels.email import EmailChannel
from notifier.channels.in_app import InAppChannel
from notifier.channels.web_push import WebPushChannel
from notifier.dispatcher import Dispatcher
from notifier.worker import NotifyConsumer, Presence, nobody_online
from orchestrator.db.models import PushSubscription
from orchestrator.domain.types import NotificationChannel
from orchestrator.events.bus import MessageBus
from orchestrator.events.consumer import attach
from orchestrator.realtime.fanout import Fanout
from orchestrator.settings import Settings

log = logging.getLogger(__name__)


def build_channels(
    settings: Settings,
    session_factory: async_sessionmaker[AsyncSession],
    fanout: Fanout | None,
) -> dict[NotificationChannel, Channel]:
    """The channels this process can serve: in-app with a fan-out that reaches the
    browsers, e-mail with an SMTP host, Web Push with a VAPID key."""

    async def forget(ids: list[int]) -> None:
        async with session_factory.begin() as db:
            await db.execute(delete(PushSubscription).where(PushSubscription.id.in_(ids)))

    channels: dict[NotificationChannel, Channel] = {}
    if fanout is not None:
        channels[NotificationChannel.IN_APP] = InAppChannel(fanout)
    if settings.smtp_host:
        channels[NotificationChannel.EMAIL] = EmailChannel(settings)
    if settings.vapid_private_key.get_secret_value():
        channels[NotificationChannel.WEB_PUSH] = WebPushChannel(settings, forget)
    return channels


class Notifier:
    """One notifier: call ``start(bus)`` after the bus connected, ``stop()`` before it closes."""

    def __init__(
        self,
        settings: Settings,
        session_factory: async_sessionmaker[AsyncSession],
        fanout: Fanout | None,
        *,
        is_online: Presence = nobody_online,
        poll_seconds: float = 1.0,
    ) -> None:
        channels = build_channels(settings, session_factory, fanout)
        self.dispatcher = Dispatcher(session_factory, channels, settings, poll_seconds=poll_seconds)
        self.consumer = NotifyConsumer(
            session_factory,
            frozenset(channels),
            on_new=self.dispatcher.wake,
            is_online=is_online,
        )
        log.info("notifier channels: %s", ", ".join(c.value for c in channels) or "none")

    async def start(self, bus: MessageBus) -> None:
        self.dispatcher.start()
        await attach(self.consumer, bus)

    async def stop(self) -> None:
        await self.dispatcher.stop()
