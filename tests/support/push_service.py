"""A local Web Push service: validates VAPID and decrypts what the notifier pushes.

Each subscription it hands out has its own P-256 key pair and auth secret, like a
browser's. A request is accepted only with a valid VAPID JWT (ES256, signed by the
configured key, ``aud`` = this origin, ``exp`` in the future, ``sub`` set) and a body
that decrypts (RFC 8291, ``aes128gcm``) to the notification's JSON.
"""

from __future__ import annotations

import base64
import json
import os
import time
from dataclasses import dataclass, field
from typing import Any

import http_ece
from aiohttp import web
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature


def b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass
class Subscriber:
    """One fake browser: its subscription JSON and the keys to read its pushes."""

    endpoint: str
    key: ec.EllipticCurvePrivateKey
    auth: bytes

    def subscription(self) -> dict[str, Any]:
        public = self.key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return {
            "endpoint": self.endpoint,
            "expirationTime": None,
            "keys": {"p256dh": b64encode(public), "auth": b64encode(self.auth)},
        }


@dataclass
class PushService:
    vapid_public_key: str
    base_url: str = ""
    subscribers: dict[str, Subscriber] = field(default_factory=dict)
    received: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    answer: dict[str, int] = field(default_factory=dict)
    """Status to answer per subscriber name instead of 201 (410 = gone)."""
    _runner: web.AppRunner | None = None

    def subscribe(self, name: str) -> Subscriber:
        subscriber = Subscriber(
            f"{self.base_url}/push/{name}",
            ec.generate_private_key(ec.SECP256R1()),
            os.urandom(16),
        )
        self.subscribers[name] = subscriber
        return subscriber

    def payloads(self, name: str) -> list[dict[str, Any]]:
        return [p for n, p in self.received if n == name]

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/push/{name}", self._receive)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base_url = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _receive(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        subscriber = self.subscribers.get(name)
        if subscriber is None:
            return web.Response(status=404)
        problem = self._check_vapid(request)
        if problem is None and request.headers.get("Content-Encoding") != "aes128gcm":
            problem = "content encoding is not aes128gcm"
        if problem is None and "TTL" not in request.headers:
            problem = "no TTL header"
        if problem is not None:
            self.rejected.append(problem)
            return web.Response(status=401, text=problem)
        if name in self.answer:
            return web.Response(status=self.answer[name], text="as configured")
        plain = http_ece.decrypt(
            await request.read(),
            private_key=subscriber.key,
            auth_secret=subscriber.auth,
            version="aes128gcm",
        )
        self.received.append((name, json.loads(plain)))
        return web.Response(status=201)

    def _check_vapid(self, request: web.Request) -> str | None:
        """RFC 8292: ``Authorization: vapid t=<JWT>, k=<public key>``."""
        header = request.headers.get("Authorization", "")
        if not header.startswith("vapid "):
            return f"no VAPID authorization: {header!r}"
        params = dict(part.strip().split("=", 1) for part in header[len("vapid ") :].split(","))
        if params.get("k") != self.vapid_public_key:
            return "signed with another key"
        head, body, signature = params["t"].split(".")
        public = ec.EllipticCurvePublicKey.from_encoded_point(
            ec.SECP256R1(), b64decode(params["k"])
        )
        raw = b64decode(signature)
        der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
        try:
            public.verify(der, f"{head}.{body}".encode(), ec.ECDSA(hashes.SHA256()))
        except InvalidSignature:
            return "bad JWT signature"
        claims = json.loads(b64decode(body))
        if json.loads(b64decode(head)).get("alg") != "ES256":
            return "JWT is not ES256"
        if claims.get("aud") != self.base_url:
            return f"aud {claims.get('aud')!r} is not {self.base_url!r}"
        if not claims.get("sub") or int(claims.get("exp", 0)) <= time.time():
            return "sub missing or exp passed"
        return None
