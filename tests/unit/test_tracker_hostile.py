"""Video a phone may send that has nothing to track: the tracker reports every point lost
(views that show none of the scene) and neither raises nor returns positions that are not
numbers (also where the view is the scene under a wild perspective).

In a call the tracker worker feeds whatever the code user's camera shows: a pocket, a
lens cap, a wild swing, a tiny stream while the bandwidth drops. One exception there
would stop the markers of every session that the worker serves.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import cv2
import numpy as np
import pytest

from tracker.bench import Tracker

Frames = Callable[[np.random.Generator, np.ndarray], Iterator[np.ndarray]]


def _scene(rng: np.random.Generator, hgt: int, wid: int) -> np.ndarray:
    """A textured world three times the view in each direction."""
    noise = rng.integers(0, 255, (3 * hgt, 3 * wid)).astype(np.uint8)
    return cv2.GaussianBlur(noise, (0, 0), 2)


def _noise(rng: np.random.Generator, world: np.ndarray) -> Iterator[np.ndarray]:
    hgt, wid = world.shape[0] // 3, world.shape[1] // 3
    while True:
        yield rng.integers(0, 255, (hgt, wid)).astype(np.uint8)


def _blank(rng: np.random.Generator, world: np.ndarray) -> Iterator[np.ndarray]:
    hgt, wid = world.shape[0] // 3, world.shape[1] // 3
    level = 0
    while True:
        yield np.full((hgt, wid), level, np.uint8)
        level = 128 - level  # black and grey in turn


def _elsewhere(rng: np.random.Generator, world: np.ndarray) -> Iterator[np.ndarray]:
    """Views of other parts of the world, a new one every frame."""
    hgt, wid = world.shape[0] // 3, world.shape[1] // 3
    while True:
        x, y = int(rng.integers(wid, 2 * wid)), int(rng.integers(hgt, 2 * hgt))
        yield world[y : y + hgt, x : x + wid].copy()


def _warped(rng: np.random.Generator, world: np.ndarray) -> Iterator[np.ndarray]:
    """The first view under random strong perspective: degenerate motion models. Some
    points may really be in view, so only failures are checked here."""
    hgt, wid = world.shape[0] // 3, world.shape[1] // 3
    view = world[:hgt, :wid]
    while True:
        h = np.eye(3) + rng.normal(0, 0.3, (3, 3)) * [[1, 1, 0], [1, 1, 0], [0.01, 0.01, 0]]
        h[:2, 2] = rng.normal(0, 300, 2)
        yield cv2.warpPerspective(view, h, (wid, hgt))


@pytest.mark.parametrize("frames", [_noise, _blank, _elsewhere, _warped])
@pytest.mark.parametrize("size", [(480, 640), (640, 480), (48, 64)])
def test_hostile_video_never_fails_and_a_view_of_nothing_loses_every_point(
    frames: Frames, size: tuple[int, int]
) -> None:
    nothing_in_view = frames is not _warped
    rng = np.random.default_rng(8)
    hgt, wid = size
    world = _scene(rng, hgt, wid)
    # some points just beyond the border too (a marker at the very edge, rounded outward)
    pts = np.c_[rng.uniform(-5, wid + 5, 16), rng.uniform(-5, hgt + 5, 16)].astype(np.float32)
    tracker = Tracker(world[:hgt, :wid].copy(), pts)
    for t, frame in zip(range(1, 21), frames(rng, world), strict=False):
        positions, ok = tracker.update(frame)
        assert positions.shape == (16, 2) and ok.shape == (16,)
        assert np.isfinite(positions).all(), f"frame {t}: a position is not a number"
        if nothing_in_view:
            assert not ok.any(), f"frame {t}: {int(ok.sum())} points reported ok on nothing"
