"""The one error hierarchy of Fernblick.

Every failure a user can cause or meet is a :class:`FernblickError` with a stable
machine-readable ``code``, an HTTP status and optional data. The API maps it to an
RFC 9457 problem document in one middleware (``orchestrator.api.problems``); the
WebSocket maps it to an error frame in one function. Nothing else decides status codes.
"""

from __future__ import annotations

from typing import Any, ClassVar


class FernblickError(Exception):
    """Base of every expected failure; never surfaces as a 500."""

    code: ClassVar[str] = "error"
    status: ClassVar[int] = 400
    title: ClassVar[str] = "Bad request"

    def __init__(
        self,
        detail: str,
        *,
        field: str | None = None,
        data: dict[str, Any] | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field
        self.data: dict[str, Any] = dict(data or {})
        if code is not None:
            self.instance_code = code

    @property
    def error_code(self) -> str:
        """The stable code; a subclass may refine it per instance (``code=``)."""
        return getattr(self, "instance_code", self.code)


class InvalidInput(FernblickError):
    code = "invalid_input"
    status = 422
    title = "Invalid input"


class MalformedRequest(FernblickError):
    code = "malformed_request"
    status = 400
    title = "Malformed request"


class PayloadTooLarge(FernblickError):
    code = "payload_too_large"
    status = 413
    title = "Payload too large"


class NotAuthenticated(FernblickError):
    code = "not_authenticated"
    status = 401
    title = "Not authenticated"


class PermissionDenied(FernblickError):
    code = "permission_denied"
    status = 403
    title = "Permission denied"


class CsrfFailed(FernblickError):
    code = "csrf_failed"
    status = 403
    title = "CSRF token missing or wrong"


class NotFound(FernblickError):
    code = "not_found"
    status = 404
    title = "Not found"


class MethodNotAllowed(FernblickError):
    code = "method_not_allowed"
    status = 405
    title = "Method not allowed"


class Conflict(FernblickError):
    code = "conflict"
    status = 409
    title = "Conflict"


class VersionConflict(Conflict):
    """Someone else changed the record first (optimistic concurrency)."""

    code = "version_conflict"
    title = "Changed by someone else"


class MarkerSlotTaken(Conflict):
    """A placement at the same moment took the marker slot this one counted on; placing
    again sees it (SQLite, where placements are not serialised)."""

    code = "marker_slot_taken"
    title = "Placed at the same moment"


class InvalidTransition(Conflict):
    """The state machine does not allow this trigger in the current state."""

    code = "invalid_transition"
    title = "Status change not allowed"


class PreconditionRequired(FernblickError):
    code = "precondition_required"
    status = 428
    title = "Precondition required"


class RateLimited(FernblickError):
    code = "rate_limited"
    status = 429
    title = "Too many requests"


class UpstreamFailed(FernblickError):
    """A service we depend on (Janus, storage, broker) answered with an error."""

    code = "upstream_failed"
    status = 502
    title = "Upstream service failed"


class ServiceUnavailable(FernblickError):
    """A service we depend on cannot be reached right now; retrying later may work."""

    code = "service_unavailable"
    status = 503
    title = "Service unavailable"
