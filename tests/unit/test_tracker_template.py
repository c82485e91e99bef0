"""The template search near the image border, where re-entering points are found again."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from tracker.template import PointTemplate


def _textured(seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    img = rng.integers(0, 255, (120, 160)).astype(np.uint8)
    return cv2.GaussianBlur(img, (0, 0), 1.5)


@pytest.mark.parametrize("edge", ["left", "right", "top", "bottom"])
def test_a_point_a_few_pixels_from_the_border_is_found(edge: str) -> None:
    """The searched area must reach the prediction: near the border the template shrinks
    to fit around it, instead of the area ending before it (which found nothing)."""
    img = _textured(5)
    hgt, wid = img.shape
    true = {
        "left": (8.0, 60.0),
        "right": (wid - 9.0, 60.0),
        "top": (80.0, 8.0),
        "bottom": (80.0, hgt - 9.0),
    }[edge]
    # the first frame shows the point in the middle; the current frame is the same scene
    ref = np.zeros((hgt + 80, wid + 80), np.uint8)
    ref[40:40 + hgt, 40:40 + wid] = img
    tmpl = PointTemplate(ref, np.array([true[0] + 40, true[1] + 40]), (10,), 1.0, 2.0)
    patch = tmpl.warped(np.eye(3))
    assert patch is not None
    prediction = np.array(true) + np.array([0.6, -0.7])
    match = tmpl.search(img, patch, prediction, 6)
    assert match.score > 0.95, f"nothing found {edge}: score {match.score}"
    assert np.linalg.norm(match.xy - np.array(true)) < 0.3
