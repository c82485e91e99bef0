"""The template search near the image border, where re-entering points are found again."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from tracker.template import PointTemplate, line_kernel


def _textured(seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    img = rng.integers(0, 255, (120, 160)).astype(np.uint8)
    return cv2.GaussianBlur(img, (0, 0), 1.5)


@pytest.mark.parametrize("edge", ["left", "right", "top", "bottom"])
@pytest.mark.parametrize("gap", [3, 8])
def test_a_point_a_few_pixels_from_the_border_is_found_and_verified(edge: str, gap: int) -> None:
    """The searched area must reach the prediction: near the border the template keeps its
    inner side (off-centre) instead of the area ending before the point, which found
    nothing; the verification patch does the same, so the point can also be confirmed."""
    img = _textured(5)
    hgt, wid = img.shape
    true = {
        "left": (float(gap), 60.0),
        "right": (wid - 1.0 - gap, 60.0),
        "top": (80.0, float(gap)),
        "bottom": (80.0, hgt - 1.0 - gap),
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
    shift = np.array([[1.0, 0, -40], [0, 1.0, -40], [0, 0, 1.0]])  # first frame -> now
    assert tmpl.verify(img, shift, match.xy, None) > 0.95
    assert tmpl.verify(img, shift, match.xy + np.array([3.0, 3.0]), None) < 0.8


def test_the_large_patch_chooses_between_near_equal_small_patch_peaks() -> None:
    """The point's small patch appears twice in the scene, side by side (repetitive
    texture), and the point itself is a little noisy now: the small patch alone prefers
    the clean copy, the large patch around the point does not."""
    ref = _textured(7)
    ref[55:66, 86:97] = ref[55:66, 75:86]  # the small patch again, 11 px to the right
    point = np.array([80.0, 60.0])
    tmpl = PointTemplate(ref, point, (5,), 1.0, 3.0)
    noisy = ref[55:66, 75:86] + np.random.default_rng(3).normal(0, 6, (11, 11))
    cur = ref.copy()
    cur[55:66, 75:86] = np.clip(noisy, 0, 255).astype(np.uint8)
    patch = tmpl.warped(np.eye(3))
    assert patch is not None
    alone = tmpl.search(cur, patch, point, 13)
    copy = point + np.array([11.0, 0.0])
    assert np.linalg.norm(alone.xy - copy) < 0.5, "the copy should fool it"

    def judge(xy: np.ndarray) -> float:
        return tmpl.verify(cur, np.eye(3), xy, None)

    judged = tmpl.search(cur, patch, point, 13, judge)
    assert np.linalg.norm(judged.xy - point) < 0.5, f"judged match at {judged.xy}"


def _beside_an_edge(cover_from: int) -> tuple[PointTemplate, np.ndarray, np.ndarray]:
    """The first frame, and a current frame in which a nearer surface (other texture)
    covers everything left of column `cover_from`; the point is at x = 80."""
    ref = _textured(11)
    point = np.array([80.0, 60.0])
    cur = ref.copy()
    cur[:, :cover_from] = _textured(12)[:, :cover_from]
    return PointTemplate(ref, point, (10,), 1.0, 2.0), cur, point


def test_a_point_beside_a_depth_edge_verifies_by_the_half_that_is_in_view() -> None:
    tmpl, cur, point = _beside_an_edge(75)
    whole = tmpl.verify(cur, np.eye(3), point, None)
    by_halves = tmpl.verify(cur, np.eye(3), point, None, halves=0.7)
    assert whole < 0.7, f"the whole large patch should fail here ({whole:.2f})"
    assert by_halves > 0.95


def test_a_point_covered_by_the_nearer_surface_does_not_verify_by_halves() -> None:
    tmpl, cur, point = _beside_an_edge(84)
    by_halves = tmpl.verify(cur, np.eye(3), point, None, halves=0.7)
    assert by_halves < 0.7, f"covered point verified ({by_halves:.2f})"


def test_a_blur_kernel_follows_the_motion_and_an_impossible_smear_gives_none() -> None:
    """A lost point's prediction, extrapolated far outside the view, can move by hundreds of
    thousands of pixels in one frame; a kernel that long would need terabytes."""
    ker = line_kernel(np.array([12.0, 0.0]), 1.0)
    assert ker is not None and ker.shape == (13, 13)
    assert ker.sum() == pytest.approx(1.0)
    assert ker[6].sum() > 0.99  # a horizontal smear: all weight on the middle row
    assert line_kernel(np.array([1.0, 1.0]), 1.0) is None  # too short to matter
    assert line_kernel(np.array([525_000.0, 3.0]), 0.75) is None


def test_a_frame_buffer_reused_by_the_caller_is_searched_afresh() -> None:
    """A caller may decode every frame into the same array. The search blurs its window by
    the first frame's smear once per frame and keeps it for the next template of that
    frame; a buffer overwritten with the next frame must not hand out the last window."""
    scene = _textured(7)
    tmpl = PointTemplate(scene, np.array([80.0, 60.0]), (10,), 1.0, 2.0)
    tmpl.set_smear(np.array([6.0, 0.0]))
    smear = tmpl.smear_kernel(np.eye(3))
    patch = tmpl.warped(np.eye(3))
    assert smear is not None and patch is not None
    moved = np.roll(scene, 4, axis=1)  # the scene 4 px to the right
    buffer = scene.copy()
    first = tmpl.search(buffer, patch, np.array([82.0, 60.0]), 6, smear=smear)
    assert np.linalg.norm(first.xy - np.array([80.0, 60.0])) < 0.5
    buffer[:] = moved  # the caller's next frame, in the same array
    again = tmpl.search(buffer, patch, np.array([82.0, 60.0]), 6, smear=smear)
    fresh = tmpl.search(moved.copy(), patch, np.array([82.0, 60.0]), 6, smear=smear)
    assert np.linalg.norm(fresh.xy - np.array([84.0, 60.0])) < 0.5
    assert np.array_equal(again.xy, fresh.xy) and again.score == fresh.score
