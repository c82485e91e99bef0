"""Grey pictures through a real libvpx VP8 encoder (PyAV), as a phone would send them."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from fractions import Fraction

import av
import numpy as np


def vp8_packets(
    lumas: Iterable[np.ndarray], bit_rate: int, options: dict[str, str] | None = None
) -> Iterator[av.Packet]:
    """The encoded packets of grey frames (luma, neutral chroma), frame i at pts i, flushed
    at the end; `options` are libvpx's own (deadline, cpu-used, ...)."""
    encoder: av.CodecContext | None = None
    for index, luma in enumerate(lumas):
        height, width = luma.shape
        if encoder is None:
            encoder = av.CodecContext.create("libvpx", "w")
            encoder.width, encoder.height, encoder.pix_fmt = width, height, "yuv420p"
            encoder.bit_rate = bit_rate
            encoder.time_base = Fraction(1, 30)
            encoder.options = dict(options or {})
        chroma = np.full((height // 2, width), 128, np.uint8)
        picture = av.VideoFrame.from_ndarray(np.concatenate([luma, chroma]), format="yuv420p")
        picture.pts = index
        yield from encoder.encode(picture)
    if encoder is not None:
        yield from encoder.encode(None)
