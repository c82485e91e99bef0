"""Janus failures, translated into the project's error hierarchy at the client boundary.

Janus answers with numbered errors: the core's (403 unauthorized, 458 no such
session, ...) and each plugin's (VideoRoom 426 no such room, 433 unauthorized,
...). The client raises :class:`JanusError` (an ``UpstreamFailed``, HTTP 502)
carrying the number in ``data["janus_code"]`` and as ``janus_code``; a few
numbers that callers branch on get their own subclass. A node that cannot be
reached at all is a :class:`JanusUnreachable` (``ServiceUnavailable``, 503).
"""

from __future__ import annotations

from typing import Any

from orchestrator.domain.errors import ServiceUnavailable, UpstreamFailed

# Janus core error codes (janus/apierror.h).
CORE_ERROR_NAMES: dict[int, str] = {
    403: "unauthorized",
    405: "unauthorized_plugin",
    450: "transport_specific",
    452: "missing_request",
    453: "unknown_request",
    454: "invalid_json",
    455: "invalid_json_object",
    456: "missing_mandatory_element",
    457: "invalid_request_path",
    458: "session_not_found",
    459: "handle_not_found",
    460: "plugin_not_found",
    461: "plugin_attach",
    462: "plugin_message",
    463: "plugin_detach",
    464: "jsep_unknown_type",
    465: "jsep_invalid_sdp",
    466: "trickle_invalid_stream",
    467: "invalid_element_type",
    468: "session_conflict",
    469: "unexpected_answer",
    470: "token_not_found",
    471: "webrtc_state",
    472: "not_accepting_sessions",
    490: "unknown",
}

# VideoRoom plugin error codes (plugins/janus_videoroom.c).
VIDEOROOM_ERROR_NAMES: dict[int, str] = {
    421: "no_message",
    422: "invalid_json",
    423: "invalid_request",
    424: "join_first",
    425: "already_joined",
    426: "no_such_room",
    427: "room_exists",
    428: "no_such_feed",
    429: "missing_element",
    430: "invalid_element",
    431: "invalid_sdp_type",
    432: "publishers_full",
    433: "unauthorized",
    434: "already_published",
    435: "not_published",
    436: "id_exists",
    437: "invalid_sdp",
    499: "unknown_error",
}

VIDEOROOM_NO_SUCH_ROOM = 426
VIDEOROOM_ROOM_EXISTS = 427
VIDEOROOM_NO_SUCH_FEED = 428
VIDEOROOM_MISSING_ELEMENT = 429
VIDEOROOM_UNAUTHORIZED = 433
CORE_UNAUTHORIZED = 403
CORE_UNAUTHORIZED_PLUGIN = 405
CORE_SESSION_NOT_FOUND = 458
CORE_HANDLE_NOT_FOUND = 459
CORE_TOKEN_NOT_FOUND = 470


class JanusError(UpstreamFailed):
    """Janus answered a request with an error; ``janus_code`` tells which."""

    code = "janus_error"
    title = "Video server refused the request"

    def __init__(
        self,
        janus_code: int,
        reason: str,
        *,
        source: str = "core",
        request: str | None = None,
        node: str | None = None,
    ) -> None:
        names = VIDEOROOM_ERROR_NAMES if source == "videoroom" else CORE_ERROR_NAMES
        name = names.get(janus_code, "unknown")
        data: dict[str, Any] = {"janus_code": janus_code, "janus_error": name, "source": source}
        if request is not None:
            data["request"] = request
        if node is not None:
            data["node"] = node
        super().__init__(f"Janus {source} error {janus_code} ({name}): {reason}", data=data)
        self.janus_code = janus_code
        self.reason = reason
        self.source = source


class JanusUnauthorized(JanusError):
    """Missing or wrong secret, token, admin key or room secret/pin."""

    code = "janus_unauthorized"


class JanusRoomNotFound(JanusError):
    """The VideoRoom room does not exist (any more) on that node."""

    code = "janus_room_not_found"


class JanusRoomExists(JanusError):
    """A room with that id already exists on that node."""

    code = "janus_room_exists"


class JanusSessionGone(JanusError):
    """The Janus session or handle timed out or was destroyed; open a new one."""

    code = "janus_session_gone"


class JanusUnreachable(ServiceUnavailable):
    """The node does not answer (down, restarting or network trouble)."""

    code = "janus_unreachable"
    title = "Video server unreachable"

    def __init__(self, node: str, detail: str) -> None:
        super().__init__(f"Janus node {node} unreachable: {detail}", data={"node": node})
        self.node = node


def janus_error(
    janus_code: int,
    reason: str,
    *,
    source: str = "core",
    request: str | None = None,
    node: str | None = None,
) -> JanusError:
    """The most specific :class:`JanusError` for a code from ``source`` (core or videoroom)."""
    cls: type[JanusError] = JanusError
    if source == "videoroom":
        if janus_code == VIDEOROOM_NO_SUCH_ROOM:
            cls = JanusRoomNotFound
        elif janus_code == VIDEOROOM_ROOM_EXISTS:
            cls = JanusRoomExists
        elif janus_code == VIDEOROOM_UNAUTHORIZED or (
            janus_code == VIDEOROOM_MISSING_ELEMENT and "admin_key" in reason
        ):
            cls = JanusUnauthorized
    elif janus_code in (CORE_UNAUTHORIZED, CORE_UNAUTHORIZED_PLUGIN):
        cls = JanusUnauthorized
    elif janus_code in (CORE_SESSION_NOT_FOUND, CORE_HANDLE_NOT_FOUND):
        cls = JanusSessionGone
    return cls(janus_code, reason, source=source, request=request, node=node)
