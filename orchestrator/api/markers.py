"""Tracking markers in a call: the employee places, either side removes.

Positions do not come back in these answers: the tracker worker publishes them on the
session's channel, stamped with the RTP timestamp of the frame they belong to
(``docs/tracking.md``).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, field_validator

from orchestrator.actions.markers import MarkerSpot, do_remove_marker, place_marker
from orchestrator.api.routing import Api, Call, Empty
from orchestrator.api.schemas import In, Out
from orchestrator.realtime.tool_messages import PATCH_SIDE

api = Api()
TAG = "markers"
EMPLOYEE_MARKERS = "/api/sessions/{session_id:\\d+}/markers"
CODE_USER_MARKERS = "/api/code-user/sessions/{session_id:\\d+}/markers"
MARKER = "/{marker_id:[0-9a-f]+}"


class MarkerIn(In):
    """A point of the code user's video frame, normalised: (0, 0) top-left, (1, 1) bottom-right."""

    x: float = Field(ge=0.0, le=1.0)
    y: float = Field(ge=0.0, le=1.0)
    rtp_timestamp: int | None = Field(
        default=None,
        ge=0,
        le=2**32 - 1,
        description="The code user's RTP timestamp of the frame the point was picked on; "
        "without it the marker starts on the newest frame.",
    )
    patch: list[Annotated[int, Field(ge=0, le=255)]] = Field(
        default_factory=list,
        max_length=PATCH_SIDE * PATCH_SIDE,
        description=f"What the employee saw around the point: {PATCH_SIDE} x {PATCH_SIDE} grey "
        "levels, row by row, over a square whose side is a tenth of the frame's height "
        "(tracker/placement.py); the tracker starts the marker on the frame that shows it. "
        "Empty where the square leaves the picture or the page could not read it.",
    )

    @field_validator("patch")
    @classmethod
    def whole_patch(cls, patch: list[int]) -> list[int]:
        if patch and len(patch) != PATCH_SIDE * PATCH_SIDE:
            raise ValueError(f"a patch has {PATCH_SIDE * PATCH_SIDE} grey levels, or none")
        return patch


class MarkerOut(Out):
    marker_id: str


@api.route(
    "POST",
    EMPLOYEE_MARKERS,
    summary="Place a tracking marker on the code user's video (running call)",
    tag=TAG,
    body=MarkerIn,
    response=MarkerOut,
    status=202,
)
async def place(call: Call[MarkerIn, Empty]) -> MarkerOut:
    spot = MarkerSpot(
        x=call.body.x, y=call.body.y, rtp_timestamp=call.body.rtp_timestamp, patch=call.body.patch
    )
    marker_id = await place_marker(call.uow, call.employee, call.path_id("session_id"), spot)
    return MarkerOut(marker_id=marker_id)


@api.route(
    "DELETE", EMPLOYEE_MARKERS + MARKER, summary="Remove a tracking marker", tag=TAG, status=204
)
async def remove(call: Call[Empty, Empty]) -> None:
    async with call.uow.transaction() as db:
        await do_remove_marker(
            db, call.employee, call.path_id("session_id"), call.request.match_info["marker_id"]
        )


@api.route(
    "DELETE",
    CODE_USER_MARKERS + MARKER,
    summary="Remove a tracking marker (code user)",
    tag=TAG,
    auth="code_user",
    status=204,
)
async def remove_as_code_user(call: Call[Empty, Empty]) -> None:
    async with call.uow.transaction() as db:
        await do_remove_marker(
            db, call.code_user, call.path_id("session_id"), call.request.match_info["marker_id"]
        )
