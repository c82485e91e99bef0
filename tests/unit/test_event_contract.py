"""The TypeScript mirror of the event contract (web/src/lib/events.ts) agrees with the
Python one (orchestrator/events/schemas.py): event types, statuses, actor kinds,
visibilities and the fields of every mirrored model."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import BaseModel

from orchestrator.domain.types import ActorKind, SessionStatus, Visibility
from orchestrator.events.schemas import EVENT_TYPES, Actor, Event, SessionPayload, SessionRef

EVENTS_TS = Path(__file__).parents[2] / "web" / "src" / "lib" / "events.ts"


def _source() -> str:
    return EVENTS_TS.read_text(encoding="utf-8")


def ts_const_list(name: str) -> list[str]:
    """The string items of ``export const NAME = [ ... ] as const;``."""
    match = re.search(rf"export const {name} = \[(.*?)\] as const;", _source(), re.S)
    assert match, f"events.ts has no `export const {name} = [...] as const`"
    return re.findall(r'"([^"]+)"', match.group(1))


def ts_interface_fields(name: str) -> dict[str, str]:
    """Field name → TypeScript type of ``export interface NAME { ... }`` (flat bodies)."""
    match = re.search(rf"export interface {name} \{{(.*?)\n\}}", _source(), re.S)
    assert match, f"events.ts has no `export interface {name}`"
    fields = re.findall(r"^\s+(\w+)(\??): ([^;]+);", match.group(1), re.M)
    return {field: kind.strip() for field, _optional, kind in fields}


def test_event_types_agree() -> None:
    assert ts_const_list("EVENT_TYPES") == list(EVENT_TYPES)


@pytest.mark.parametrize(
    ("ts_name", "enum"),
    [("SESSION_STATUSES", SessionStatus), ("ACTOR_KINDS", ActorKind), ("VISIBILITIES", Visibility)],
)
def test_value_lists_agree(ts_name: str, enum: type) -> None:
    assert ts_const_list(ts_name) == [member.value for member in enum]  # type: ignore[attr-defined]


# Python annotation → the TypeScript type the mirror must give it.
TS_TYPES = {
    "int": "number",
    "str": "string",
    "datetime": "string",
    "int | None": "number | null",
    "list[int]": "number[]",
    "list[str]": "string[]",
    "dict[str, Any]": "Record<string, unknown>",
    "SessionStatus": "SessionStatus",
    "SessionStatus | None": "SessionStatus | null",
    "Visibility": "Visibility",
    "ActorKind": "ActorKind",
    "Actor": "Actor",
    "SessionRef": "SessionRef",
    "SessionPayload": "SessionPayload",
    "EventType": "EventType",
}


def _python_type(annotation: object) -> str:
    text = getattr(annotation, "__name__", None) if isinstance(annotation, type) else None
    text = text or str(annotation)
    text = re.sub(r"\b(typing|datetime|orchestrator\.[\w.]+)\.", "", text)
    return text.replace("Literal[" + ", ".join(repr(t) for t in EVENT_TYPES) + "]", "EventType")


@pytest.mark.parametrize(
    ("ts_name", "model"),
    [
        ("Actor", Actor),
        ("SessionRef", SessionRef),
        ("SessionPayload", SessionPayload),
        ("DomainEvent", Event),
    ],
)
def test_models_agree(ts_name: str, model: type[BaseModel]) -> None:
    ts_fields = ts_interface_fields(ts_name)
    assert list(ts_fields) == list(model.model_fields), f"{ts_name}: fields differ"
    for name, field in model.model_fields.items():
        python = _python_type(field.annotation)
        assert python in TS_TYPES, f"{model.__name__}.{name}: no TypeScript mapping for {python}"
        assert ts_fields[name] == TS_TYPES[python], f"{ts_name}.{name}"
