"""The benchmark's tracker interface (`../shared/bench/tracking`): `tracker.bench:Tracker`."""

from __future__ import annotations

import numpy as np

from tracker.core import PointTracker


class Tracker:
    """Adapter: constructor takes the first frame and (N, 2) points, `update` one frame."""

    def __init__(self, first_frame_gray: np.ndarray, points: np.ndarray) -> None:
        self._t = PointTracker(first_frame_gray, points)

    def update(self, frame_gray: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return self._t.update(frame_gray)
