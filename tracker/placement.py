"""Where a marker starts: the frame, and the spot, that the employee clicked on.

A placement names the RTP timestamp of the frame it was clicked on, but that stamp comes
from the employee's frame clock (``web/src/lib/rtp-clock.ts``), which can be off by a
few frames or not in step yet, and the frame may have left the worker's history. Seeded
on the wrong frame, a marker takes its template from whatever that frame shows there:
over a hand passing in front, it is then "found" on the hand and lost on the object.

So a placement also carries what the employee saw: a ``PATCH_SIDE`` x ``PATCH_SIDE``
grid of grey levels over a square around the click (``patch_at`` computes the same on
the worker's frames). The marker starts on the stamped frame if the patch is there; else
on the history frame where it is; else, if the picture moved on, where the patch is now
on the newest frame, near the click. Only when nothing looks like the patch (or it is
flat, so that nothing can) does the stamp alone decide, and that is logged.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from orchestrator.realtime.tool_messages import PATCH_SIDE, PATCH_SPAN_PERCENT

log = logging.getLogger(__name__)

ALIKE = 0.8
"""Normalised correlation from which a frame's patch counts as the one clicked on (the
same frame decoded by the browser and by the worker: about 0.98; a hand over the spot or
another object: far less)."""
TIE = 0.03
"""The stamped frame wins unless another frame's patch is this much more alike."""
MIN_STD = 4.0
"""Grey-level spread under which a patch is flat: it cannot tell frames apart."""
SEARCH_SPANS = 2.0
"""How far from the click, in patch sides, the newest frame is searched."""


@dataclass(frozen=True)
class Start:
    """The history frame to seed on, the point there (frame coordinates, 0..1) and how
    they were chosen: ``stamp``, ``picture`` (another frame matched), ``search`` (moved
    to where the patch is now), ``unverified`` (nothing matched) or ``no patch``."""

    index: int
    x: float
    y: float
    how: str
    likeness: float | None = None


def span_px(height: int) -> int:
    """Side of the patch's square in pixels of a frame this high (as the page computes it)."""
    return max(PATCH_SIDE, round(PATCH_SPAN_PERCENT * height / 100))


def patch_at(gray: np.ndarray, x: float, y: float) -> np.ndarray | None:
    """The patch around frame point (x, y), or None where its square leaves the frame."""
    height, width = gray.shape[:2]
    side = span_px(height)
    left, top = x * width - side / 2, y * height - side / 2
    if left < 0 or top < 0 or left + side > width or top + side > height:
        return None
    square = cv2.getRectSubPix(gray, (side, side), (x * width - 0.5, y * height - 0.5))
    return cv2.resize(square, (PATCH_SIDE, PATCH_SIDE), interpolation=cv2.INTER_AREA)


def likeness(a: np.ndarray, b: np.ndarray | None) -> float | None:
    """Normalised correlation of two patches; None when either is missing or flat."""
    if b is None:
        return None
    a64, b64 = a.astype(np.float64).ravel(), b.astype(np.float64).ravel()
    a64 -= a64.mean()
    b64 -= b64.mean()
    spread = np.sqrt((a64 @ a64) * (b64 @ b64))
    if min(a64.std(), b64.std()) < MIN_STD or spread == 0:
        return None
    return float(a64 @ b64 / spread)


def choose_start(
    frames: Sequence[np.ndarray],
    timestamps: Sequence[int],
    x: float,
    y: float,
    rtp_timestamp: int | None,
    patch: Sequence[int],
) -> Start:
    """Where a marker clicked at (x, y) on the frame ``rtp_timestamp`` starts, given the
    history's frames (oldest first) and their timestamps; see the module docstring."""
    newest = len(frames) - 1
    stamped = next((i for i, t in enumerate(timestamps) if t == rtp_timestamp), None)
    fallback = newest if stamped is None else stamped
    seen = np.asarray(patch, np.uint8).reshape(PATCH_SIDE, PATCH_SIDE) if patch else None
    if seen is None or seen.std() < MIN_STD:
        return Start(fallback, x, y, "no patch")
    scores = [likeness(seen, patch_at(frame, x, y)) for frame in frames]
    ranked = [(score, i) for i, score in enumerate(scores) if score is not None]
    if ranked:
        best_score, best = max(ranked)
        stamped_score = scores[stamped] if stamped is not None else None
        if stamped_score is not None and stamped_score >= max(ALIKE, best_score - TIE):
            return Start(stamped, x, y, "stamp", stamped_score)
        if best_score >= ALIKE:
            return Start(best, x, y, "picture", best_score)
    found = search(frames[newest], x, y, seen)
    if found is not None:
        return Start(newest, found[0], found[1], "search", found[2])
    return Start(fallback, x, y, "unverified")


def search(
    gray: np.ndarray, x: float, y: float, seen: np.ndarray
) -> tuple[float, float, float] | None:
    """Where near (x, y) the frame shows ``seen`` (frame point and likeness), if anywhere."""
    height, width = gray.shape[:2]
    side = span_px(height)
    scale = PATCH_SIDE / side
    reach = SEARCH_SPANS * side
    left = max(0, int(x * width - side / 2 - reach))
    top = max(0, int(y * height - side / 2 - reach))
    right = min(width, int(np.ceil(x * width + side / 2 + reach)))
    bottom = min(height, int(np.ceil(y * height + side / 2 + reach)))
    if right - left < side or bottom - top < side:
        return None
    region = cv2.resize(
        gray[top:bottom, left:right],
        (
            max(PATCH_SIDE, round((right - left) * scale)),
            max(PATCH_SIDE, round((bottom - top) * scale)),
        ),
        interpolation=cv2.INTER_AREA,
    )
    scores = cv2.matchTemplate(region, seen, cv2.TM_CCOEFF_NORMED)
    _, best, _, (col, row) = cv2.minMaxLoc(scores)
    if best < ALIKE:
        return None
    col_at = col + peak_offset(scores[row, max(0, col - 1) : col + 2], col > 0)
    row_at = row + peak_offset(scores[max(0, row - 1) : row + 2, col], row > 0)
    # the patch's centre, back in frame pixels (edge coordinates)
    centre_x = left + (col_at + PATCH_SIDE / 2) / (region.shape[1] / (right - left))
    centre_y = top + (row_at + PATCH_SIDE / 2) / (region.shape[0] / (bottom - top))
    candidate = patch_at(gray, centre_x / width, centre_y / height)
    confirmed = likeness(seen, candidate)
    if confirmed is None or confirmed < ALIKE:
        return None
    return centre_x / width, centre_y / height, confirmed


def peak_offset(around: np.ndarray, has_before: bool) -> float:
    """Sub-sample offset of a score peak from its two neighbours (a parabola through the
    three); 0 at the edge of the scores."""
    if len(around) < 3 or not has_before:
        return 0.0
    before, at, after = (float(v) for v in around)
    curvature = before - 2 * at + after
    return 0.0 if curvature >= 0 else max(-0.5, min(0.5, (before - after) / (2 * curvature)))
