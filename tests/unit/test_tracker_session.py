"""One session's markers (tracker/session.py) on real VP8: decoding from a keyframe,
placing on a past frame, numbering, removal, positions on a sliding texture."""

from __future__ import annotations

import av
import cv2
import numpy as np

from tests.support.moving_texture import texture
from tracker.rtp import EncodedFrame
from tracker.session import SessionMarkers

W, H = 320, 240
PLANE = texture(W + 200, H + 200, seed=11)


def view(k: int) -> np.ndarray:
    """Frame k: the window slides one pixel right and down per frame (scene moves up-left)."""
    return PLANE[k : k + H, k : k + W]


def encoded(frames: range) -> list[EncodedFrame]:
    encoder = av.CodecContext.create("libvpx", "w")
    encoder.width, encoder.height, encoder.pix_fmt = W, H, "yuv420p"
    encoder.bit_rate = 2_000_000
    encoder.framerate = 30
    out = []
    for k in frames:
        picture = av.VideoFrame.from_ndarray(cv2.cvtColor(view(k), cv2.COLOR_GRAY2BGR), "bgr24")
        picture.pts = k
        for packet in encoder.encode(picture.reformat(format="yuv420p")):
            out.append(EncodedFrame(3000 * int(packet.pts), bytes(packet)))
    for packet in encoder.encode(None):
        out.append(EncodedFrame(3000 * int(packet.pts), bytes(packet)))
    return out


def pixel(marker: dict[str, object]) -> tuple[float, float]:
    return float(marker["x"]) * W - 0.5, float(marker["y"]) * H - 0.5  # type: ignore[arg-type]


def test_markers_follow_the_picture_from_the_frame_they_were_placed_on() -> None:
    frames = encoded(range(40))
    session = SessionMarkers(7)
    assert not session.place("early", 0.5, 0.5, None)  # nothing decoded yet
    for frame in frames[:10]:
        assert session.decode(frame) is not None
    # placed on frame 4 (in the history), caught up to frame 9
    assert session.place("a", (150 + 0.5) / W, (120 + 0.5) / H, 4 * 3000)
    assert session.place("b", (200 + 0.5) / W, (90 + 0.5) / H, None)  # the newest: frame 9
    for frame in frames[10:]:
        decoded = session.decode(frame)
        assert decoded is not None
        message = session.track(decoded)
    assert message["type"] == "call.markers" and message["rtp_timestamp"] == 39 * 3000
    a, b = message["markers"]
    assert (a["id"], a["number"], b["id"], b["number"]) == ("a", 1, "b", 2)
    assert np.hypot(*(np.array(pixel(a)) - (150 - 35, 120 - 35))) < 1.0
    assert np.hypot(*(np.array(pixel(b)) - (200 - 30, 90 - 30))) < 1.0
    assert not a["lost"] and not b["lost"]

    assert session.remove("a") and not session.remove("a")
    assert session.place("c", 0.5, 0.5, None)
    assert [(m["id"], m["number"]) for m in session.message()["markers"]] == [("c", 1), ("b", 2)]


def test_decoding_starts_at_a_keyframe_and_waits_for_one_after_a_loss() -> None:
    frames = encoded(range(12))
    session = SessionMarkers(1)
    assert frames[0].keyframe and not frames[1].keyframe
    assert session.decode(frames[1]) is None  # no keyframe seen yet
    assert session.decode(frames[0]) is not None
    session.need_keyframe()
    assert session.decode(frames[2]) is None
    assert session.message()["markers"] == []
