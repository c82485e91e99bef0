"""The HTTP access log, without the machine-to-machine chatter.

Janus posts every event it has to ``/janus/events``, and health checks and Prometheus
poll ``/healthz``, ``/readyz`` and ``/metrics``; logging each of those would bury the
requests people make. Each line carries the request id (``X-Request-ID``) and, in
JSON logs, the method, path, status and duration as fields.
"""

from __future__ import annotations

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

from orchestrator.observability.context import REQUEST_ID_KEY

QUIET_PATHS = frozenset({"/janus/events", "/healthz", "/readyz", "/metrics"})


class AccessLogger(AbstractAccessLogger):
    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        if request.path in QUIET_PATHS and response.status < 400:
            return
        duration_ms = round(time * 1000, 1)
        match_info = getattr(request, "match_info", {})
        session = match_info.get("session_id")
        self.logger.info(
            '%s "%s %s" %s %.1fms',
            request.remote,
            request.method,
            request.path_qs,
            response.status,
            duration_ms,
            extra={
                "request_id": request.get(REQUEST_ID_KEY),
                "session_id": int(session) if session and session.isdigit() else None,
                "remote": request.remote,
                "method": request.method,
                "path": request.path,
                "status": response.status,
                "duration_ms": duration_ms,
            },
        )
