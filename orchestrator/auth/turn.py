"""Short-lived TURN credentials (TURN REST API, coturn ``use-auth-secret``) and ICE servers.

coturn and the orchestrator share one secret; neither stores per-user
passwords. The username is ``<expiry unix time>:<participant id>`` and the
password is ``base64(HMAC-SHA1(secret, username))``: coturn recomputes it and
refuses the credential once the expiry has passed. Browsers get these in their
join ticket, never the secret itself.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from dataclasses import dataclass
from typing import Any

from orchestrator.settings import Settings


@dataclass(frozen=True)
class TurnCredentials:
    """One TURN username/password pair and the unix time it stops working."""

    username: str
    credential: str
    expires_at: int


def turn_password(secret: str, username: str) -> str:
    """coturn's REST password: base64 of HMAC-SHA1 over the username."""
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def turn_credentials(
    secret: str, user_id: str, ttl_seconds: int, *, now: float | None = None
) -> TurnCredentials:
    """Credentials for ``user_id`` valid for ``ttl_seconds`` from ``now``."""
    if ttl_seconds <= 0:
        raise ValueError("ttl_seconds must be positive")
    expires_at = int(now if now is not None else time.time()) + ttl_seconds
    username = f"{expires_at}:{user_id.replace(':', '_')}"
    return TurnCredentials(username, turn_password(secret, username), expires_at)


def ice_servers(
    settings: Settings, participant_id: str, *, now: float | None = None
) -> list[dict[str, Any]]:
    """RTCPeerConnection ``iceServers`` for one participant: STUN, then TURN.

    Empty when neither STUN nor TURN is configured (a LAN or loopback set-up).
    """
    servers: list[dict[str, Any]] = []
    if settings.stun_urls:
        servers.append({"urls": list(settings.stun_urls)})
    if settings.turn_urls:
        credentials = turn_credentials(
            settings.turn_secret.get_secret_value(),
            participant_id,
            settings.turn_ttl_seconds,
            now=now,
        )
        servers.append(
            {
                "urls": list(settings.turn_urls),
                "username": credentials.username,
                "credential": credentials.credential,
            }
        )
    return servers
