"""The TypeScript mirror of the in-call tool messages (web/src/lib/tool-messages.ts)
agrees with the Python contract (orchestrator/realtime/tool_messages.py): the value
lists, the limits and the fields of every model with their types."""

from __future__ import annotations

import re
import types
import typing
from pathlib import Path

import pytest
from pydantic import BaseModel

from orchestrator.domain.calls import CallSide
from orchestrator.realtime import tool_messages as py

TOOL_TS = Path(__file__).parents[2] / "web" / "src" / "lib" / "tool-messages.ts"
MODELS: tuple[type[BaseModel], ...] = (
    py.StrokePoints,
    py.Element,
    py.Elements,
    py.ScreenshotShown,
    py.CaptureRequest,
    py.JoinRequest,
    py.LeaveRequest,
    py.ToolRequest,
    py.Sender,
    py.ToolFrame,
    py.Board,
    py.JoinedFrame,
    py.ClosedFrame,
    py.MarkerPosition,
    py.MarkersFrame,
)
NAMED = {
    CallSide: "CallRole",
    py.Sender: "Sender",
    py.Element: "Element",
    py.Board: "Board",
    py.MarkerPosition: "MarkerPosition",
}


def ts_source() -> str:
    return TOOL_TS.read_text(encoding="utf-8")


def ts_interface(name: str) -> dict[str, str]:
    """Field → type of ``export interface NAME { ... }``, as written."""
    match = re.search(rf"export interface {name} \{{(.*?)\n\}}", ts_source(), re.S)
    assert match, f"tool-messages.ts has no `export interface {name}`"
    return {f: t.strip() for f, t in re.findall(r"^\s+(\w+): ([^;]+);", match.group(1), re.M)}


def ts_strings(name: str) -> list[str]:
    match = re.search(rf"export const {name} = \[(.*?)\] as const;", ts_source(), re.S)
    assert match, f"tool-messages.ts has no `export const {name}`"
    return re.findall(r'"([^"]+)"', match.group(1))


def ts_number(name: str) -> int:
    match = re.search(rf"export const {name} = (\d+);", ts_source())
    assert match, f"tool-messages.ts has no `export const {name} = <number>`"
    return int(match.group(1))


def ts_type(annotation: object) -> str:
    """The TypeScript spelling of a Python annotation in this contract."""
    if typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    if annotation == py.Shape:
        return "Shape"
    if annotation in NAMED:
        return NAMED[annotation]  # type: ignore[index]
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Literal:
        return " | ".join(f'"{value}"' for value in args)
    if origin is list:
        return f"{ts_type(args[0])}[]"
    if origin is tuple and len(args) == 2 and all(ts_type(a) == "number" for a in args):
        return "FramePoint"
    tool_union = {py.StrokePoints, py.Elements, py.ScreenshotShown, py.CaptureRequest}
    if origin in (typing.Union, types.UnionType) and set(args) == tool_union:
        return "Tool"
    scalars = {int: "number", float: "number", str: "string", bool: "boolean"}
    assert annotation in scalars, f"no TypeScript spelling for {annotation!r}"
    return scalars[annotation]  # type: ignore[index]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_models_agree(model: type[BaseModel]) -> None:
    fields = ts_interface(model.__name__)
    assert list(fields) == list(model.model_fields), f"{model.__name__}: fields differ"
    for name, info in model.model_fields.items():
        assert fields[name] == ts_type(info.annotation), f"{model.__name__}.{name}"


def test_value_lists_agree() -> None:
    assert ts_strings("CALL_ROLES") == [side.value for side in CallSide]
    assert ts_strings("TOOL_KINDS") == list(py.TOOL_KINDS)
    assert ts_strings("CLIENT_FRAME_TYPES") == list(py.CLIENT_FRAME_TYPES)
    assert ts_strings("SHAPES") == list(typing.get_args(py.Shape))


def test_limits_agree() -> None:
    for name in ("MAX_POINTS_PER_MESSAGE", "MAX_ELEMENTS_PER_MESSAGE", "MAX_TEXT_LENGTH"):
        assert ts_number(name) == getattr(py, name), name
    assert (ts_number("THUMBNAIL_COLUMNS"), ts_number("THUMBNAIL_ROWS")) == py.THUMBNAIL_SIZE
    assert ts_number("MAX_MARKERS") == py.MAX_MARKERS
    assert ts_number("PATCH_SIDE") == py.PATCH_SIDE
    assert ts_number("PATCH_SPAN_PERCENT") == py.PATCH_SPAN_PERCENT


def test_the_python_lists_name_the_unions() -> None:
    """TOOL_KINDS and CLIENT_FRAME_TYPES are the discriminators of the unions they list."""

    def tags(union: object, field: str) -> tuple[str, ...]:
        members = typing.get_args(typing.get_args(union)[0])
        return tuple(typing.get_args(m.model_fields[field].annotation)[0] for m in members)

    assert tags(py.Tool, "kind") == py.TOOL_KINDS
    assert tags(py.ClientFrame, "type") == py.CLIENT_FRAME_TYPES
