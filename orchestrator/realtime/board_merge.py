"""The deterministic merge of screenshot annotations (pure, no I/O).

Every element carries ``id``, ``version`` and a random ``nonce``. A change (new
shape, moved point, erase, undo, redo) is a new version of the element. Of two
versions of one element, the one with the higher ``(version, nonce)`` wins; equal
pairs are the same edit. That is a maximum over a total order, so merging is
commutative, associative and idempotent: every browser and the server end with the
same board whatever order the edits arrive in, and however often.

Mirrored in ``web/src/lib/board-merge.ts``; both are checked against the shared
cases in ``tests/fixtures/board_merge.json``.
"""

from __future__ import annotations

from collections.abc import Iterable

from orchestrator.realtime.tool_messages import Element


def wins(candidate: Element, current: Element | None) -> bool:
    """Whether ``candidate`` replaces ``current`` (a missing element always loses)."""
    if current is None:
        return True
    return (candidate.version, candidate.nonce) > (current.version, current.nonce)


def merge(board: dict[str, Element], incoming: Iterable[Element]) -> list[Element]:
    """Apply ``incoming`` to ``board`` in place; the elements that changed it."""
    changed: list[Element] = []
    for element in incoming:
        if wins(element, board.get(element.id)):
            board[element.id] = element
            changed.append(element)
    return changed


def visible(board: dict[str, Element]) -> list[Element]:
    """The elements to draw, in a stable order (by id): erased ones are left out."""
    return [board[key] for key in sorted(board) if not board[key].deleted]
