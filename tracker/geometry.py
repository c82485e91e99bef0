"""Small homography helpers shared by the tracker modules."""

from __future__ import annotations

import numpy as np


def apply_h(h: np.ndarray, pts: np.ndarray) -> np.ndarray:
    """Map (N, 2) points through a 3x3 homography; non-finite where w is ~0."""
    pts = np.asarray(pts, np.float64).reshape(-1, 2)
    if len(pts) == 1:
        # one point (most calls, per query point and frame): plain floats, no array overhead
        return _apply_h_one(h, float(pts[0, 0]), float(pts[0, 1]))
    q = pts @ h[:2, :2].T + h[:2, 2]
    w = pts @ h[2, :2] + h[2, 2]
    with np.errstate(divide="ignore", invalid="ignore"):
        out = q / w[:, None]
    out[np.abs(w) < 1e-9] = np.nan
    return out


def _apply_h_one(h: np.ndarray, x: float, y: float) -> np.ndarray:
    """`apply_h` for a single point."""
    w = x * h[2, 0] + y * h[2, 1] + h[2, 2]
    if abs(w) < 1e-9:
        return np.full((1, 2), np.nan)
    return np.array(
        [[(x * h[0, 0] + y * h[0, 1] + h[0, 2]) / w, (x * h[1, 0] + y * h[1, 1] + h[1, 2]) / w]]
    )


def jacobian(h: np.ndarray, p: np.ndarray) -> np.ndarray:
    """2x2 local affine part of `h` at point `p` (how a small patch around p is warped)."""
    x, y = float(p[0]), float(p[1])
    w = h[2, 0] * x + h[2, 1] * y + h[2, 2]
    u = (h[0, 0] * x + h[0, 1] * y + h[0, 2]) / w
    v = (h[1, 0] * x + h[1, 1] * y + h[1, 2]) / w
    return (
        np.array(
            [
                [h[0, 0] - u * h[2, 0], h[0, 1] - u * h[2, 1]],
                [h[1, 0] - v * h[2, 0], h[1, 1] - v * h[2, 1]],
            ]
        )
        / w
    )


def translate(dx: float, dy: float) -> np.ndarray:
    """Homography of a pure image translation."""
    return np.array([[1.0, 0.0, dx], [0.0, 1.0, dy], [0.0, 0.0, 1.0]])


def scale_h(h: np.ndarray, s: float) -> np.ndarray:
    """Express a homography estimated on an image scaled by `s` in full-size coordinates."""
    if s == 1.0:
        return h
    S = np.diag([s, s, 1.0])
    Si = np.diag([1.0 / s, 1.0 / s, 1.0])
    return Si @ h @ S


def inside(pts: np.ndarray, shape: tuple[int, ...], margin: float = 0.0) -> np.ndarray:
    """True where a point lies in [margin, W-1-margin] x [margin, H-1-margin]."""
    hgt, wid = shape[:2]
    if len(pts) == 1:
        # one point (most calls): plain floats; NaN fails every comparison
        x1, y1 = float(pts[0, 0]), float(pts[0, 1])
        return np.array([margin <= x1 <= wid - 1 - margin and margin <= y1 <= hgt - 1 - margin])
    x, y = pts[:, 0], pts[:, 1]
    with np.errstate(invalid="ignore"):
        return (
            (x >= margin)
            & (x <= wid - 1 - margin)
            & (y >= margin)
            & (y <= hgt - 1 - margin)
            & np.isfinite(x)
            & np.isfinite(y)
        )


def sane(h: np.ndarray | None, max_scale: float = 1.6) -> bool:
    """Reject degenerate frame-to-frame homographies (flips, huge zoom, strong projectivity)."""
    if h is None or not np.all(np.isfinite(h)):
        return False
    a = h[:2, :2] / h[2, 2]
    det = float(np.linalg.det(a))
    if not (1.0 / max_scale**2 < det < max_scale**2):
        return False
    return abs(h[2, 0] / h[2, 2]) < 2e-3 and abs(h[2, 1] / h[2, 2]) < 2e-3
