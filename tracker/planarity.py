"""Whether the scene has shown depth: confirmed points that one plane cannot explain.

A flat scene maps every point from the first frame to now by one homography; points at
other depths leave it as soon as the camera translates (parallax), and a point on an
object that moves on its own leaves it at once. The surface layer's feature groups cannot
tell the two apart: motion blur splits a flat scene into "surfaces" for long runs. The
points' own confirmed places can: in frames where one homography fits most of them
closely, a point that stays far off it, again and again, is somewhere else. Sporadic
misfits in blurred frames decay away; a point off the plane keeps adding to its count.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np


@dataclass
class PlanarityParams:
    """Pixel sizes are for a 640 px wide frame and scale with the width."""

    min_points: int = 8  # confirmed points needed to judge a frame
    min_inliers: int = 6  # points the plane must fit for the frame to count
    inlier_px: float = 2.0  # RANSAC threshold of the plane fit
    clean_px: float = 0.7  # the fitted points' median residual must be below this
    off_px: float = 4.0  # a point this far from the plane counts as off it
    decay: float = 0.95  # per frame, so that sporadic misfits fade
    evidence: float = 4.0  # a point's decayed count of off-plane frames that convinces
    points_needed: int = 2  # ...when this many points reach it at once
    settle_frames: int = 20  # before this, the feature groups' count stands in


class ParallaxWatch:
    """Latches once the confirmed points show more than one plane."""

    def __init__(self, p0: np.ndarray, unit: float, params: PlanarityParams) -> None:
        self.p = params
        self.p0 = np.asarray(p0, np.float32).reshape(-1, 2)
        self.unit = unit
        self.off_count = np.zeros(len(self.p0))
        self.layered = False

    @property
    def can_judge(self) -> bool:
        """Are there points enough to ever judge a frame (a call may track only a few)?"""
        return len(self.p0) >= self.p.min_points

    def update(self, pos: np.ndarray, confirmed: np.ndarray) -> bool:
        """Add this frame's evidence; returns whether the scene has shown depth."""
        if self.layered:
            return True
        p = self.p
        self.off_count *= p.decay
        if confirmed.sum() < p.min_points:
            return False
        src = self.p0[confirmed]
        dst = np.asarray(pos, np.float32)[confirmed]
        h, mask = cv2.findHomography(src, dst, cv2.RANSAC, p.inlier_px * self.unit)
        if h is None:
            return False
        fitted = mask.ravel() > 0
        residual = np.hypot(*(cv2.perspectiveTransform(src[:, None], h)[:, 0] - dst).T)
        if fitted.sum() < p.min_inliers or np.median(residual[fitted]) >= p.clean_px * self.unit:
            return False
        self.off_count[np.flatnonzero(confirmed)[residual > p.off_px * self.unit]] += 1
        self.layered = int((self.off_count >= p.evidence).sum()) >= p.points_needed
        return self.layered
