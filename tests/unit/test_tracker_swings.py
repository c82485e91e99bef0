"""Fast swings away and back on the benchmark's `hard` profile, with a development seed
(neither a public nor a hidden one): the camera pans by about an image width within a
second, blurred, and the points leave the view and come back while it still moves.
What counts is how soon they are found again (the benchmark's re-acquisition: right
within ten frames of coming back into view), that none is claimed while unseen, and
that the points in view stay right while the blurred picture moves fast.

Seed 102 since the features are spread over a grid (session 12): there the search for
every lost point after the scene is found again brings 76 % back, 67 % without it. On
seed 101, which this test used before, the grid moved the figure from 91 to 83 % (81 %
without the search): single sequences swing by several points with any change."""

from __future__ import annotations

from types import ModuleType
from typing import Any

import numpy as np
import pytest

from tests.support.tracking_clip import benchmark_modules
from tracker.bench import Tracker


@pytest.fixture(scope="module")
def benchmark() -> tuple[ModuleType, ModuleType]:
    """The shared benchmark's generator and scorer."""
    return benchmark_modules()


@pytest.fixture(scope="module")
def swings(benchmark: tuple[ModuleType, ModuleType]) -> tuple[Any, np.ndarray, np.ndarray]:
    """The sequence (`hard`, seed 102) and the tracker's positions and flags on it."""
    make_sequences, score = benchmark
    seq = make_sequences.Sequence(make_sequences.SequenceSpec("hard", 102))
    frames = list(seq.frames())
    pred, ok, _, _ = score.run_tracker(Tracker, frames, seq.gt[0].astype(np.float32))
    return seq, pred, ok


def test_points_lost_in_fast_swings_are_found_again_soon_after(
    benchmark: tuple[ModuleType, ModuleType], swings: tuple[Any, np.ndarray, np.ndarray]
) -> None:
    _, score = benchmark
    seq, pred, ok = swings
    result = score.score_arrays(pred, ok, seq.gt, seq.visible).summary()
    assert result["reacq_events"] >= 50
    # after a swing the scene is found through a few points first; the others, predicted
    # out of view by the motion carried through the blur, must be searched for at once
    assert result["reacq_rate"] >= 0.72, result
    assert result["false_ok_rate"] <= 0.01, result


def test_points_in_view_stay_right_while_the_blurred_picture_moves_fast(
    swings: tuple[Any, np.ndarray, np.ndarray],
) -> None:
    """In frames whose points move 20 to 60 px, the blur defeats the points' own patches;
    the registration of the whole picture against a recent frame (tracker/swing.py)
    keeps them: 194 of 382 visible point-frames right within 5 px, 108 without it."""
    seq, pred, ok = swings
    gt, visible = seq.gt, seq.visible
    moved = np.r_[0.0, np.median(np.linalg.norm(gt[1:] - gt[:-1], axis=2), axis=1)]
    fast = (moved >= 20) & (moved < 60)
    right = visible & ok & (np.linalg.norm(pred - gt, axis=2) <= 5)
    seen = int(visible[fast].sum())
    assert seen >= 300
    assert right[fast].sum() >= 0.45 * seen, (int(right[fast].sum()), seen)


def test_points_in_view_are_not_dropped_for_single_frames(
    swings: tuple[Any, np.ndarray, np.ndarray],
) -> None:
    """A right point reported lost for one frame between two ok ones: on this flat scene
    the blur splits the features into groups, and an untextured point whose neighbours
    fell into another group was taken for covered by a nearer object every other frame
    (17 such blinks; 6 once the test applies only to scenes that show depth)."""
    seq, pred, ok = swings
    visible = seq.visible
    right = np.linalg.norm(pred - seq.gt, axis=2) <= 5
    inner = visible[1:-1] & visible[:-2] & visible[2:]
    blinks = inner & ok[:-2] & ok[2:] & ~ok[1:-1] & right[1:-1]
    assert blinks.sum() <= 10, int(blinks.sum())
