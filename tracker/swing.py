"""Fast camera swings: the picture registered against the last frame the plane fitted.

In a swing of more than a dozen pixels a frame, motion blur smears the corners that LK
follows, so the surfaces' fits go wrong, and the patches that confirm the points do not
verify even where the points are. The picture as a whole still registers against a
recent frame in which the tracker had the dominant plane (the keyframe), once that frame
is smeared the way the current one is: ECC on small frames (96 px wide), the keyframe
warped by the expected motion and blurred along it, the current frame blurred by the
keyframe's own smear. Where the points' own patches leave some of the plane's points
unconfirmed in such a frame, the registration puts them where it takes them from the
keyframe, and reports them where the smeared keyframe looks like the current frame
around them (which an occluder does not).

Frame-to-frame registration of two blurred frames was tried first and fails: blur makes
almost any alignment correlate well (`docs/benchmarks.md`, Session 17).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from tracker.geometry import apply_h, sane
from tracker.template import line_kernel, ncc


@dataclass
class SwingParams:
    """Knobs of the swing registration; pixel sizes are for a 640 px wide frame."""

    fast_px: float = 12.0  # last frame's motion (at the image corners) that makes a swing
    small_width: int = 96  # width of the frames ECC registers
    ecc_iters: int = 15
    ecc_eps: float = 1e-4
    ecc_blur: int = 5  # ECC's own Gaussian smoothing (kernel size)
    ecc_min: float = 0.95  # correlation below which a registration is not trusted
    blur_scale: float = 0.75  # exposure assumed, as a fraction of the frame interval
    fit_min: int = 6  # confirmed points of the plane needed for a keyframe...
    fit_px: float = 3.0  # ...agreeing with its fit within this
    refit_every: int = 4  # frames between plane fits while the camera moves slowly
    max_frames: int = 8  # a swing longer than this is not followed any more
    margin_px: float = 8.0  # a point this close to the image border is not reported
    look_half: int = 4  # half side (small pixels) of the window that checks a point...
    look_min: float = 0.6  # ...and its correlation with the smeared keyframe there


class SwingChain:
    """The keyframe, the plane's fit on it, and the registration of a swing's frames."""

    def __init__(self, first_work: np.ndarray, full_width: int, params: SwingParams) -> None:
        self.p = params
        work_width = first_work.shape[1]
        self.to_small = min(1.0, params.small_width / work_width)
        self.f = self.to_small * work_width / full_width  # full size -> small
        self.u = full_width / 640.0
        wid, hgt = full_width, first_work.shape[0] * full_width / work_width
        self.corners = np.array([[0.0, wid - 1, 0.0, wid - 1], [0.0, 0.0, hgt - 1, hgt - 1], [1.0] * 4])
        self.motion = np.eye(3)  # the plane's last frame-to-frame motion (full size)
        self.key: np.ndarray | None = None  # the keyframe (working size)...
        self.key_small: np.ndarray | None = None  # ...small, made when first registered against
        self.key_plane = np.eye(3)  # first frame -> keyframe, fitted to the plane's points
        self.key_motion = np.eye(3)  # the plane's motion into the keyframe (its own smear)
        self.members = np.zeros(0, bool)  # the points of that fit
        self.to_now = np.eye(3)  # keyframe -> current frame (full size)
        self.since_fit = 0  # frames since the plane was last fitted
        self.frames = 0  # registered frames of the current swing
        self.registered = False  # this frame was registered
        self.work = first_work  # this frame (working size): the keyframe if the plane fits
        self.cur: np.ndarray | None = None  # this frame, small, once registered...
        self.smeared: np.ndarray | None = None  # ...the keyframe as it shows it...
        self.seen: np.ndarray | None = None  # ...and where the keyframe saw anything

    def _small(self, work: np.ndarray) -> np.ndarray:
        s = self.to_small
        size = (round(work.shape[1] * s), round(work.shape[0] * s))
        return cv2.resize(work, size, interpolation=cv2.INTER_AREA).astype(np.float32)

    def _speed(self, motion: np.ndarray) -> float:
        """How far a frame-to-frame motion moves the image's corners (the most of them)."""
        q = motion @ self.corners
        with np.errstate(divide="ignore", invalid="ignore"):
            d = q[:2] / q[2] - self.corners[:2]
        moved = float(np.sqrt((d * d).sum(axis=0)).max())
        return moved if np.isfinite(moved) else 0.0

    def begin(self, work: np.ndarray) -> bool:
        """Start a frame; returns whether the camera swings (the last motion was fast) with
        a keyframe to register against."""
        self.work = work
        self.registered = False
        self.cur = self.smeared = self.seen = None
        fast = (
            self.key is not None
            and self.frames < self.p.max_frames
            and self._speed(self.motion) > self.p.fast_px * self.u
        )
        if not fast:
            self.frames = 0
        return fast

    def register(self) -> bool:
        """Register this frame against the keyframe; asked for only where the points' own
        patches left some of the plane's points unconfirmed (ECC costs milliseconds)."""
        found = self._register(self._small(self.work))
        if found is None:
            self.frames = self.p.max_frames  # lost: the next frame is not registered
            return False
        self.motion = found @ np.linalg.inv(self.to_now)
        self.to_now = found
        self.frames += 1
        self.registered = True
        return True

    def _register(self, cur: np.ndarray) -> np.ndarray | None:
        """Keyframe -> this frame (full size), or None when ECC finds no sure alignment."""
        assert self.key is not None
        if self.key_small is None:
            self.key_small = self._small(self.key)
        key = self.key_small
        f = self.f
        to_small, to_full = np.diag([f, f, 1.0]), np.diag([1.0 / f, 1.0 / f, 1.0])
        expected = self.motion @ self.to_now
        w = to_small @ expected @ to_full
        size = cur.shape[::-1]
        warped = cv2.warpPerspective(key, w, size, borderMode=cv2.BORDER_REPLICATE)
        seen = cv2.warpPerspective(np.ones(key.shape, np.uint8), w, size)
        centre = self.corners[:2].mean(axis=1)[None]
        smear = (apply_h(self.motion, centre)[0] - centre[0]) * f
        ker = line_kernel(smear, self.p.blur_scale) if np.all(np.isfinite(smear)) else None
        smeared = warped if ker is None else cv2.filter2D(warped, -1, ker)
        # the keyframe carries its own smear (taken in a slower part of the swing): this
        # frame blurred by it too, both sides carry the same blur
        own = (apply_h(self.key_motion, centre)[0] - centre[0]) * f
        key_ker = line_kernel(own, self.p.blur_scale) if np.all(np.isfinite(own)) else None
        if key_ker is not None:
            cur = cv2.filter2D(cur, -1, key_ker)
        crit = (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, self.p.ecc_iters, self.p.ecc_eps)
        try:
            cc, r = cv2.findTransformECC(
                smeared, cur, np.eye(3, dtype=np.float32), cv2.MOTION_HOMOGRAPHY, crit, seen,
                self.p.ecc_blur,
            )
        except cv2.error:  # no convergence: a frame without texture, or a cut
            return None
        found = to_full @ r.astype(np.float64) @ to_small @ expected
        if cc < self.p.ecc_min or not sane(found @ np.linalg.inv(self.to_now)):
            return None
        self.cur = cur
        self.smeared = cv2.warpPerspective(smeared, r, size)
        self.seen = cv2.warpPerspective(seen, r, size)
        return found

    def settle(self, motion: np.ndarray | None) -> None:
        """The plane's motion in a frame that was not registered: its surface's fit."""
        if self.registered or motion is None or not np.all(np.isfinite(motion)):
            return
        self.motion = motion
        self.to_now = motion @ self.to_now

    def wants_fit(self) -> bool:
        """Is the plane to be fitted in this frame, which was not registered? Every few
        frames while the camera moves slowly, every frame when a swing may be coming."""
        self.since_fit += 1
        soon = self._speed(self.motion) > 0.5 * self.p.fast_px * self.u
        return not self.registered and (soon or self.since_fit >= self.p.refit_every)

    def refit(self, p0: np.ndarray, pos: np.ndarray, confirmed: np.ndarray) -> None:
        """The plane fitted to its confirmed points, and this frame the keyframe if enough
        of them fit (when `wants_fit` says so)."""
        if confirmed.sum() < self.p.fit_min:
            return
        h, inl = cv2.findHomography(p0[confirmed], pos[confirmed], cv2.RANSAC, self.p.fit_px * self.u)
        if h is None or inl.sum() < self.p.fit_min:
            return
        self.key, self.key_small, self.key_plane = self.work, None, h
        self.key_motion = self.motion.copy()
        self.members = np.zeros(len(p0), bool)
        self.members[np.flatnonzero(confirmed)[inl.ravel() == 1]] = True
        self.to_now = np.eye(3)
        self.since_fit = 0

    def first_to_now(self) -> np.ndarray:
        """The plane's homography from the first frame to this one."""
        return self.to_now @ self.key_plane

    def _window(self, xy: np.ndarray) -> tuple[slice, slice] | None:
        """The window around `xy` in the small frames, if the keyframe saw all of it."""
        if self.cur is None or self.smeared is None or self.seen is None:
            return None
        r = self.p.look_half
        x, y = (round(float(v) * self.f) for v in xy)
        hgt, wid = self.cur.shape
        if not (r <= x < wid - r and r <= y < hgt - r):
            return None
        window = (slice(y - r, y + r + 1), slice(x - r, x + r + 1))
        return window if self.seen[window].min() > 0 else None

    def saw(self, xy: np.ndarray) -> bool:
        """Did the keyframe see the spot around `xy` (so that it can judge it)?"""
        return self._window(xy) is not None

    def looks_right(self, xy: np.ndarray) -> bool:
        """Does this frame around `xy` look like the smeared keyframe there?"""
        window = self._window(xy)
        if window is None or self.cur is None or self.smeared is None:
            return False
        return ncc(self.cur[window], self.smeared[window]) >= self.p.look_min
