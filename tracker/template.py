"""Drift-free refinement and verification of a point against its first-frame appearance.

The patch around each query point in the first frame is warped by the local affine part
of the point's current homography (so rotation, zoom and perspective match) and searched
for by normalised cross-correlation around the predicted position. NCC ignores gain and
offset, so lighting drift and exposure steps do not matter; an occluder or a wrong
position gives a low score, which is what makes the lost flag honest. Near the image
border both patches keep their inner side, off-centre around the point.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

from tracker.geometry import jacobian

MIN_HALF = 5  # smallest patch half-size that still says something
BORDER_ROOM = 2  # pixels searched beyond a prediction near the image border
PEAK_TIE = 0.03  # NCC peaks this close to the best one count as equally good
JUDGED_RANGE = 0.1  # small-patch peaks this close to the best are ranked by the large patch
JUDGED_MAX = 4  # ...at most this many
CORE_MIN = 0.7  # NCC of a point's closest surroundings that a half's agreement needs


@dataclass
class Match:
    """Result of one template search."""

    xy: np.ndarray  # refined position (full-size pixels)
    score: float  # peak NCC in [-1, 1]; -1 when the search was impossible
    second: float  # best NCC away from the peak (ambiguity of repetitive texture)
    curv: np.ndarray | None = None  # 2x2 curvature of the NCC peak (how well it pins each axis)


def ncc(a: np.ndarray, b: np.ndarray) -> float:
    """Normalised cross-correlation of two equal-size patches (-1 when either is flat).

    By sums and dot products in double precision: no centred copies of the patches.
    """
    a = a.astype(np.float64).ravel()
    b = b.astype(np.float64).ravel()
    n, sa, sb = a.size, float(a.sum()), float(b.sum())
    den = math.sqrt(max(float(a @ a) - sa * sa / n, 0.0) * max(float(b @ b) - sb * sb / n, 0.0))
    return (float(a @ b) - sa * sb / n) / den if den > 1e-6 else -1.0


def _inner_extent(
    x: float, y: float, half: int, shape: tuple[int, ...], room: int = 0
) -> tuple[int, int, int, int] | None:
    """How far (left, right, top, bottom; at most `half` each) a patch around (x, y) may
    reach while staying `room` pixels inside the image, or None when too little is left.

    Near the border a patch keeps its inner side, off-centre around the point: shrunk to a
    square that fits, it was under the smallest useful size within a few pixels of the edge.
    """
    hgt, wid = shape[:2]
    left, right = int(min(half, x - room)), int(min(half, wid - 1 - room - x))
    top, bottom = int(min(half, y - room)), int(min(half, hgt - 1 - room - y))
    if min(left, right, top, bottom) < 0 or min(left + right, top + bottom) < 2 * MIN_HALF:
        return None
    return left, right, top, bottom


def _subpix(r: np.ndarray, x: int, y: int) -> tuple[float, float]:
    """Parabola fit around the integer peak of a correlation map."""
    dx = dy = 0.0
    if 0 < x < r.shape[1] - 1:
        a, b, c = r[y, x - 1 : x + 2].tolist()
        den = a - 2 * b + c
        if den < 0:
            dx = min(max(0.5 * (a - c) / den, -0.5), 0.5)
    if 0 < y < r.shape[0] - 1:
        a, b, c = r[y - 1 : y + 2, x].tolist()
        den = a - 2 * b + c
        if den < 0:
            dy = min(max(0.5 * (a - c) / den, -0.5), 0.5)
    return dx, dy


def _curvature(r: np.ndarray, x: int, y: int) -> np.ndarray | None:
    """Negative Hessian of the correlation map at the peak (None at the map's border)."""
    if not (0 < x < r.shape[1] - 1 and 0 < y < r.shape[0] - 1):
        return None
    (a, b, c), (d, e, f), (g, h, i) = r[y - 1 : y + 2, x - 1 : x + 2].tolist()
    dxx = d - 2 * e + f
    dyy = b - 2 * e + h
    dxy = (i - g - c + a) / 4
    return -np.array([[dxx, dxy], [dxy, dyy]], np.float64)


def aperture_blend(
    pred: np.ndarray, meas: np.ndarray, curv: np.ndarray | None, ratio: float
) -> np.ndarray:
    """Take the measured correction only along the directions the match pins down.

    On an edge the correlation peak is a ridge: along it the match slides freely and the
    surface's prediction is the better guess (the aperture problem).
    """
    if curv is None:
        return meas
    # eigen-decomposition of the symmetric 2x2 curvature in closed form (per point and frame)
    a, b, c = float(curv[0, 0]), float(curv[0, 1]), float(curv[1, 1])
    mid, rad = 0.5 * (a + c), math.hypot(0.5 * (a - c), b)
    w_hi, w_lo = mid + rad, mid - rad
    if not w_hi > 0:
        return meas
    if b != 0.0:
        vx, vy = w_hi - c, b
    else:
        vx, vy = (1.0, 0.0) if a >= c else (0.0, 1.0)
    norm = math.hypot(vx, vy)
    vx, vy = vx / norm, vy / norm  # direction of the strongest curvature; (-vy, vx) the weakest
    g_hi = min(max(1.0 / ratio, 0.0), 1.0)
    g_lo = min(max(w_lo / (ratio * w_hi), 0.0), 1.0)
    dx, dy = float(meas[0] - pred[0]), float(meas[1] - pred[1])
    d_hi, d_lo = g_hi * (vx * dx + vy * dy), g_lo * (-vy * dx + vx * dy)
    return np.array([pred[0] + vx * d_hi - vy * d_lo, pred[1] + vy * d_hi + vx * d_lo])


class PointTemplate:
    """First-frame appearance of one query point and the search for it in later frames."""

    def __init__(
        self,
        ref: np.ndarray,
        p0: np.ndarray,
        half_sizes: tuple[int, ...],
        min_std: float,
        verify_factor: float,
        max_zoom: float = 1.0,
    ) -> None:
        self.ref = ref
        self.max_zoom = max_zoom
        self.p0 = np.asarray(p0, np.float64)
        # smallest patch with enough texture to be located; a larger one verifies it, because
        # a small patch on an edge or a stripe also matches beside the true position
        self.half = half_sizes[-1]
        self.std = 0.0
        for h in half_sizes:
            patch = cv2.getRectSubPix(ref, (2 * h + 1, 2 * h + 1), (float(p0[0]), float(p0[1])))
            self.std = float(patch.std())
            self.half = h
            if self.std >= min_std:
                break
        self.textured = self.std >= min_std
        self.vhalf = round(self.half * verify_factor)
        n = 2 * self.vhalf + 1
        large = cv2.getRectSubPix(ref, (n, n), (float(p0[0]), float(p0[1])))
        # an untextured point's large patch usually reaches texture, which can verify it
        self.verifiable = float(large.std()) >= min_std
        # the patches warped for the last homography asked for, by half-size: a frame's
        # search, verifications and peak ranking all warp by the same one
        self._warp_key = b""
        self._warps: dict[int | None, np.ndarray | None] = {}
        self.smear: np.ndarray | None = None  # the first frame's motion blur at the point
        self._smear_key = b""
        self._smear_ker: np.ndarray | None = None
        # the last blurred search window, with the pixels it was blurred from: the sharp
        # and the motion-blurred template of a frame's search look at the same one
        self._window: tuple[tuple[int, ...], np.ndarray, np.ndarray, np.ndarray] | None = None

    def set_smear(self, d0: np.ndarray) -> None:
        """The point's motion blur in the first frame (displacement, first-frame pixels)."""
        self.smear = np.asarray(d0, np.float64)

    def smear_kernel(self, h_abs: np.ndarray) -> np.ndarray | None:
        """The first frame's blur as it looks now: a sharp frame blurred by it compares with
        the blurred reference without the bias of a smeared patch along its smear."""
        if self.smear is None:
            return None
        key = h_abs.tobytes()
        if key != self._smear_key:
            self._smear_key = key
            self._smear_ker = line_kernel(jacobian(h_abs, self.p0) @ self.smear, 1.0)
        return self._smear_ker

    def warped(self, h_abs: np.ndarray, half: int | None = None) -> np.ndarray | None:
        """The reference patch as it should look now (centre pixel = the point).

        `half` is the half-size in current pixels; by default the localisation patch's,
        grown with the magnification since the first frame (up to `max_zoom`). The
        verification patch keeps its size: grown too, it lost more than it gained.
        """
        key = h_abs.tobytes()
        if key != self._warp_key:
            self._warp_key, self._warps = key, {}
        elif half in self._warps:
            return self._warps[half]
        t = self._warp(h_abs, half)
        self._warps[half] = t
        return t

    def _warp(self, h_abs: np.ndarray, half: int | None) -> np.ndarray | None:
        j = jacobian(h_abs, self.p0)
        det = float(j[0, 0] * j[1, 1] - j[0, 1] * j[1, 0])
        if not math.isfinite(det) or det == 0.0:
            return None
        if half is None:
            # under magnification a fixed size would cover less of the first frame's texture
            # (a corner becomes a flat area beside an edge, and the match slides along it)
            zoom = min(max(math.sqrt(abs(det)), 1.0), self.max_zoom)
            half = round(self.half * zoom)
        # inverse of the 2x2 local affine part in closed form (per point and frame)
        a, b = float(j[1, 1]) / det, float(-j[0, 1]) / det
        c_, d = float(-j[1, 0]) / det, float(j[0, 0]) / det
        if not all(math.isfinite(v) and abs(v) <= 4 for v in (a, b, c_, d)):
            return None
        n = 2 * half + 1
        c = float(half)
        m = np.array([[a, b, self.p0[0] - (a + b) * c], [c_, d, self.p0[1] - (c_ + d) * c]])
        t = cv2.warpAffine(
            self.ref,
            m,
            (n, n),
            flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
            borderMode=cv2.BORDER_REPLICATE,
        )
        return t

    def verify(
        self,
        img: np.ndarray,
        h_abs: np.ndarray,
        xy: np.ndarray,
        blur: np.ndarray | None,
        halves: float | None = None,
    ) -> float:
        """NCC of the large verification patch placed exactly at `xy`.

        With `halves` (a score that suffices), a whole patch scoring below it is also
        compared by its four halves, and the best counts: beside a depth edge a nearer
        surface covers one side of the large patch while the point is in view.
        """
        x, y = float(xy[0]), float(xy[1])
        vh = self.vhalf
        extent = _inner_extent(x, y, vh, img.shape)  # image pixels only
        if extent is None:
            return -1.0
        left, right, top, bottom = extent
        t = self.warped(h_abs, vh)
        if t is None:
            return -1.0
        if blur is not None:
            t = cv2.filter2D(t, -1, blur, borderType=cv2.BORDER_REPLICATE)
        t = t[vh - top : vh + bottom + 1, vh - left : vh + right + 1]
        size = (left + right + 1, top + bottom + 1)
        centre = (x + (right - left) / 2, y + (bottom - top) / 2)
        cur = _blurred_patch(img, size, centre, self.smear_kernel(h_abs))
        # one position: plain NCC is a third of matchTemplate's cost (its set-up dominates)
        whole = ncc(cur, t)
        if halves is None or whole >= halves:
            return whole
        best = whole
        for rows, cols in (
            (slice(0, top + 1), slice(None)),
            (slice(top, None), slice(None)),
            (slice(None), slice(0, left + 1)),
            (slice(None), slice(left, None)),
        ):
            if min(cur[rows, cols].shape) > MIN_HALF:
                best = max(best, ncc(cur[rows, cols], t[rows, cols]))
        if best > whole:
            # ...as long as the point's own surroundings match: when the nearer surface
            # covers the point itself, only the far side of the patch still agrees
            c = max(MIN_HALF, self.half // 2)
            core = (slice(max(0, top - c), top + c + 1), slice(max(0, left - c), left + c + 1))
            if ncc(cur[core], t[core]) < CORE_MIN:
                return whole
        return best

    def search(
        self,
        img: np.ndarray,
        tmpl: np.ndarray,
        xy: np.ndarray,
        radius: int,
        judge: Callable[[np.ndarray], float] | None = None,
        smear: np.ndarray | None = None,
    ) -> Match:
        """Best NCC position of `tmpl` within `radius` pixels of `xy`.

        Only image pixels take part: near the border the template is cut to its inner
        side, because replicated border pixels would match anything smooth. With `judge`
        (the large verification patch), the small patch's peaks that score close to its
        best are ranked by it: on repetitive texture a neighbouring period often scores
        higher on the small patch, while the large one sees the whole surroundings. With
        `smear` (`smear_kernel`), the searched area is blurred like the first frame was.
        """
        fail = Match(np.asarray(xy, np.float64), -1.0, -1.0)
        fx, fy = float(xy[0]), float(xy[1])
        if not (math.isfinite(fx) and math.isfinite(fy)):
            return fail
        hgt, wid = img.shape
        xi, yi = round(fx), round(fy)
        h = (tmpl.shape[0] - 1) // 2
        # the template must fit around the prediction and a little beyond it (it is off by
        # a pixel or two), or the searched area would end at or before the point and every
        # peak would lie on its edge
        extent = _inner_extent(xi, yi, h, img.shape, BORDER_ROOM)
        if extent is None:
            return fail
        left, right, top, bottom = extent
        x0, x1 = max(0, xi - left - radius), min(wid - 1, xi + right + radius)
        y0, y1 = max(0, yi - top - radius), min(hgt - 1, yi + bottom + radius)
        if x1 - x0 < left + right or y1 - y0 < top + bottom:
            return fail
        t = tmpl[h - top : h + bottom + 1, h - left : h + right + 1]
        win = self._search_window(img, (x0, x1, y0, y1), smear)
        r = cv2.matchTemplate(win, t, cv2.TM_CCOEFF_NORMED)
        _, best, _, (x, y) = cv2.minMaxLoc(r)
        # repetitive texture (button grids, stripes) has several near-equal peaks: take the
        # one closest to the prediction, which is right as long as it is off by < half a period
        maxima = r == cv2.dilate(r, None)
        edge = float(best)
        if judge is not None:
            # an edge peak is no maximum, but the best maximum inside may still be the point
            # (the edge can be a neighbouring period or surface): it is judged with the rest
            ys, xs = np.nonzero(maxima[1:-1, 1:-1] & (r[1:-1, 1:-1] >= best - JUDGED_RANGE))
            ys += 1
            xs += 1
            if len(xs):
                order = np.argsort(-r[ys, xs])[:JUDGED_MAX]
                j = int(order[0])
                if len(order) > 1:
                    verdicts = []
                    for i in order:
                        dx, dy = _subpix(r, int(xs[i]), int(ys[i]))
                        verdicts.append(
                            judge(np.array([x0 + xs[i] + left + dx, y0 + ys[i] + top + dy]))
                        )
                    j = int(order[int(np.argmax(verdicts))])
                x, y = int(xs[j]), int(ys[j])
                best = float(r[y, x])
        peaks = (r >= best - PEAK_TIE) & maxima
        if judge is None and peaks.sum() > 1:
            ys, xs = np.nonzero(peaks)
            cx, cy = xi - x0 - left, yi - y0 - top
            j = int(np.argmin((xs - cx) ** 2 + (ys - cy) ** 2))
            x, y = int(xs[j]), int(ys[j])
            best = float(r[y, x])
        if not (0 < x < r.shape[1] - 1 and 0 < y < r.shape[0] - 1):
            # a peak on the edge of the searched area is no maximum: the best position lies
            # beyond it (past the image border, or farther than the search radius)
            return Match(fail.xy, -1.0, float(best))
        dx, dy = _subpix(r, x, y)
        curv = _curvature(r, x, y)
        r[max(0, y - 4) : y + 5, max(0, x - 4) : x + 5] = -1.0
        # the rival: the best score elsewhere, an edge peak passed over included
        second = max(float(r.max()), edge if edge > best else -1.0)
        return Match(np.array([x0 + x + left + dx, y0 + y + top + dy]), float(best), second, curv)

    def _search_window(
        self, img: np.ndarray, bounds: tuple[int, int, int, int], smear: np.ndarray | None
    ) -> np.ndarray:
        """img[y0:y1+1, x0:x1+1] for `bounds` (x0, x1, y0, y1), blurred by `smear` (from
        the image's pixels around it).

        The blurred window is kept for the next search with the same bounds and kernel,
        keyed by the pixels it was blurred from, not by the array: a caller may decode
        every frame into the same buffer.
        """
        x0, x1, y0, y1 = bounds
        if smear is None:
            return img[y0 : y1 + 1, x0 : x1 + 1]
        m = smear.shape[0] // 2
        hgt, wid = img.shape[:2]
        a0, a1 = max(0, x0 - m), min(wid - 1, x1 + m)
        b0, b1 = max(0, y0 - m), min(hgt - 1, y1 + m)
        source = img[b0 : b1 + 1, a0 : a1 + 1]
        last = self._window
        if (
            last is not None
            and last[0] == bounds
            and last[1] is smear
            and np.array_equal(last[2], source)
        ):
            return last[3]
        big = cv2.filter2D(source, -1, smear, borderType=cv2.BORDER_REPLICATE)
        win = big[y0 - b0 : y1 - b0 + 1, x0 - a0 : x1 - a0 + 1]
        self._window = (bounds, smear, source.copy(), win)
        return win


def _blurred_patch(
    img: np.ndarray, size: tuple[int, int], centre: tuple[float, float], ker: np.ndarray | None
) -> np.ndarray:
    """cv2.getRectSubPix(img, size, centre), blurred by `ker`."""
    if ker is None:
        return cv2.getRectSubPix(img, size, centre)
    m = ker.shape[0] // 2
    big = cv2.getRectSubPix(img, (size[0] + 2 * m, size[1] + 2 * m), centre)
    big = cv2.filter2D(big, -1, ker, borderType=cv2.BORDER_REPLICATE)
    return big[m : m + size[1], m : m + size[0]]


MAX_BLUR_PX = 256.0  # a longer smear is no motion blur of a point still in view


def line_kernel(d: np.ndarray, length_scale: float) -> np.ndarray | None:
    """Normalised motion-blur kernel along displacement `d`.

    None when the smear is too short to matter, or too long to be one: a lost point's
    prediction extrapolated far outside the view can move by any amount in one frame.
    """
    ln = float(np.hypot(d[0], d[1])) * length_scale
    if not 2.0 <= ln <= MAX_BLUR_PX:
        return None
    k = int(np.ceil(ln)) | 1
    ker = np.zeros((k, k), np.float32)
    c = (k - 1) / 2
    u = d / (np.hypot(d[0], d[1]) + 1e-9) * (ln / 2)
    p1 = (round(c - u[0]), round(c - u[1]))
    p2 = (round(c + u[0]), round(c + u[1]))
    cv2.line(ker, p1, p2, 1.0, 1, cv2.LINE_AA)
    return ker / ker.sum()
