"""Pre-encoded VP8 for synthetic publishers: media load without encoding cost.

aiortc's test pattern encodes every frame with libvpx in Python's process, which
makes the load generator the first thing to saturate. Here ffmpeg encodes a short
test pattern once; each publisher's track then sends those packets again and again
in real time (fresh timestamps each loop), so a publisher costs packetizing and
SRTP only, as a phone's hardware encoder would leave it.
"""

from __future__ import annotations

import asyncio
import fractions
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import av
from aiortc.mediastreams import MediaStreamTrack

CLOCK_RATE = 90_000
TIME_BASE = fractions.Fraction(1, CLOCK_RATE)


@dataclass(frozen=True)
class EncodedClip:
    """VP8 frames (payload bytes) of a clip, played at ``fps``."""

    frames: list[bytes]
    fps: int

    @classmethod
    def make(
        cls, path: Path, *, size: str = "640x480", fps: int = 15, seconds: int = 10, kbps: int = 500
    ) -> EncodedClip:
        """Encode ffmpeg's test pattern to ``path`` (WebM/VP8) and load its frames."""
        subprocess.run(
            ["ffmpeg", "-y", "-loglevel", "error", "-f", "lavfi",
             "-i", f"testsrc=size={size}:rate={fps}", "-t", str(seconds),
             "-c:v", "libvpx", "-b:v", f"{kbps}k", "-deadline", "realtime", "-cpu-used", "8",
             "-g", str(fps * 2), "-auto-alt-ref", "0", str(path)],
            check=True, timeout=300,
        )  # fmt: skip
        with av.open(str(path)) as container:
            frames = [bytes(packet) for packet in container.demux(video=0) if packet.size]
        return cls(frames, fps)


class LoopedVp8Track(MediaStreamTrack):
    """A video track that sends ``clip``'s encoded frames in a loop, paced in real time."""

    kind = "video"

    def __init__(self, clip: EncodedClip) -> None:
        super().__init__()
        self.clip = clip
        self._index = 0
        self._start: float | None = None
        #: How late each frame left, in seconds (a load generator that cannot keep
        #: real time shows it here first).
        self.lateness: list[float] = []

    async def recv(self) -> av.Packet:
        step = CLOCK_RATE // self.clip.fps
        if self._start is None:
            self._start = time.monotonic()
        else:
            due = self._start + self._index / self.clip.fps
            await asyncio.sleep(max(0.0, due - time.monotonic()))
            self.lateness.append(time.monotonic() - due)
        packet = av.Packet(self.clip.frames[self._index % len(self.clip.frames)])
        packet.pts = self._index * step
        packet.time_base = TIME_BASE
        self._index += 1
        return packet
