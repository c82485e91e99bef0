"""Re-acquisition by descriptors: candidates for a lost point on a nearer, fainter object."""

from __future__ import annotations

import cv2
import numpy as np

from tests.support.moving_texture import shapes
from tracker.geometry import apply_h, translate
from tracker.reacquire import ReacqParams, Reacquirer

W, H = 640, 480
OBJ = (200, 120, 440, 340)  # x0, y0, x1, y1 of the object in the first frame


def _scene(bg: np.ndarray, obj: np.ndarray, bg_shift: tuple[int, int],
           obj_shift: tuple[int, int]) -> np.ndarray:
    """A busy background and, in front of it, a low-contrast textured card; each shifted."""
    img = cv2.warpAffine(bg, translate(*bg_shift)[:2], (W, H))
    x0, y0, x1, y1 = OBJ
    dx, dy = obj_shift
    img[y0 + dy:y1 + dy, x0 + dx:x1 + dx] = obj
    noise = np.random.default_rng(abs(obj_shift[0]) + abs(obj_shift[1])).normal(0, 2.0, img.shape)
    return np.clip(img + noise, 0, 255).astype(np.uint8)


def test_a_point_on_a_faint_object_in_front_of_a_busy_background_gets_its_own_candidate() -> (
    None
):
    """The background's corners are far stronger than the card's; keypoints spread over the
    image still give the card enough of its own, and the lost point on it is placed by the
    card's motion, not the background's."""
    bg = shapes(3 * W, 3 * H, seed=5, count=3000)[:H, :W]
    x0, y0, x1, y1 = OBJ
    faint = shapes(3 * W, 3 * H, seed=8, count=3000)[:y1 - y0, :x1 - x0].astype(np.float32)
    obj = np.clip(128 + 0.5 * (faint - 128), 0, 255).astype(np.uint8)
    point = np.array([[320.0, 230.0]])
    moved = _scene(bg, obj, (12, 6), (-35, 22))
    truth = point + np.array([-35.0, 22.0])

    def placed(params: ReacqParams) -> bool:
        reacq = Reacquirer(_scene(bg, obj, (0, 0), (0, 0)), point, params)
        cands = reacq.find(moved, [0]).get(0, [])
        return any(np.linalg.norm(apply_h(h, point)[0] - truth[0]) < 2.0 for h, _ in cands)

    assert placed(ReacqParams())
    # without the grid the background takes every keypoint and the card has no candidate
    assert not placed(ReacqParams(grid_ref=0, grid_search=0))


def test_the_same_frame_gives_the_same_candidates_whatever_was_matched_before() -> None:
    """Descriptors are matched through random hash tables: unseeded, a tracker's results
    would depend on what the process matched before (another session in the worker, the
    previous sequence of a benchmark run)."""
    bg = shapes(3 * W, 3 * H, seed=5, count=3000)[:H, :W]
    other = shapes(3 * W, 3 * H, seed=9, count=3000)[:H, :W]
    points = np.array([[320.0, 230.0], [100.0, 400.0], [560.0, 80.0]])
    moved = cv2.warpAffine(bg, translate(9, -7)[:2], (W, H))

    def candidates(reacq: Reacquirer) -> list[np.ndarray]:
        found = reacq.find(moved, [0, 1, 2])
        return [h for k in sorted(found) for h, _ in found[k]]

    first = candidates(Reacquirer(bg, points))
    Reacquirer(other, points).find(cv2.warpAffine(other, translate(3, 4)[:2], (W, H)), [0, 1, 2])
    again = candidates(Reacquirer(bg, points))
    assert first and len(first) == len(again)
    assert all(np.array_equal(a, b) for a, b in zip(first, again, strict=True))
