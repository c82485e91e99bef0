"""The one mapping from errors to HTTP: RFC 9457 problem documents.

Every error leaves the API here, as ``application/problem+json`` with a stable
``code``; unexpected exceptions are logged and answered without internals.
"""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from orchestrator.domain.errors import FernblickError

log = logging.getLogger(__name__)

PROBLEM_TYPE_BASE = "https://fernblick.dev/problems/"


class Problem(BaseModel):
    """RFC 9457 problem details, plus Fernblick's stable ``code`` and the ``field``."""

    model_config = ConfigDict(extra="allow")

    type: str
    title: str
    status: int
    detail: str
    code: str = Field(description="Stable machine-readable error code.")
    field: str | None = Field(default=None, description="The offending input field.")


def problem_response(
    status: int,
    code: str,
    title: str,
    detail: str,
    *,
    field: str | None = None,
    data: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> web.Response:
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + code,
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
        "field": field,
    }
    for key, value in (data or {}).items():
        body.setdefault(key, value)
    return web.json_response(
        body, status=status, content_type="application/problem+json", headers=headers
    )


def error_response(error: FernblickError) -> web.Response:
    retry_after = error.data.get("retry_after")
    return problem_response(
        error.status,
        error.error_code,
        error.title,
        error.detail,
        field=error.field,
        data=error.data,
        headers={"Retry-After": str(retry_after)} if retry_after is not None else None,
    )


_HTTP_CODES = {
    400: "malformed_request",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
}


@web.middleware
async def problem_middleware(request: web.Request, handler: Any) -> web.StreamResponse:
    try:
        response: web.StreamResponse = await handler(request)
        return response
    except FernblickError as error:
        return error_response(error)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        code = _HTTP_CODES.get(exc.status, "http_error")
        detail = exc.text if exc.text and not exc.text.startswith(str(exc.status)) else exc.reason
        headers = {"Allow": exc.headers["Allow"]} if "Allow" in exc.headers else None
        return problem_response(exc.status, code, exc.reason, detail, headers=headers)
    except Exception:
        log.exception("unhandled error in %s %s", request.method, request.path)
        return problem_response(
            500, "internal_error", "Internal error", "something went wrong; it has been logged"
        )
