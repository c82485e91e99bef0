"""The per-point state that the parts of `PointTracker` share, declared once.

`PointTracker` (`core.py`) sets it up and runs a frame; `SurfaceMembership`
(`membership.py`) and `Recovery` (`recovery.py`) are mixed into it and work on the same
state. This base only names that state and the methods one part calls in another.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from tracker.params import Params
from tracker.reacquire import Reacquirer
from tracker.surfaces import SurfaceSet
from tracker.template import Match, PointTemplate


class PointState:
    """Declarations only; see `PointTracker.__init__` for what each attribute holds."""

    p: Params
    shape: tuple[int, ...]
    s: float  # working / full scale
    u: float  # full-size pixel unit
    radius: int
    t: int
    scene_lost_at: int
    surf_set: SurfaceSet
    reacq: Reacquirer
    tmpl: list[PointTemplate]
    p0: np.ndarray
    H: list[np.ndarray]
    pos: np.ndarray
    ok: np.ndarray
    surf: list[int | None]
    coast: np.ndarray
    miss: np.ndarray
    drift: np.ndarray
    pinned: np.ndarray
    meas: list[np.ndarray | None]
    score: list[dict[int, float]]

    if TYPE_CHECKING:

        def _locate(
            self,
            frame: np.ndarray,
            k: int,
            h_pred: np.ndarray,
            cands: list[np.ndarray],
            motion: np.ndarray,
            radius: int,
        ) -> tuple[Match | None, float]: ...

        def _flat_visible(
            self, frame: np.ndarray, k: int, h_pred: np.ndarray, xy: np.ndarray
        ) -> bool: ...

        def _surface_near(self, xy: np.ndarray) -> int | None: ...
