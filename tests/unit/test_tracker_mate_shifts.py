"""Points moved by their surface-mates' corrections in a scene with depth.

A point that its own patch does not confirm is moved along with the corrections its
surface-mates needed (`SurfaceMembership._share_corrections`). In a layered scene those
mates may lie on another surface, not yet separated or beside a depth edge, so the
shift is a guess: it adds to the point's uncertainty, which widens its own search and
sends it to the descriptor search instead of keeping it where the guesses put it.

`depth` seed 711 is a development seed (neither public nor hidden).
"""

from __future__ import annotations

from itertools import islice

import numpy as np

from tests.support.tracking_clip import benchmark_modules
from tracker.bench import Tracker

FRAMES = 100


def test_textured_points_are_not_reported_where_guessed_shifts_put_them() -> None:
    make_sequences, score = benchmark_modules()
    seq = make_sequences.Sequence(make_sequences.SequenceSpec("depth", 711))
    gt, visible = seq.gt[:FRAMES], seq.visible[:FRAMES]
    textured = np.array([kind == "textured" for kind in seq.point_kind])
    frames = list(islice(seq.frames(), FRAMES))
    pred, ok, _, _ = score.run_tracker(Tracker, frames, gt[0].astype(np.float32))
    err = np.linalg.norm(pred - gt, axis=2)[1:, textured]
    seen = visible[1:, textured]
    reported = seen & ok[1:, textured]
    # shifts taken as sure: 69 reported textured point-frames more than 5 px off and
    # 93.2 % right; counted as uncertainty: 30 and 95.9 %
    assert (reported & (err > 5)).sum() <= 45
    assert (reported & (err <= 5)).sum() >= 0.945 * seen.sum()
