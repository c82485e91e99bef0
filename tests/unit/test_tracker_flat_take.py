"""Untextured points taken back after a fast swing, on `hard` seed 627 (a development seed).

An untextured point has no patch of its own to search for. Once lost, it is taken back
where many descriptor inliers around it put it, if its large patch, which reaches the
texture around it, verifies there (`Recovery._flat_candidate`). In a `hard` sequence
(noise, compression, a first frame smeared by the camera's motion) that large patch
verifies at 0.7 to 0.8 at the right place: the bar was 0.8, and after the swing that ends
at frame 96 four untextured points stayed lost while the camera was calm again.
"""

from __future__ import annotations

from itertools import islice

import numpy as np

from tests.support.tracking_clip import benchmark_modules
from tracker.bench import Tracker

FRAMES = 105
CALM = slice(100, FRAMES)  # the camera moves 2.6 to 6.5 px a frame after the swing


def test_untextured_points_are_taken_back_once_a_fast_swing_has_ended() -> None:
    make_sequences, score = benchmark_modules()
    seq = make_sequences.Sequence(make_sequences.SequenceSpec("hard", 627))
    gt, visible = seq.gt[:FRAMES], seq.visible[:FRAMES]
    frames = list(islice(seq.frames(), FRAMES))
    pred, ok, _, _ = score.run_tracker(Tracker, frames, gt[0].astype(np.float32))
    err = np.linalg.norm(pred - gt, axis=2)
    assert visible[CALM].all(), "every point must be in view after the swing"
    right = ok[CALM] & (err[CALM] <= 5)
    # with the bar at 0.8: 20 of the 24 points right in each of these frames (points 13,
    # 17, 18 and 20 lost); now all 24
    assert right.sum(axis=1).min() >= 23
    # nothing is taken back where it is hidden: 26 false-ok point-frames either way
    assert (~visible & ok)[1:].sum() <= 30
