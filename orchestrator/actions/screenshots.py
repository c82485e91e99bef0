"""Screenshot actions: take one (the code user's browser uploads the still), merge
annotation edits into the stored board, read the boards for a joining browser, and
store originals and rendered images as session artifacts after the call.

The image waits in the upload spool (``<storage_dir>/spool/<key>``) during the call,
so every orchestrator instance can serve it; the elements live in the database, so
every instance gives a late or reloading browser the same snapshot.
"""

from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from orchestrator.actions.artifacts import do_add_artifact
from orchestrator.actions.call_records import open_call
from orchestrator.actions.clock import now
from orchestrator.db.models import Screenshot, ScreenshotElement
from orchestrator.domain.errors import Conflict, NotFound, PermissionDenied
from orchestrator.domain.types import ArtifactKind
from orchestrator.realtime.board_merge import merge, visible
from orchestrator.realtime.board_render import render
from orchestrator.realtime.tool_messages import Board, Element, Sender

log = logging.getLogger(__name__)

CONTENT_TYPES = {"image/jpeg": "jpg", "image/png": "png"}


def screenshot_key(session_id: int, public_id: str, kind: str, extension: str) -> str:
    """Where a screenshot file lives in storage (and in the spool before its upload)."""
    return f"sessions/{session_id}/screenshot-{public_id}-{kind}.{extension}"


def original_key(shot: Screenshot) -> str:
    return screenshot_key(
        shot.session_id, shot.public_id, "original", CONTENT_TYPES[shot.content_type]
    )


async def do_add_screenshot(
    db: AsyncSession,
    session_id: int,
    sender: Sender,
    *,
    public_id: str,
    width: int,
    height: int,
    content_type: str,
) -> Screenshot:
    """A still was spooled under ``original_key``: record it with the active call."""
    call = await open_call(db, session_id)
    known = await db.scalar(
        select(Screenshot.id).where(
            Screenshot.session_id == session_id, Screenshot.public_id == public_id
        )
    )
    if known is not None:
        raise Conflict("this screenshot id is taken", code="screenshot_exists")
    shot = Screenshot(
        session_id=session_id,
        call_id=call.id if call is not None else None,
        public_id=public_id,
        width=width,
        height=height,
        content_type=content_type,
        taken_by=sender.key,
        taken_at=now(),
    )
    db.add(shot)
    await db.flush()
    return shot


async def load_open_screenshot(db: AsyncSession, session_id: int, public_id: str) -> Screenshot:
    """A screenshot of the session's running call (not yet stored after the call)."""
    shot = await db.scalar(
        select(Screenshot)
        .where(
            Screenshot.session_id == session_id,
            Screenshot.public_id == public_id,
            Screenshot.finalized_at.is_(None),
        )
        .with_for_update()
    )
    if shot is None:
        raise NotFound(f"screenshot {public_id} not found", code="no_such_screenshot")
    return shot


async def do_apply_elements(
    db: AsyncSession, session_id: int, public_id: str, sender: Sender, elements: list[Element]
) -> list[Element]:
    """Merge edits into the stored board; the ones that changed it (to relay).

    The screenshot row is locked, so concurrent edits from several orchestrators
    merge one after the other. A side draws in its own colour: a new element must
    carry the sender's role, and no edit may change an element's role.
    """
    shot = await load_open_screenshot(db, session_id, public_id)
    rows = {
        row.element_id: row
        for row in await db.scalars(
            select(ScreenshotElement).where(
                ScreenshotElement.screenshot_id == shot.id,
                ScreenshotElement.element_id.in_([e.id for e in elements]),
            )
        )
    }
    board = {key: Element.model_validate(row.body) for key, row in rows.items()}
    for element in elements:
        owner = board[element.id].role if element.id in board else sender.role
        if element.role is not owner:
            raise PermissionDenied(
                "an element keeps the colour of the side that made it",
                code="wrong_role",
                field="elements.role",
            )
    changed = merge(board, elements)
    for element in changed:
        row = rows.get(element.id)
        body = element.model_dump(mode="json")
        if row is None:
            rows[element.id] = row = ScreenshotElement(
                screenshot_id=shot.id, element_id=element.id, version=0, nonce=0, body=body
            )
            db.add(row)
        row.version, row.nonce, row.body = element.version, element.nonce, body
    return changed


async def open_boards(db: AsyncSession, session_id: int) -> list[Board]:
    """The boards of the session's running call, for a browser that joins."""
    shots = list(
        await db.scalars(
            select(Screenshot)
            .where(Screenshot.session_id == session_id, Screenshot.finalized_at.is_(None))
            .order_by(Screenshot.id)
        )
    )
    boards = []
    for shot in shots:
        boards.append(
            Board(
                screenshot_id=shot.public_id,
                width=shot.width,
                height=shot.height,
                elements=await _elements(db, shot),
            )
        )
    return boards


async def _elements(db: AsyncSession, shot: Screenshot) -> list[Element]:
    rows = await db.scalars(
        select(ScreenshotElement)
        .where(ScreenshotElement.screenshot_id == shot.id)
        .order_by(ScreenshotElement.element_id)
    )
    return [Element.model_validate(row.body) for row in rows]


async def unstored_screenshots(db: AsyncSession, session_id: int) -> list[int]:
    """The session's screenshots that were not stored yet (after its call ended)."""
    ids = await db.scalars(
        select(Screenshot.id).where(
            Screenshot.session_id == session_id, Screenshot.finalized_at.is_(None)
        )
    )
    return list(ids)


async def claim_screenshot(db: AsyncSession, shot_id: int) -> bool:
    """Whether this caller stores the screenshot: every orchestrator hears the end of
    the call, and this conditional update lets exactly one of them win."""
    result = await db.execute(
        update(Screenshot)
        .where(Screenshot.id == shot_id, Screenshot.finalized_at.is_(None))
        .values(finalized_at=now())
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def do_store_screenshot(db: AsyncSession, shot_id: int, spool: Path) -> Screenshot:
    """Render the annotated image next to the spooled original and give both to the
    upload job as artifacts of the session (idempotent)."""
    shot = await db.get(Screenshot, shot_id, populate_existing=True)
    if shot is None:
        raise NotFound(f"screenshot {shot_id} not found")
    if shot.original_artifact_id is not None:
        return shot
    key = original_key(shot)
    original = (spool / key).read_bytes()
    annotated = render(original, visible({e.id: e for e in await _elements(db, shot)}))
    annotated_key = screenshot_key(shot.session_id, shot.public_id, "annotated", "png")
    (spool / annotated_key).write_bytes(annotated)
    first = await do_add_artifact(
        db,
        shot.session_id,
        kind=ArtifactKind.SCREENSHOT,
        storage_key=key,
        content_type=shot.content_type,
        size_bytes=len(original),
    )
    second = await do_add_artifact(
        db,
        shot.session_id,
        kind=ArtifactKind.SCREENSHOT,
        storage_key=annotated_key,
        content_type="image/png",
        size_bytes=len(annotated),
    )
    shot.original_artifact_id, shot.annotated_artifact_id = first.id, second.id
    return shot
