"""Typed in-call tool messages: the one contract between browsers and orchestrators.

Mirrored in TypeScript in ``web/src/lib/tool-messages.ts``; ``tests/unit/
test_tool_message_contract.py`` keeps the two in step. Coordinates are normalised
to the video frame (``web/src/lib/frame-coords.ts``): (0, 0) is the picture's
top-left, (1, 1) its bottom-right, whatever the viewer's screen or mirroring.

A browser sends ``call.join`` / ``call.leave`` / ``call.tool`` frames on its
``/api/ws`` connection. The server never trusts a sender's claim of who it is: it
stamps each relayed ``call.tool`` frame with the sender's role and key, and the
colour follows the role (code user blue, employee red).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from orchestrator.domain.calls import CallSide

ToolId = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,40}$")]
"""Ids made by browsers (strokes, elements): short, URL-safe, random."""
Coordinate = Annotated[float, Field(ge=-1.0, le=2.0, allow_inf_nan=False)]
"""A frame coordinate; a little beyond 0..1 is allowed (a stroke leaving the picture)."""
FramePoint = tuple[Coordinate, Coordinate]

Shape = Literal["pen", "arrow", "rect", "text"]

MAX_POINTS_PER_MESSAGE = 64
MAX_ELEMENTS_PER_MESSAGE = 32
MAX_TEXT_LENGTH = 500


class StrokePoints(BaseModel):
    """Points appended to a live stroke on the video, sent while it is drawn."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["stroke"]
    stroke_id: ToolId
    points: list[FramePoint] = Field(min_length=1, max_length=MAX_POINTS_PER_MESSAGE)
    done: bool = False
    at: float = Field(
        default=0.0, ge=0, allow_inf_nan=False, description="Sender's clock (epoch ms)."
    )


class Element(BaseModel):
    """One shape on a screenshot; the merge keeps the highest (version, nonce)."""

    model_config = ConfigDict(extra="forbid")

    id: ToolId
    version: int = Field(ge=1, le=1_000_000)
    nonce: int = Field(ge=0, le=2**31 - 1)
    deleted: bool = False
    shape: Shape
    role: CallSide
    points: list[FramePoint] = Field(default_factory=list, max_length=512)
    text: str = Field(default="", max_length=MAX_TEXT_LENGTH)


class Elements(BaseModel):
    """New versions of elements of one screenshot (created, changed, erased, undone)."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["elements"]
    screenshot_id: ToolId
    elements: list[Element] = Field(min_length=1, max_length=MAX_ELEMENTS_PER_MESSAGE)


class ScreenshotShown(BaseModel):
    """A screenshot was taken: every browser opens it for annotation."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["screenshot"]
    screenshot_id: ToolId
    width: int = Field(ge=1, le=8192)
    height: int = Field(ge=1, le=8192)


class CaptureRequest(BaseModel):
    """The employee asks the code user's browser for a still of its camera."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["capture"]
    screenshot_id: ToolId


Tool = Annotated[
    StrokePoints | Elements | ScreenshotShown | CaptureRequest, Field(discriminator="kind")
]
TOOL_KINDS: tuple[str, ...] = ("stroke", "elements", "screenshot", "capture")


class JoinRequest(BaseModel):
    """``{"type": "call.join", "session_id": 7}``: hear the session's in-call tools."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["call.join"]
    session_id: int = Field(ge=1)


class LeaveRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: Literal["call.leave"]
    session_id: int = Field(ge=1)


class ToolRequest(BaseModel):
    """A tool message from a browser to the others of the session."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["call.tool"]
    session_id: int = Field(ge=1)
    tool: Tool


ClientFrame = Annotated[JoinRequest | LeaveRequest | ToolRequest, Field(discriminator="type")]
CLIENT_FRAME = TypeAdapter[JoinRequest | LeaveRequest | ToolRequest](ClientFrame)
CLIENT_FRAME_TYPES: tuple[str, ...] = ("call.join", "call.leave", "call.tool")


class Sender(BaseModel):
    """Who sent a relayed tool message, as the server established it."""

    model_config = ConfigDict(extra="forbid")

    role: CallSide
    key: str


class ToolFrame(BaseModel):
    """``call.tool`` from the server: a tool message and its sender."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["call.tool"]
    session_id: int
    sender: Sender
    tool: Tool


class Board(BaseModel):
    """One screenshot of the call with its merged elements (the snapshot of a board)."""

    model_config = ConfigDict(extra="forbid")

    screenshot_id: ToolId
    width: int
    height: int
    elements: list[Element] = Field(default_factory=list)


class JoinedFrame(BaseModel):
    """The answer to ``call.join``: the joiner's own identity and the call's boards."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["call.joined"]
    session_id: int
    sender: Sender
    boards: list[Board] = Field(default_factory=list)


class ClosedFrame(BaseModel):
    """The call ended (or the joiner may no longer take part): tools stop."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["call.closed"]
    session_id: int
    reason: str


class MarkerPosition(BaseModel):
    """One tracking marker on one frame; ``lost`` while the tracker cannot confirm it."""

    model_config = ConfigDict(extra="forbid")

    id: str
    number: int
    x: float
    y: float
    lost: bool


class MarkersFrame(BaseModel):
    """Every marker of the session on the code user's frame with this RTP timestamp (the
    phone's own), sent by the tracker worker for each frame it tracks (``tracker/``);
    ``tracked_ms`` is how long the frame took from reaching the worker to this message,
    and ``thumbnail`` the frame's mean grey levels in a grid (``THUMBNAIL_SIZE``, row by
    row): both let a receiver whose timestamps Janus rebased tell frames a period apart.
    An empty list: no marker is left."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["call.markers"]
    session_id: int
    rtp_timestamp: int
    frame_bytes: int
    width: int
    height: int
    markers: list[MarkerPosition]
    tracked_ms: float
    thumbnail: list[int] = Field(default_factory=list)


THUMBNAIL_SIZE = (8, 6)
"""Columns and rows of a markers frame's thumbnail: coarse enough to be cheap to send
and to compute again in a browser from the shown picture, fine enough that an occluder
or a camera move changes it."""

MAX_MARKERS = 9
"""Markers per session, numbered 1 to 9 (one digit on the screen): the employee's page
offers no tenth, and the tracker worker ignores one."""

PATCH_SIDE = 16
"""Grey levels per side of a placement's patch: what the employee saw around the click,
so that the tracker worker starts the marker on the frame that showed it
(``tracker/placement.py``)."""
PATCH_SPAN_PERCENT = 10
"""Side of the patch's square, in per cent of the frame's height (at least PATCH_SIDE
pixels): wide enough to hold some texture around a point, small enough to stay on it."""

