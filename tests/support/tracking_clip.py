"""A fake camera for tracking tests: the benchmark's generator as a ``.y4m`` clip.

The sequence comes from ``../shared/bench/tracking/make_sequences.py`` (read-only; run
into a temp dir), with its exact ground truth. The clip plays the frames forwards and
then backwards, so that Chromium's looping of the file never jumps. The bottom rows
carry the frame's index as eight black or white blocks, so a page can tell which
frame of the sequence it is showing (``FRAME_INDEX_JS``); the tracker sees a static
strip there, away from the points that are checked.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

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


@dataclass
class TrackingClip:
    path: Path
    width: int
    height: int
    gt: np.ndarray  # (T, K, 2) pixel centres
    visible: np.ndarray  # (T, K)
    point_kind: list[str]

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
    path = directory / "clip.y4m"
    chroma = np.full((height // 2) * (width // 2), 128, np.uint8).tobytes()
    order = list(range(len(frames))) + list(range(len(frames) - 2, 0, -1))
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F30:1 Ip A1:1 C420jpeg\n".encode())
        for index in order:
            luma = frames[index].copy()
            block = width // CODE_BITS
            for bit in range(CODE_BITS):
                on = (index >> (CODE_BITS - 1 - bit)) & 1
                luma[height - CODE_ROWS :, bit * block : (bit + 1) * block] = 235 if on else 16
            out.write(b"FRAME\n" + luma.tobytes() + chroma + chroma)
    return TrackingClip(path, width, height, data["gt"], data["visible"], list(meta["point_kind"]))
