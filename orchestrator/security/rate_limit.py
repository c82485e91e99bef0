"""Rate limits: fixed one-minute windows per key, in Redis when configured.

Keys name who is limited: ``login-ip:<address>``, ``login-email:<address>``,
``code-user:<id>`` or ``anonymous:<address>``. With ``FERNBLICK_REDIS_URL`` every
orchestrator counts in the same Redis keys (``INCR`` plus ``EXPIRE``, atomic in one
transaction), so a client cannot multiply its budget by the number of instances;
without Redis one process counts in memory. When Redis fails the request is let
through and a warning logged: an outage of the limiter must not lock everybody out.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Protocol

from aiohttp import web
from redis.asyncio import Redis
from redis.exceptions import RedisError

from orchestrator.api.keys import SETTINGS_KEY
from orchestrator.domain.errors import NotAuthenticated, RateLimited
from orchestrator.settings import Settings

log = logging.getLogger(__name__)

WINDOW_SECONDS = 60


class RateLimiter(Protocol):
    async def count(self, key: str) -> tuple[int, float]:
        """How often ``key`` was hit in the current window, and seconds until it ends."""

    async def hit(self, key: str) -> tuple[int, float]:
        """Count one hit of ``key``; the new count and seconds until the window ends."""

    async def close(self) -> None: ...


class MemoryRateLimiter:
    """Counts in this process; old windows are dropped as new ones start."""

    def __init__(self) -> None:
        self._window = -1
        self._counts: dict[str, int] = {}

    def _current(self) -> float:
        now = time.monotonic()
        window = int(now // WINDOW_SECONDS)
        if window != self._window:
            self._window, self._counts = window, {}
        return (window + 1) * WINDOW_SECONDS - now

    async def count(self, key: str) -> tuple[int, float]:
        left = self._current()
        return self._counts.get(key, 0), left

    async def hit(self, key: str) -> tuple[int, float]:
        left = self._current()
        self._counts[key] = self._counts.get(key, 0) + 1
        return self._counts[key], left

    async def close(self) -> None:
        self._counts.clear()


class RedisRateLimiter:
    """Counts in Redis, shared by every orchestrator; fails open."""

    def __init__(self, url: str, prefix: str) -> None:
        self._redis: Redis = Redis.from_url(url, socket_timeout=1.0, socket_connect_timeout=1.0)
        self._prefix = prefix

    def _key(self, key: str) -> tuple[str, float]:
        now = time.time()
        window = int(now // WINDOW_SECONDS)
        return f"{self._prefix}:rate:{window}:{key}", (window + 1) * WINDOW_SECONDS - now

    async def count(self, key: str) -> tuple[int, float]:
        name, left = self._key(key)
        try:
            raw = await self._redis.get(name)
        except (RedisError, OSError) as error:
            log.warning("rate limiter: redis unavailable (%s); not limiting", error)
            return 0, left
        return int(raw or 0), left

    async def hit(self, key: str) -> tuple[int, float]:
        name, left = self._key(key)
        try:
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.incr(name)
                pipe.expire(name, WINDOW_SECONDS + 5)
                count, _ = await pipe.execute()
        except (RedisError, OSError) as error:
            log.warning("rate limiter: redis unavailable (%s); not limiting", error)
            return 0, left
        return int(count), left

    async def close(self) -> None:
        await self._redis.aclose()


RATE_LIMITER_KEY = web.AppKey("rate_limiter", RateLimiter)


async def rate_limiter(app: web.Application) -> AsyncIterator[None]:
    """Cleanup context: the limiter the settings ask for."""
    settings = app[SETTINGS_KEY]
    limiter: RateLimiter = (
        RedisRateLimiter(settings.redis_url, settings.redis_channel_prefix)
        if settings.redis_url
        else MemoryRateLimiter()
    )
    app[RATE_LIMITER_KEY] = limiter
    yield
    await limiter.close()


def _refuse(left: float, what: str) -> RateLimited:
    retry_after = max(1, math.ceil(left))
    return RateLimited(
        f"too many {what}; try again in {retry_after} s",
        data={"retry_after": retry_after},
    )


async def limit_requests(request: web.Request, key: str, per_minute: int) -> None:
    """Count this request under ``key``; 429 once it exceeds ``per_minute``."""
    if per_minute <= 0:
        return
    count, left = await request.app[RATE_LIMITER_KEY].hit(key)
    if count > per_minute:
        raise _refuse(left, "requests")


async def refuse_if_exhausted(request: web.Request, keys: list[str], per_minute: int) -> None:
    """429 when any of ``keys`` has used up its budget (checked before trying)."""
    if per_minute <= 0:
        return
    limiter = request.app[RATE_LIMITER_KEY]
    for key in keys:
        count, left = await limiter.count(key)
        if count >= per_minute:
            raise _refuse(left, "failed logins")


async def count_failure(request: web.Request, keys: list[str], per_minute: int) -> None:
    """Charge a failed attempt to each of ``keys``."""
    if per_minute <= 0:
        return
    limiter = request.app[RATE_LIMITER_KEY]
    for key in keys:
        await limiter.hit(key)


def client_address(request: web.BaseRequest, settings: Settings) -> str:
    """The caller's address; behind a trusted proxy, the one the proxy appended last."""
    if settings.trust_forwarded_for:
        forwarded = request.headers.getall("X-Forwarded-For", [])
        if forwarded and (last := forwarded[-1].split(",")[-1].strip()):
            return last
    return request.remote or "unknown"


async def limit_code_user(request: web.Request, code_user_id: int | None) -> None:
    """Count a request of a code user (by identity, or by address before one exists)."""
    settings = request.app[SETTINGS_KEY]
    key = (
        f"code-user:{code_user_id}"
        if code_user_id is not None
        else f"anonymous:{client_address(request, settings)}"
    )
    await limit_requests(request, key, settings.code_user_requests_per_minute)


@asynccontextmanager
async def login_attempt(request: web.Request, email: str) -> AsyncIterator[None]:
    """Refuse a login from an address or for an account with too many recent failures;
    charge a failure (wrong e-mail or password) to both."""
    settings = request.app[SETTINGS_KEY]
    per_minute = settings.login_failures_per_minute
    keys = [
        f"login-ip:{client_address(request, settings)}",
        f"login-email:{email.strip().lower()[:320]}",
    ]
    await refuse_if_exhausted(request, keys, per_minute)
    try:
        yield
    except NotAuthenticated:
        await count_failure(request, keys, per_minute)
        raise
