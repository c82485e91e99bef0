"""Web Push with VAPID (``pywebpush``, encrypted ``aes128gcm``) to every browser of the employee.

A push service that answers 404 or 410 has dropped the subscription: it is
forgotten, as the Push API asks. The delivery counts as done when at least one browser's
push service accepted the message; when none did, the attempt failed, permanently
only if every subscription is gone or refused as malformed.
"""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Awaitable, Callable

import aiohttp
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid
from pywebpush import WebPushException, webpush_async

from notifier.channels.base import Delivery, DeliveryFailed, PushTarget
from orchestrator.domain.types import NotificationChannel
from orchestrator.settings import Settings

log = logging.getLogger(__name__)

TTL_SECONDS = 12 * 3600
"""How long a push service keeps a message for a browser that is offline."""
_GONE = (404, 410)
_PERMANENT = (400, 403, 413)

Forget = Callable[[list[int]], Awaitable[None]]
"""Deletes push subscriptions by id (the push service said they are gone)."""


def generate_vapid_keys() -> tuple[str, str]:
    """A new key pair: (private key as base64url DER, public key as base64url point)."""
    key = ec.generate_private_key(ec.SECP256R1())
    private = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return _b64(private), _b64(public)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def push_payload(delivery: Delivery) -> str:
    """What the service worker receives (and shows as a notification)."""
    return json.dumps(
        {
            "id": delivery.notification_id,
            "kind": delivery.kind,
            "session_id": delivery.session_id,
            "title": delivery.message.subject,
            "body": delivery.message.body[:500],
            "url": delivery.message.url,
        }
    )


class WebPushChannel:
    name = NotificationChannel.WEB_PUSH

    def __init__(self, settings: Settings, forget: Forget, timeout_seconds: float = 10.0) -> None:
        self.vapid = Vapid.from_string(private_key=settings.vapid_private_key.get_secret_value())
        self.subject = settings.vapid_subject
        self.http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout_seconds))
        self.forget = forget

    async def send(self, delivery: Delivery) -> None:
        if not delivery.push_targets:
            raise DeliveryFailed("no push subscription", permanent=True)
        errors: list[str] = []
        gone: list[int] = []
        refused = 0
        delivered = 0
        for target in delivery.push_targets:
            try:
                await self._push(target, push_payload(delivery))
                delivered += 1
            except WebPushException as error:
                status = error.response.status if error.response is not None else None
                errors.append(f"{status or 'error'} from push service: {error.message[:200]}")
                if status in _GONE:
                    gone.append(target.id)
                elif status in _PERMANENT:
                    refused += 1
            except (aiohttp.ClientError, OSError, TimeoutError) as error:
                errors.append(f"push service unreachable: {error!r}")
        if gone:
            await self.forget(gone)
        if delivered:
            return
        permanent = len(gone) + refused == len(delivery.push_targets)
        raise DeliveryFailed("; ".join(errors), permanent=permanent)

    async def _push(self, target: PushTarget, payload: str) -> None:
        await webpush_async(
            {"endpoint": target.endpoint, "keys": {"p256dh": target.p256dh, "auth": target.auth}},
            data=payload,
            vapid_private_key=self.vapid,
            vapid_claims={"sub": self.subject},
            ttl=TTL_SECONDS,
            headers={"Urgency": "high"},
            aiohttp_session=self.http,
        )

    async def close(self) -> None:
        await self.http.close()
