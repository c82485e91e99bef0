"""Corner features of the surface layer: a nearer object with fainter texture than the
busy background behind it still gets features of its own, so it can become a surface."""

from __future__ import annotations

import cv2
import numpy as np

from tracker.surfaces import SurfaceParams, SurfaceSet


def _busy_background_with_a_faint_card() -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """640x480 of high-contrast texture with a 320x240 card of a tenth of its contrast."""
    rng = np.random.default_rng(3)
    img = cv2.GaussianBlur(rng.integers(0, 255, (480, 640)).astype(np.float32), (0, 0), 2.0)
    img = (img - img.mean()) * 4 + 128
    card = (160, 120, 480, 360)  # x0, y0, x1, y1
    x0, y0, x1, y1 = card
    face = cv2.GaussianBlur(
        rng.integers(0, 255, (y1 - y0, x1 - x0)).astype(np.float32), (0, 0), 2.0
    )
    img[y0:y1, x0:x1] = (face - face.mean()) * 0.4 + 160
    return np.clip(img, 0, 255).astype(np.uint8), card


def _on_card(pts: np.ndarray, card: tuple[int, int, int, int]) -> int:
    x0, y0, x1, y1 = card
    return int(((pts[:, 0] > x0) & (pts[:, 0] < x1) & (pts[:, 1] > y0) & (pts[:, 1] < y1)).sum())


def test_a_faint_object_in_front_of_a_busy_background_gets_features_of_its_own() -> None:
    img, card = _busy_background_with_a_faint_card()
    spread = SurfaceSet(img).pts
    # ranked over the whole image, the background's far stronger corners take them all
    ranked = SurfaceSet(img, SurfaceParams(grid=1)).pts
    assert _on_card(ranked, card) <= 1
    # the card covers a quarter of the picture; spread over cells, it keeps a good part
    # of its share of the features (those of the cells it shares with the background too)
    assert _on_card(spread, card) >= 20
    assert len(spread) >= 0.8 * SurfaceParams().max_features
