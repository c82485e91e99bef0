"""When the tracker takes a scene for more than one plane (`tracker/planarity.py`).

Synthetic cameras first (exact geometry, so the verdict is known), then the benchmark's
own sequences on development seeds: a flat `hard` scene, whose blur splits the surface
layer's features into groups for long runs, must stay one plane; a `depth` scene must be
found layered within its first frames, before its objects hide and show the background.
"""

from __future__ import annotations

from types import ModuleType

import numpy as np
import pytest

from tests.support.tracking_clip import benchmark_modules
from tracker.core import PointTracker
from tracker.planarity import ParallaxWatch, PlanarityParams

FOCAL = 640.0
CENTRE = np.array([320.0, 240.0])


def scene_points(rng: np.random.Generator, depths: list[float]) -> np.ndarray:
    """(N, 3) points spread over the first view, each at one of `depths`."""
    uv = rng.uniform([40, 40], [600, 440], (24, 2))
    z = np.array([depths[k % len(depths)] for k in range(len(uv))])
    return np.column_stack([(uv - CENTRE) * z[:, None] / FOCAL, z])


def seen_from(points: np.ndarray, camera_x: float) -> np.ndarray:
    """Pixels of `points` for a camera moved sideways by `camera_x` (parallax)."""
    rel = points - np.array([camera_x, 0.0, 0.0])
    return rel[:, :2] / rel[:, 2:] * FOCAL + CENTRE


def watch_a_moving_camera(
    depths: list[float], frames: int, misfit_every: int = 0, confirmed_count: int = 24
) -> int | None:
    """The first frame the watch calls the scene layered, or None."""
    rng = np.random.default_rng(7)
    points = scene_points(rng, depths)
    watch = ParallaxWatch(seen_from(points, 0.0), 1.0, PlanarityParams())
    confirmed = np.arange(len(points)) < confirmed_count
    for t in range(1, frames + 1):
        pos = seen_from(points, 0.03 * t) + rng.normal(0, 0.3, (len(points), 2))
        if misfit_every and t % misfit_every == 0:
            pos[rng.integers(len(points))] += 7.0  # a wrong peak in a blurred frame
        if watch.update(pos, confirmed):
            return t
    return None


def test_a_flat_scene_stays_one_plane_despite_sporadic_misfits() -> None:
    assert watch_a_moving_camera([10.0], frames=300, misfit_every=2) is None


def test_points_at_two_depths_are_found_within_a_few_frames() -> None:
    # 1.9 px a frame of parallax between the two planes
    found = watch_a_moving_camera([10.0, 5.0], frames=60)
    assert found is not None and found <= 10


def test_too_few_confirmed_points_judge_nothing() -> None:
    assert watch_a_moving_camera([10.0, 5.0], frames=60, confirmed_count=7) is None


@pytest.fixture(scope="module")
def make_sequences() -> ModuleType:
    return benchmark_modules()[0]


def layered_frames(
    make_sequences: ModuleType, profile: str, seed: int, frames: int, points: int = 24
) -> list[int]:
    """The frames in which the tracker, following the first `points` of the sequence's
    points, took the scene for more than one plane."""
    spec = make_sequences.SequenceSpec(profile, seed, overrides={"n_frames": frames})
    seq = make_sequences.Sequence(spec)
    video = seq.frames()
    tracker = PointTracker(next(video), seq.gt[0][:points].astype(np.float32))
    layered = []
    for t, frame in enumerate(video, start=1):
        tracker.update(frame)
        if tracker.layered:
            layered.append(t)
    return layered


def test_a_blurred_flat_scene_is_not_taken_for_depth(make_sequences: ModuleType) -> None:
    # on this seed the surface layer holds a second group of features for long runs
    # (which made the scene count as layered for good from frame 21 on)
    settled = PlanarityParams().settle_frames
    layered = layered_frames(make_sequences, "hard", 103, 150)
    assert [t for t in layered if t > settled] == []


def test_objects_in_front_of_the_background_are_found_early(make_sequences: ModuleType) -> None:
    layered = layered_frames(make_sequences, "depth", 701, 40)
    assert layered and layered[0] <= 20
    assert layered == list(range(layered[0], 40)), "once found, for good"


def test_a_few_markers_keep_the_feature_groups_verdict(make_sequences: ModuleType) -> None:
    """A call tracks only its markers: too few to show parallax, so a second group of
    features, once seen, makes the scene layered for good (as before the watch)."""
    layered = layered_frames(make_sequences, "depth", 701, 40, points=3)
    assert layered and layered == list(range(layered[0], 40))
