"""The annotation merge (orchestrator/realtime/board_merge.py): the shared cases that
the TypeScript merge passes too (tests/fixtures/board_merge.json, see
web/src/lib/board-merge.test.ts), and convergence under random interleavings of
concurrent edits (hypothesis)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orchestrator.realtime.board_merge import merge, visible
from orchestrator.realtime.tool_messages import Element

CASES: list[dict[str, Any]] = json.loads(
    (Path(__file__).parents[1] / "fixtures" / "board_merge.json").read_text(encoding="utf-8")
)


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_shared_cases(case: dict[str, Any]) -> None:
    board = {e["id"]: Element.model_validate(e) for e in case["base"]}
    changed = merge(board, [Element.model_validate(e) for e in case["incoming"]])
    assert [e.id for e in changed if e is board[e.id]] == case["changed"]
    assert [e.id for e in visible(board)] == case["visible"]
    for key, (version, nonce) in case.get("expect", {}).items():
        assert (board[key].version, board[key].nonce) == (version, nonce)


edits = st.builds(
    Element,
    id=st.sampled_from(["a", "b", "c"]),
    version=st.integers(1, 4),
    nonce=st.integers(0, 3),
    deleted=st.booleans(),
    shape=st.sampled_from(["pen", "arrow", "rect", "text"]),
    role=st.sampled_from(["code_user", "employee"]),
    points=st.lists(st.tuples(st.floats(0, 1), st.floats(0, 1)), max_size=3),
    text=st.sampled_from(["", "x"]),
)


def unique_edits(elements: list[Element]) -> list[Element]:
    """One edit per (id, version, nonce): a browser never reuses a nonce for another edit."""
    seen: dict[tuple[str, int, int], Element] = {}
    for element in elements:
        seen.setdefault((element.id, element.version, element.nonce), element)
    return list(seen.values())


@settings(max_examples=300, deadline=None)
@given(
    st.lists(edits, max_size=12).map(unique_edits),
    st.randoms(use_true_random=False),
    st.integers(1, 4),
)
def test_every_interleaving_converges(elements: list[Element], rnd: Any, sides: int) -> None:
    """Edits split between ``sides`` browsers, each receiving all edits in its own
    order, some twice, in batches: every board ends the same, equal to one merge."""
    reference: dict[str, Element] = {}
    merge(reference, elements)
    for _ in range(sides):
        order = elements + rnd.sample(elements, k=len(elements) // 2)  # duplicates
        rnd.shuffle(order)
        board: dict[str, Element] = {}
        while order:
            size = rnd.randint(1, 3)
            batch, order = order[:size], order[size:]
            merge(board, batch)
        assert board == reference
        assert visible(board) == visible(reference)
