"""Where a placed marker starts (tracker/placement.py): the frame and spot the employee
clicked on, told by the patch the page saw there, even when the stamp is wrong, points
at a frame where a hand covers the spot, or has left the history."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from tests.support.moving_texture import texture
from tracker.placement import ALIKE, choose_start, likeness, patch_at

W, H = 320, 240
PLANE = texture(W + 200, H + 200, seed=5)
FRAMES = [PLANE[k : k + H, k : k + W].copy() for k in range(30)]
STAMPS = [3000 * k for k in range(30)]
"""Frame k: the window slides one pixel right and down per frame (scene moves up-left)."""


def at(x: float, y: float) -> tuple[float, float]:
    """Frame coordinates (0..1) of pixel centre (x, y)."""
    return (x + 0.5) / W, (y + 0.5) / H


def seen(k: int, x: float, y: float) -> list[int]:
    """The patch a page showing frame k sends for a click on pixel (x, y)."""
    patch = patch_at(FRAMES[k], *at(x, y))
    assert patch is not None
    return [int(v) for v in patch.ravel()]


def covered(frame: np.ndarray, x: float, y: float) -> np.ndarray:
    """The frame with a flat grey disc over pixel (x, y), as a hand would."""
    hidden = frame.copy()
    cv2.circle(hidden, (round(x), round(y)), 16, 128, -1)
    return hidden


def test_the_stamped_frame_is_taken_when_it_shows_the_patch() -> None:
    start = choose_start(FRAMES, STAMPS, *at(150, 120), 12 * 3000, seen(12, 150, 120))
    assert (start.index, start.how, start.x, start.y) == (12, "stamp", *at(150, 120))
    assert start.likeness is not None and start.likeness > 0.99


@pytest.mark.parametrize("stamped", [9, 15, None])
def test_a_wrong_or_missing_stamp_gives_way_to_the_frame_showing_the_patch(
    stamped: int | None,
) -> None:
    stamp = None if stamped is None else 3000 * stamped
    start = choose_start(FRAMES, STAMPS, *at(150, 120), stamp, seen(12, 150, 120))
    assert (start.index, start.how) == (12, "picture")
    assert (start.x, start.y) == at(150, 120)


def test_a_stamped_frame_where_a_hand_covers_the_spot_is_not_taken() -> None:
    frames = [
        covered(f, 150 - (k - 12), 120 - (k - 12)) if k >= 14 else f for k, f in enumerate(FRAMES)
    ]
    start = choose_start(frames, STAMPS, *at(150, 120), 16 * 3000, seen(12, 150, 120))
    assert start.how == "picture" and start.index <= 13


def test_a_click_older_than_the_history_is_found_again_near_the_click() -> None:
    """The frame clicked on (frame 2) is gone; the spot moved 8 px up-left since."""
    history, stamps = FRAMES[10:], STAMPS[10:]
    start = choose_start(history, stamps, *at(150, 120), 2 * 3000, seen(2, 150, 120))
    assert (start.index, start.how) == (len(history) - 1, "search")
    # the spot of frame 2's (150, 120) is at (150 - 27, 120 - 27) in frame 29
    x, y = start.x * W - 0.5, start.y * H - 0.5
    assert np.hypot(x - 123, y - 93) < 1.0, (x, y)
    assert start.likeness is not None and start.likeness >= ALIKE


def test_a_patch_nothing_shows_leaves_the_stamp_to_decide() -> None:
    other = texture(W, H, seed=99)
    patch = patch_at(other, *at(100, 100))
    assert patch is not None
    start = choose_start(FRAMES, STAMPS, *at(150, 120), 7 * 3000, [int(v) for v in patch.ravel()])
    assert (start.index, start.how, start.likeness) == (7, "unverified", None)
    start = choose_start(FRAMES, STAMPS, *at(150, 120), 12345, [int(v) for v in patch.ravel()])
    assert (start.index, start.how) == (29, "unverified")  # no stamp: the newest frame


def test_a_flat_or_missing_patch_leaves_the_stamp_to_decide() -> None:
    flat = [128] * (16 * 16)
    assert choose_start(FRAMES, STAMPS, *at(150, 120), 7 * 3000, flat).how == "no patch"
    start = choose_start(FRAMES, STAMPS, *at(150, 120), None, [])
    assert (start.index, start.how) == (29, "no patch")


def test_patches_leaving_the_frame_and_flat_ones_compare_to_nothing() -> None:
    assert patch_at(FRAMES[0], *at(3, 120)) is None  # the square leaves the frame
    assert patch_at(FRAMES[0], *at(W - 4, H - 4)) is None
    patch = patch_at(FRAMES[0], *at(150, 120))
    assert patch is not None and patch.shape == (16, 16)
    assert likeness(patch, None) is None
    assert likeness(patch, np.full_like(patch, 90)) is None
    assert likeness(patch, patch) == pytest.approx(1.0)
