"""Fast swings away and back on the benchmark's `hard` profile, with a development seed
(neither a public nor a hidden one): the camera pans by about an image width within a
second, blurred, and the points leave the view and come back while it still moves.
What counts is how soon they are found again (the benchmark's re-acquisition: right
within ten frames of coming back into view) and that none is claimed while unseen.

Seed 102 since the features are spread over a grid (session 12): there the search for
every lost point after the scene is found again brings 76 % back, 67 % without it. On
seed 101, which this test used before, the grid moved the figure from 91 to 83 % (81 %
without the search): single sequences swing by several points with any change."""

from __future__ import annotations

import sys
from types import ModuleType

import numpy as np
import pytest

from tests.support.tracking_clip import BENCH
from tracker.bench import Tracker


@pytest.fixture(scope="module")
def benchmark() -> tuple[ModuleType, ModuleType]:
    """The shared benchmark's generator and scorer."""
    sys.path.insert(0, str(BENCH))
    try:
        import make_sequences
        import score
    finally:
        sys.path.remove(str(BENCH))
    return make_sequences, score


def test_points_lost_in_fast_swings_are_found_again_soon_after(
    benchmark: tuple[ModuleType, ModuleType],
) -> None:
    make_sequences, score = benchmark
    seq = make_sequences.Sequence(make_sequences.SequenceSpec("hard", 102))
    frames = list(seq.frames())
    pred, ok, _, _ = score.run_tracker(Tracker, frames, seq.gt[0].astype(np.float32))
    result = score.score_arrays(pred, ok, seq.gt, seq.visible).summary()
    assert result["reacq_events"] >= 50
    # after a swing the scene is found through a few points first; the others, predicted
    # out of view by the motion carried through the blur, must be searched for at once
    assert result["reacq_rate"] >= 0.72, result
    assert result["false_ok_rate"] <= 0.01, result
