"""Liveness (``/healthz``) and readiness (``/readyz``) for load balancers and compose.

``/healthz`` only says the process answers: restarting it is the cure when it does
not. ``/readyz`` says whether this instance can do its work now (database, message
bus, at least one healthy Janus node); a proxy sends traffic elsewhere while it
answers 503, and the instance comes back by itself when its dependencies do.
"""

from __future__ import annotations

import asyncio

from aiohttp import web
from sqlalchemy import text

from orchestrator.api.keys import BUS_KEY, JANUS_POOL_KEY, UOW_KEY
from orchestrator.api.problems import problem_response
from orchestrator.domain.errors import ServiceUnavailable

DATABASE_TIMEOUT_SECONDS = 2.0


async def healthz(_request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def _database(app: web.Application) -> str | None:
    try:
        async with asyncio.timeout(DATABASE_TIMEOUT_SECONDS):
            async with app[UOW_KEY].read() as db:
                await db.execute(text("SELECT 1"))
    except TimeoutError:
        return f"no answer within {DATABASE_TIMEOUT_SECONDS:g} s"
    except ServiceUnavailable as error:
        return error.detail
    return None


def _bus(app: web.Application) -> str | None:
    bus = app.get(BUS_KEY)
    return None if bus is not None and bus.connected else "not connected"


def _janus(app: web.Application) -> str | None:
    pool = app.get(JANUS_POOL_KEY)
    if pool is None:
        return "no pool"
    if any(node.healthy for node in pool.nodes):
        return None
    failures = "; ".join(f"{node.name}: {node.last_error}" for node in pool.nodes)
    return f"no healthy node ({failures})"


async def readyz(request: web.Request) -> web.Response:
    """200 with every check ``ok``, else a 503 problem document naming what fails."""
    app = request.app
    failures = {
        name: reason
        for name, reason in (
            ("database", await _database(app)),
            ("bus", _bus(app)),
            ("janus", _janus(app)),
        )
        if reason is not None
    }
    checks = {name: failures.get(name, "ok") for name in ("database", "bus", "janus")}
    if not failures:
        return web.json_response({"status": "ready", "checks": checks})
    return problem_response(
        503,
        "not_ready",
        "Not ready",
        "not ready: " + ", ".join(sorted(failures)),
        data={"checks": checks},
        headers={"Retry-After": "5"},
    )
