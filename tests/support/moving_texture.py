"""A camera that films a textured plane sliding at a constant, known speed.

The picture is a window onto a large random texture; frame ``k`` shows the window at
``origin + k * velocity``, so a point of the scene seen at ``p`` in frame ``k0`` is at
``p - (k - k0) * velocity`` in frame ``k``. aiortc stamps frame ``k`` with RTP
timestamp ``start + 3000 k`` (90 kHz at 30 fps), so a tracker's positions can be
checked from their RTP timestamps alone.
"""

from __future__ import annotations

import cv2
import numpy as np
from aiortc import VideoStreamTrack
from av import VideoFrame

TICKS_PER_FRAME = 3000


def texture(width: int, height: int, seed: int = 7) -> np.ndarray:
    """Blurred noise with a few sharp shapes: corners and blobs to track (gray uint8)."""
    rng = np.random.default_rng(seed)
    noise = cv2.GaussianBlur(rng.normal(128, 60, (height, width)).astype(np.float32), (0, 0), 2.5)
    image = np.clip((noise - 128) * 2.5 + 128, 0, 255).astype(np.uint8)
    for _ in range(width * height // 4000):
        x, y = int(rng.integers(0, width)), int(rng.integers(0, height))
        size = int(rng.integers(4, 14))
        cv2.rectangle(image, (x, y), (x + size, y + size), int(rng.integers(0, 256)), -1)
    return image


def shapes(width: int, height: int, seed: int, count: int) -> np.ndarray:
    """Grey discs and lines of random brightness, plus grain: corners to track everywhere,
    with the strong contrast of a busy scene (gray uint8)."""
    rng = np.random.default_rng(seed)
    big = np.full((height, width), 128, np.float32)
    for _ in range(count):
        c = (int(rng.integers(0, width)), int(rng.integers(0, height)))
        col = float(rng.integers(20, 235))
        if rng.random() < 0.5:
            cv2.circle(big, c, int(rng.integers(4, 30)), col, -1)
        else:
            d = rng.integers(-40, 40, 2)
            cv2.line(big, c, (c[0] + int(d[0]), c[1] + int(d[1])), col, int(rng.integers(1, 5)))
    big += cv2.GaussianBlur(rng.normal(0, 25, big.shape).astype(np.float32), (0, 0), 1.5)
    return np.clip(big, 0, 255).astype(np.uint8)


class MovingTexture(VideoStreamTrack):
    """``width`` x ``height`` frames sliding by ``velocity`` pixels per frame."""

    def __init__(
        self, width: int = 320, height: int = 240, velocity: tuple[int, int] = (2, 1)
    ) -> None:
        super().__init__()
        self.width, self.height = width, height
        self.velocity = velocity
        frames = 30 * 60  # a minute of motion before the window would leave the texture
        self.plane = texture(width + velocity[0] * frames, height + velocity[1] * frames)

    async def recv(self) -> VideoFrame:
        pts, time_base = await self.next_timestamp()
        k = min(pts // TICKS_PER_FRAME, 30 * 60)
        x, y = k * self.velocity[0], k * self.velocity[1]
        gray = self.plane[y : y + self.height, x : x + self.width]
        frame = VideoFrame.from_ndarray(cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR), format="bgr24")
        frame.pts, frame.time_base = pts, time_base
        return frame
