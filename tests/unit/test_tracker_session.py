"""One session's markers (tracker/session.py) on real VP8: decoding from a keyframe,
placing on a past frame, numbering, removal, positions on a sliding texture."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import cv2
import numpy as np

from tests.support.moving_texture import texture
from tests.support.vp8 import vp8_packets
from tracker.placement import patch_at
from tracker.rtp import EncodedFrame
from tracker.session import (
    MAX_LAG_SECONDS,
    MAX_STRIDE,
    DecodedFrame,
    Item,
    Place,
    Remove,
    SessionMarkers,
)

W, H = 320, 240
PLANE = texture(W + 200, H + 200, seed=11)


def view(k: int) -> np.ndarray:
    """Frame k: the window slides one pixel right and down per frame (scene moves up-left)."""
    return PLANE[k : k + H, k : k + W]


def encoded(frames: range, picture: Callable[[int], np.ndarray] = view) -> list[EncodedFrame]:
    """Frames ``frames`` of ``picture`` in VP8, stamped 3000 ticks (one frame at 30 fps) apart."""
    return [
        EncodedFrame(3000 * (frames.start + int(packet.pts)), bytes(packet))
        for packet in vp8_packets((picture(k) for k in frames), 2_000_000)
    ]


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
    assert len(session.groups()) == 1  # one tracker follows both
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
    assert len(session.groups()) == 1
    for k, frame in enumerate(encoded(range(40, 46)), start=40):
        decoded = session.decode(replace(frame, rtp_timestamp=k * 3000))
        assert decoded is not None
        message = session.track(decoded)
    c, b = message["markers"]
    assert np.hypot(*(np.array(pixel(c)) - (159.5 - 6, 119.5 - 6))) < 1.0
    assert np.hypot(*(np.array(pixel(b)) - (200 - 36, 90 - 36))) < 1.0


def test_decoding_starts_at_a_keyframe_and_waits_for_one_after_a_loss() -> None:
    frames = encoded(range(12))
    session = SessionMarkers(1)
    assert frames[0].keyframe and not frames[1].keyframe
    assert session.decode(frames[1]) is None  # no keyframe seen yet
    assert session.decode(frames[0]) is not None
    session.need_keyframe()
    assert session.decode(frames[2]) is None
    assert session.message()["markers"] == []


def test_a_worker_that_fell_behind_tracks_the_newest_frame_and_skips_the_stale_ones() -> None:
    frames = encoded(range(50))
    session = SessionMarkers(3)
    # a placement queued behind the first frame lands on it
    placed = session.apply([frames[0], Place("a", (150 + 0.5) / W, (120 + 0.5) / H, None)])
    assert [m["id"] for m in placed[-1]["markers"]] == ["a"]

    # keeping up: every frame of the batch is current and tracked
    now = 100.0
    current = [replace(frame, received=now) for frame in frames[1:10]]
    assert len(session.apply(current, now=now)) == 9

    # behind by more than twice the allowed lag: all frames are decoded, every third one
    # and the newest are tracked
    received = now + 1.0
    late = [replace(frame, received=received) for frame in frames[10:30]]
    messages = session.apply(late, now=received + 2.5 * MAX_LAG_SECONDS)
    tracked = [m["rtp_timestamp"] // 3000 for m in messages]
    assert tracked == [*range(12, 30, 3), 29]
    assert session.decoded == 30 and session.skipped == 20 - len(tracked)
    for message, k in zip(messages, tracked, strict=True):
        (marker,) = message["markers"]
        assert not marker["lost"]
        assert np.hypot(*(np.array(pixel(marker)) - (150 - k, 120 - k))) < 1.0

    # far behind: one frame in MAX_STRIDE
    received = now + 2.0
    later = [replace(frame, received=received) for frame in frames[30:50]]
    messages = session.apply(later, now=received + 10 * MAX_LAG_SECONDS)
    tracked = [m["rtp_timestamp"] // 3000 for m in messages]
    assert tracked == [*range(30 + MAX_STRIDE - 1, 50, MAX_STRIDE), 49]
    (marker,) = messages[-1]["markers"]
    assert not marker["lost"]
    assert np.hypot(*(np.array(pixel(marker)) - (150 - 49, 120 - 49))) < 1.0

    # a removal is a message of its own; with no marker left the session is idle
    assert session.apply([Remove("a")])[0]["markers"] == []
    assert not session.busy


def test_each_message_is_handed_out_before_the_next_frame_is_decoded() -> None:
    """The worker sends each message at once: its tracked_ms must hold when it leaves, and
    a long batch must not hold back the positions of its first frames."""
    frames = encoded(range(8))
    session = SessionMarkers(5)
    session.apply([frames[0], Place("a", (150 + 0.5) / W, (120 + 0.5) / H, None)])
    steps: list[str] = []
    decode = session.decode

    def decoding(frame: EncodedFrame) -> DecodedFrame | None:
        steps.append(f"decode {frame.rtp_timestamp // 3000}")
        return decode(frame)

    def emit(message: dict[str, Any]) -> None:
        steps.append(f"emit {message['rtp_timestamp'] // 3000}")
        emitted.append(message)

    session.decode = decoding  # type: ignore[method-assign]
    emitted: list[dict[str, Any]] = []
    batch: list[Item] = [replace(frame, received=100.0) for frame in frames[1:4]]
    returned = session.apply(batch, now=100.0, emit=emit)
    assert steps == ["decode 1", "emit 1", "decode 2", "emit 2", "decode 3", "emit 3"]
    assert emitted == returned


def test_each_message_carries_a_thumbnail_of_its_frame() -> None:
    """The employee's page tells frames a period apart by their pictures: the thumbnail
    is the decoded frame's mean grey level per cell of an 8 x 6 grid, row by row."""
    frames = encoded(range(12))
    session = SessionMarkers(7)
    for frame in frames[:6]:
        session.decode(frame)
    assert session.place("a", 0.5, 0.5, None)
    decoded = session.decode(frames[6])
    assert decoded is not None
    message = session.track(decoded)
    cells = np.array(message["thumbnail"], float).reshape(6, 8)
    blocks = decoded.gray.reshape(6, H // 6, 8, W // 8).mean(axis=(1, 3))
    assert np.abs(cells - blocks).max() <= 1.0  # whole grey levels
    later = session.track(session.decode(frames[11]))  # type: ignore[arg-type]
    assert later["thumbnail"] != message["thumbnail"]  # the picture moved


def test_a_marker_hidden_while_the_sender_scales_its_video_down_stays_lost_until_it_shows() -> None:
    """WebRTC scales the video down when bandwidth or CPU run short, in the middle of a
    call. A marker hidden at that moment (a hand over the spot) must not take its look
    from the hand: it stays lost while hidden and comes back on its spot in the smaller
    picture; a marker in view stays on its spot through the change."""
    hidden_spot, seen_spot = np.array([150.0, 120.0]), np.array([230.0, 80.0])

    def covered(k: int, scale: float) -> np.ndarray:
        frame = view(k).copy()
        if scale != 1.0:
            frame = cv2.resize(
                frame, (round(W * scale), round(H * scale)), interpolation=cv2.INTER_AREA
            )
        if 16 <= k < 36:  # a flat disc over the spot, which moves one pixel up-left per frame
            centre = (hidden_spot + 0.5 - k) * scale - 0.5
            cv2.circle(frame, (round(centre[0]), round(centre[1])), round(18 * scale), 128, -1)
        return frame

    session = SessionMarkers(5)
    full = encoded(range(0, 24), lambda k: covered(k, 1.0))
    smaller = encoded(range(24, 60), lambda k: covered(k, 0.75))
    assert smaller[0].keyframe  # a new resolution starts with a key frame
    session.apply([full[0]])
    for marker_id, spot in (("hidden", hidden_spot), ("seen", seen_spot)):
        assert session.place(marker_id, (spot[0] + 0.5) / W, (spot[1] + 0.5) / H, None)
    flags: dict[int, tuple[bool, float, float]] = {}  # frame: hidden lost, both errors
    for frame in full[1:] + smaller:
        (message,) = session.apply([frame])
        k = message["rtp_timestamp"] // 3000
        width, height = message["width"], message["height"]
        hidden, seen = message["markers"]
        at = [np.array([m["x"] * width - 0.5, m["y"] * height - 0.5]) for m in (hidden, seen)]
        scale = width / W
        truth = [(spot + 0.5 - k) * scale - 0.5 for spot in (hidden_spot, seen_spot)]
        errors = [float(np.hypot(*(a - t))) for a, t in zip(at, truth, strict=True)]
        flags[k] = (hidden["lost"], errors[0], errors[1])
        assert not seen["lost"] and flags[k][2] < 1.0, (k, flags[k])
    assert (message["width"], message["height"]) == (W * 3 // 4, H * 3 // 4)
    # lost from a frame or two after the disc came until it left, never found on the disc
    assert all(flags[k][0] for k in range(18, 36)), {k: f[0] for k, f in flags.items()}
    back = [k for k in range(36, 60) if not flags[k][0]]
    assert back and back[0] <= 40 and all(not flags[k][0] for k in range(back[0], 60))
    assert all(flags[k][1] < 1.0 for k in range(back[0], 60))
    # the markers in view were seeded afresh at the new size; the hidden one joined them
    # once it was back, so one tracker follows both at full detail again
    assert [g.shape for g in session.groups()] == [(H * 3 // 4, W * 3 // 4)]


def test_a_click_stamped_with_a_frame_where_a_hand_covers_the_spot_starts_where_seen() -> None:
    """The page's frame clock was a few frames off: the click on frame 8, where the spot
    shows, is stamped with frame 11, where a disc covers it. Seeded there, the marker
    would take the disc's look (found on the disc, lost on the spot); with the patch the
    page saw, it starts on frame 8 and is found on its spot once the disc is gone."""
    spot = np.array([150.0, 120.0])

    def frame(k: int) -> np.ndarray:
        picture = view(k).copy()
        if 10 <= k < 16:
            centre = spot + 0.5 - k - 0.5
            cv2.circle(picture, (round(centre[0]), round(centre[1])), 18, 128, -1)
        return picture

    packets = encoded(range(40), frame)
    session = SessionMarkers(9)
    for packet in packets[:14]:
        session.decode(packet)
    clicked = (spot + 0.5 - 8) / (W, H)
    seen = patch_at(session.history[8].gray, *clicked)
    assert seen is not None
    assert session.place("m", *clicked, 11 * 3000, [int(v) for v in seen.ravel()])
    found: dict[int, tuple[bool, float]] = {}
    for packet in packets[14:]:
        (message,) = session.apply([packet])
        k = message["rtp_timestamp"] // 3000
        (marker,) = message["markers"]
        error = float(np.hypot(*(np.array(pixel(marker)) - (spot - k))))
        found[k] = (marker["lost"], error)
    assert all(lost for lost, _ in (found[k] for k in range(14, 16))), found
    assert all(not lost and error < 1.0 for lost, error in (found[k] for k in range(18, 40))), found


def test_a_marker_partly_covered_when_another_is_placed_keeps_its_own_tracker() -> None:
    """Placing a marker seeds one tracker for all markers in view on the newest frame. A
    hand coming in over marker a (still found) would then be part of a's new template; a
    stays with its own tracker until it looks as it did when placed, and then joins."""
    spot = np.array([150.0, 120.0])

    def frame(k: int) -> np.ndarray:
        picture = view(k).copy()
        if 8 <= k < 20:  # a flat disc beside the spot, over part of what surrounds it
            centre = spot - k + (12, 0)
            cv2.circle(picture, (round(centre[0]), round(centre[1])), 8, 128, -1)
        return picture

    packets = encoded(range(40), frame)
    session = SessionMarkers(4)
    session.apply([packets[0], Place("a", *((spot + 0.5) / (W, H)), None)])
    for packet in packets[1:12]:
        session.apply([packet])
    assert not session.markers["a"].lost
    assert session.place("b", (230 + 0.5 - 11) / W, (80 + 0.5 - 11) / H, None)
    assert session.markers["a"].group is not session.markers["b"].group
    for packet in packets[12:30]:
        (message,) = session.apply([packet])
        k = message["rtp_timestamp"] // 3000
        a = message["markers"][0]
        assert not a["lost"] and np.hypot(*(np.array(pixel(a)) - (spot - k))) < 1.0, (k, a)
    assert session.place("c", 0.5, 0.5, None)  # the disc is gone: one tracker for all
    assert len(session.groups()) == 1
