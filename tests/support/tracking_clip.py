"""A fake camera for tracking tests: the benchmark's generator as a ``.y4m`` clip.

The sequence comes from ``../shared/bench/tracking/make_sequences.py`` (read-only; run
into a temp dir), with its exact ground truth. The clip plays the frames forwards and
then backwards, so that Chromium's looping of the file never jumps. The bottom rows
carry the frame's index as eight black or white blocks, so a page can tell which
frame of the sequence it is showing (``FRAME_INDEX_JS``); the tracker sees a static
strip there, away from the points that are checked. ``hide_point`` makes a second clip
in which a flat disc covers one point for a range of frames, as a hand would.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from types import ModuleType

import cv2
import numpy as np

BENCH = Path(__file__).parents[2].parent / "shared" / "bench" / "tracking"
CODE_ROWS = 8
CODE_BITS = 8

FRAME_INDEX_JS = """(video) => {
  const w = video.videoWidth, h = video.videoHeight;
  if (!w || !h) return -1;
  const canvas = window.__codeCanvas || (window.__codeCanvas = document.createElement('canvas'));
  canvas.width = w; canvas.height = h;
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  ctx.drawImage(video, 0, 0, w, h);
  const y = Math.floor(h - (%(rows)d / 2) * h / %(height)d);
  const row = ctx.getImageData(0, y, w, 1).data;
  let k = 0;
  for (let b = 0; b < %(bits)d; b += 1) {
    const x = Math.floor((b + 0.5) * w / %(bits)d);
    k = k * 2 + (row[x * 4] > 128 ? 1 : 0);
  }
  return k;
}"""


def benchmark_modules() -> tuple[ModuleType, ModuleType]:
    """The shared benchmark's generator and scorer (``make_sequences``, ``score``)."""
    sys.path.insert(0, str(BENCH))
    try:
        import make_sequences
        import score
    finally:
        sys.path.remove(str(BENCH))
    return make_sequences, score


@dataclass
class TrackingClip:
    path: Path
    width: int
    height: int
    gt: np.ndarray  # (T, K, 2) pixel centres
    visible: np.ndarray  # (T, K)
    point_kind: list[str]
    frames: np.ndarray  # (T, H, W) luma, as generated (without the code strip)

    def index_js(self) -> str:
        """A JS function (video) => index of the sequence frame it shows."""
        return FRAME_INDEX_JS % {"rows": CODE_ROWS, "height": self.height, "bits": CODE_BITS}

    def steady_corner(self, margin: int = 30) -> int:
        """A strong-texture point (a corner) visible in every frame, away from the edges and the code strip."""
        for k, kind in enumerate(self.point_kind):
            xs, ys = self.gt[:, k, 0], self.gt[:, k, 1]
            if (
                kind == "textured"
                and self.visible[:, k].all()
                and xs.min() > margin
                and xs.max() < self.width - margin
                and ys.min() > margin
                and ys.max() < self.height - CODE_ROWS - margin
            ):
                return k
        raise AssertionError("no corner point stays in view")


def make_clip(
    directory: Path, *, seed: int = 3, size: tuple[int, int] = (320, 240)
) -> TrackingClip:
    """Generate an ``easy`` sequence (150 frames) and write it as ``clip.y4m``."""
    width, height = size
    npz = directory / "sequence.npz"
    subprocess.run(
        [
            sys.executable,
            str(BENCH / "make_sequences.py"),
            "--profile",
            "easy",
            "--seed",
            str(seed),
            "--size",
            f"{width}x{height}",
            "--out",
            str(npz),
            "--raw",
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    data = np.load(npz)
    frames: np.ndarray = data["frames"]
    meta = json.loads(str(data["meta"]))
    clip = TrackingClip(
        directory / "clip.y4m", width, height, data["gt"], data["visible"],
        list(meta["point_kind"]), frames,
    )
    _write_y4m(clip)
    return clip


def hide_point(
    clip: TrackingClip, point: int, hidden: range, directory: Path, radius: int = 16
) -> TrackingClip:
    """The same clip with a flat grey disc over ``point`` in the frames of ``hidden``."""
    frames = clip.frames.copy()
    visible = clip.visible.copy()
    for index in hidden:
        x, y = clip.gt[index, point]
        cv2.circle(frames[index], (round(float(x)), round(float(y))), radius, 128, -1)
        visible[index, point] = False
    hidden_clip = replace(clip, path=directory / "hidden.y4m", frames=frames, visible=visible)
    _write_y4m(hidden_clip)
    return hidden_clip


def filmed(clip: TrackingClip, index: int) -> np.ndarray:
    """Frame ``index`` as the fake camera shows it: with its index strip at the bottom."""
    luma = clip.frames[index].copy()
    block = clip.width // CODE_BITS
    for bit in range(CODE_BITS):
        on = (index >> (CODE_BITS - 1 - bit)) & 1
        luma[clip.height - CODE_ROWS :, bit * block : (bit + 1) * block] = 235 if on else 16
    return luma


def _write_y4m(clip: TrackingClip) -> None:
    """Forwards then backwards (no jump when looped), each frame with its index strip."""
    width, height = clip.width, clip.height
    chroma = np.full((height // 2) * (width // 2), 128, np.uint8).tobytes()
    count = len(clip.frames)
    order = list(range(count)) + list(range(count - 2, 0, -1))
    with clip.path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F30:1 Ip A1:1 C420jpeg\n".encode())
        for index in order:
            out.write(b"FRAME\n" + filmed(clip, index).tobytes() + chroma + chroma)
