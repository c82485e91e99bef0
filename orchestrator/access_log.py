"""The HTTP access log, without the machine-to-machine chatter.

Janus posts every event it has to ``/janus/events`` and health checks poll
``/healthz``; logging each of those would bury the requests people make.
"""

from __future__ import annotations

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

QUIET_PATHS = frozenset({"/janus/events", "/healthz"})


class AccessLogger(AbstractAccessLogger):
    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        if request.path in QUIET_PATHS and response.status < 400:
            return
        self.logger.info(
            '%s "%s %s" %s %.1fms',
            request.remote,
            request.method,
            request.path_qs,
            response.status,
            time * 1000,
        )
