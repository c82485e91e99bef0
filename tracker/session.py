"""The markers of one video session: decode the code user's frames and track every marker.

Synchronous and free of I/O, so the worker runs it in a thread and tests drive it
directly with encoded frames. Positions are ``MarkersFrame``s
(``orchestrator/realtime/tool_messages.py``) in frame coordinates as the browsers use
them (``web/src/lib/frame-coords.ts``): (0, 0) is the frame's top-left corner and
(1, 1) its bottom-right one, so pixel centre ``px`` is ``x * width - 0.5``.

A tracker (``tracker.bench:Tracker``: first frame and points in, one frame at a time)
follows a fixed set of points, and most of its cost per frame (feature flow, surface
fits, ORB) is shared by them; markers arrive at different frames and leave one by one.
So markers live in groups, one tracker each: a new marker starts in a group of its own,
and once it is tracked on the newest frame, every marker in view there is seeded into
one new group (with their current positions, on that frame). A marker that is lost at
that moment, or does not look as it did when its tracker was seeded (a hand coming in
over it), stays in its group, whose tracker can still find it again. In use that is
one tracker per session, whatever the number of markers; a removed marker's point is
simply no longer reported.

A marker names the RTP timestamp of the frame it was placed on and carries a patch of
what the employee saw there; it starts on the history frame that shows that patch (the
stamped one, as a rule; ``tracker/placement.py``) and catches up through the frames
after it, so a click on a moving picture lands where the employee saw the spot.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import av
import cv2
import numpy as np

from orchestrator.realtime.tool_messages import (
    MAX_MARKERS,
    THUMBNAIL_SIZE,
    MarkerPosition,
    MarkersFrame,
)
from tracker.bench import Tracker
from tracker.placement import ALIKE, choose_start, likeness, patch_at
from tracker.rtp import EncodedFrame

log = logging.getLogger(__name__)

HISTORY_FRAMES = 45
"""Decoded frames kept for markers placed on a frame the worker has passed (1.5 s)."""
MAX_LAG_SECONDS = 0.1
"""A frame that waited this long while a newer one is queued may be left untracked: one
frame in two at this lag, one in three at twice this lag, and so on..."""
MAX_STRIDE = 3
"""...but at least every this many frames one is tracked: the tracker follows the motion
of a few frames at once, not of a second's."""


@dataclass(frozen=True)
class Place:
    marker_id: str
    x: float
    y: float
    rtp_timestamp: int | None
    patch: tuple[int, ...] = ()
    """What the employee saw around the click (``tracker/placement.py``); may be empty."""


@dataclass(frozen=True)
class Remove:
    marker_id: str


Item = EncodedFrame | Place | Remove | None
"""What the worker queues for a session, in arrival order: a frame, a command, or None
for lost packets."""


class TrackerGroup:
    """Markers followed by one tracker; ``ids[k]`` is the marker of its point k."""

    def __init__(self, gray: np.ndarray, points: dict[str, tuple[float, float]]) -> None:
        self.ids = list(points)
        self.tracker = Tracker(gray, np.array(list(points.values()), np.float32))
        self.shape = gray.shape
        self.frame: np.ndarray = gray
        """The last frame it was moved onto (or seeded on)."""

    def advance(self, gray: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Positions (N, 2) in ``gray``'s pixels and ok flags on ``gray``.

        The sender may change its resolution during a call (WebRTC scales the video down
        when bandwidth or CPU run short): the tracker goes on with each frame resized to
        the size it started at. Seeded afresh instead, a lost marker would take its
        template from whatever hides it now, and turn solid on that (markers in view are
        seeded afresh, by ``SessionMarkers.track``).
        """
        self.frame = gray
        if gray.shape == self.shape:
            return self.tracker.update(gray)
        height, width = self.shape[:2]
        shrink = gray.shape[1] > width
        resized = cv2.resize(
            gray, (width, height), interpolation=cv2.INTER_AREA if shrink else cv2.INTER_LINEAR
        )
        positions, ok = self.tracker.update(resized)
        scale = np.array([gray.shape[1] / width, gray.shape[0] / height], np.float32)
        return (positions + 0.5) * scale - 0.5, ok


@dataclass
class Marker:
    id: str
    number: int
    group: TrackerGroup
    x: float
    y: float
    lost: bool = False
    look: np.ndarray | None = field(default=None, repr=False)
    """The patch around it (``patch_at``) on the frame its tracker took its template from."""

    def looks_as_seeded(self, gray: np.ndarray) -> bool:
        """Does it look on ``gray`` as on its tracker's first frame (or can nobody tell)?
        A marker in view may be partly covered already, a hand coming in over it: a new
        tracker seeded there would take the hand for the marker."""
        if self.look is None:
            return True
        height, width = gray.shape
        now = patch_at(gray, (self.x + 0.5) / width, (self.y + 0.5) / height)
        alike = likeness(self.look, now)
        return alike is None or alike >= ALIKE

    def take_look(self, gray: np.ndarray) -> None:
        height, width = gray.shape
        self.look = patch_at(gray, (self.x + 0.5) / width, (self.y + 0.5) / height)

    def position(self, width: int, height: int) -> MarkerPosition:
        return MarkerPosition(
            id=self.id,
            number=self.number,
            x=round((self.x + 0.5) / width, 5),
            y=round((self.y + 0.5) / height, 5),
            lost=self.lost,
        )


@dataclass(frozen=True)
class DecodedFrame:
    rtp_timestamp: int
    size: int
    gray: np.ndarray
    received: float = 0.0


class SessionMarkers:
    """Decoder, recent frames and markers of one session; see the module docstring."""

    def __init__(self, session_id: int) -> None:
        self.session_id = session_id
        self.markers: dict[str, Marker] = {}
        self.history: deque[DecodedFrame] = deque(maxlen=HISTORY_FRAMES)
        self._decoder = av.CodecContext.create("vp8", "r")
        # one picture out per packet in, at once: frame threads would delay pictures
        self._decoder.thread_type = "NONE"
        self._decoder.thread_count = 1
        self._waiting_for_keyframe = True
        self.pending: list[Place] = []
        self.decoded = 0
        self.skipped = 0
        self._untracked = 0  # frames decoded but not tracked since the last tracked one

    @property
    def latest(self) -> DecodedFrame | None:
        return self.history[-1] if self.history else None

    @property
    def busy(self) -> bool:
        """Markers to track, or placements waiting for a first frame."""
        return bool(self.markers or self.pending)

    def apply(
        self,
        batch: list[Item],
        now: float | None = None,
        emit: Callable[[dict[str, Any]], None] | None = None,
    ) -> list[dict[str, Any]]:
        """Decode every frame, track the ones still current, apply commands in order; the
        messages to publish, each also handed to ``emit`` the moment it is made (the
        worker sends it at once: a batch takes a while, and each message's ``tracked_ms``
        must still hold when it leaves).

        Every frame is tracked while the worker keeps up. When it falls behind (a busy
        machine, many markers), frames that waited longer than ``MAX_LAG_SECONDS`` with a
        newer one queued are decoded (the decoder needs them) but only every second,
        third, ... (the further behind, the fewer; at least every ``MAX_STRIDE``-th) is
        tracked: each tracked frame covers a few frames' motion, which the tracker's
        pyramid follows, at a fraction of the cost, so the worker catches up with the
        picture instead of falling further behind with every frame.
        ``now`` is ``time.monotonic()`` (tests pass it).
        """
        messages = []
        changed = False
        newest = max(
            (i for i, item in enumerate(batch) if isinstance(item, EncodedFrame)), default=-1
        )
        for index, item in enumerate(batch):
            if item is None:
                self.need_keyframe()
            elif isinstance(item, EncodedFrame):
                decoded = self.decode(item)
                waited = (now if now is not None else time.monotonic()) - item.received
                if decoded is not None and self.markers:
                    stride = min(MAX_STRIDE, 1 + int(waited / MAX_LAG_SECONDS))
                    if index < newest and self._untracked + 1 < stride:
                        self._untracked += 1
                        self.skipped += 1
                    else:
                        self._untracked = 0
                        messages.append(self.track(decoded))
                        changed = False
                        if emit is not None:
                            emit(messages[-1])
            elif isinstance(item, Place):
                self.pending.append(item)
            else:
                changed |= self.remove(item.marker_id)
                self.pending = [p for p in self.pending if p.marker_id != item.marker_id]
            if self.pending and self.latest is not None:
                for place in self.pending:
                    changed |= self.place(
                        place.marker_id, place.x, place.y, place.rtp_timestamp, place.patch
                    )
                self.pending = []
        if changed:  # a placement or removal after the batch's last tracked frame
            messages.append(self.message())
            if emit is not None:
                emit(messages[-1])
        return messages

    # --- commands ----------------------------------------------------------------

    def place(
        self,
        marker_id: str,
        x: float,
        y: float,
        rtp_timestamp: int | None,
        patch: Sequence[int] = (),
    ) -> bool:
        """Start tracking a marker on the frame it was clicked on (``choose_start``); False
        when there is no frame yet, it exists or all numbers are taken."""
        if marker_id in self.markers or self.latest is None:
            return False
        free = [n for n in range(1, MAX_MARKERS + 1) if n not in self.numbers()]
        if not free:
            log.info("session %s: marker %s refused, all numbers taken", self.session_id, marker_id)
            return False
        frames = list(self.history)
        start = choose_start(
            [f.gray for f in frames], [f.rtp_timestamp for f in frames], x, y, rtp_timestamp, patch
        )
        first = frames[start.index]
        log.info(
            "session %s: marker %s starts on frame %s (%s, likeness %s; stamped %s, newest %s)",
            self.session_id,
            marker_id,
            first.rtp_timestamp,
            start.how,
            None if start.likeness is None else round(start.likeness, 3),
            rtp_timestamp,
            frames[-1].rtp_timestamp,
        )
        height, width = first.gray.shape
        px, py = start.x * width - 0.5, start.y * height - 0.5
        marker = Marker(marker_id, free[0], TrackerGroup(first.gray, {marker_id: (px, py)}), px, py)
        marker.take_look(first.gray)
        self.markers[marker_id] = marker
        for later in frames[start.index + 1 :]:
            self._move(marker.group, later.gray)
        self._regroup(frames[-1].gray)
        return True

    def _regroup(self, gray: np.ndarray) -> None:
        """Every marker in view on ``gray`` (the newest frame) into one new group, if they
        are spread over several or follow the video at a size it no longer has; a marker
        that does not look as it did when its tracker was seeded (``looks_as_seeded``)
        stays with the tracker it has."""
        for group in self.groups():
            if group.frame is not gray:
                self._move(group, gray)  # the worker may have skipped this frame
        in_view = {
            m.id: (m.x, m.y)
            for m in self.markers.values()
            if not m.lost and m.looks_as_seeded(gray)
        }
        groups = {id(g): g for g in (self.markers[marker_id].group for marker_id in in_view)}
        if len(groups) > 1 or any(g.shape != gray.shape for g in groups.values()):
            group = TrackerGroup(gray, in_view)
            for marker_id in in_view:
                self.markers[marker_id].group = group
                self.markers[marker_id].take_look(gray)

    def groups(self) -> list[TrackerGroup]:
        """The trackers that follow at least one marker."""
        unique = {id(m.group): m.group for m in self.markers.values()}
        return list(unique.values())

    def remove(self, marker_id: str) -> bool:
        return self.markers.pop(marker_id, None) is not None

    def numbers(self) -> set[int]:
        return {m.number for m in self.markers.values()}

    # --- frames ------------------------------------------------------------------

    def decode(self, frame: EncodedFrame) -> DecodedFrame | None:
        """Decode one frame into the history; None until a keyframe came, or on an error."""
        if self._waiting_for_keyframe and not frame.keyframe:
            return None
        packet = av.Packet(frame.data)
        packet.pts = frame.rtp_timestamp
        try:
            pictures = self._decoder.decode(packet)
        except av.error.FFmpegError as exc:
            log.info("session %s: undecodable frame (%s)", self.session_id, exc)
            self._waiting_for_keyframe = True
            return None
        self._waiting_for_keyframe = False
        decoded = None
        for picture in pictures:
            timestamp = picture.pts if picture.pts is not None else frame.rtp_timestamp
            gray = np.ascontiguousarray(picture.to_ndarray(format="gray"))
            decoded = DecodedFrame(timestamp, len(frame.data), gray, frame.received)
            self.history.append(decoded)
            self.decoded += 1
        return decoded

    def need_keyframe(self) -> None:
        """A packet was lost: decode nothing until the next keyframe."""
        self._waiting_for_keyframe = True

    def track(self, frame: DecodedFrame) -> dict[str, Any]:
        """Move every marker onto ``frame``; the positions message for it.

        After a change of the video's size the markers in view are seeded afresh at the
        new size (full detail again); a lost one stays with its tracker, which follows
        the resized frames and can find it again (see ``TrackerGroup.advance``).
        """
        for group in self.groups():
            self._move(group, frame.gray)
        if any(group.shape != frame.gray.shape for group in self.groups()):
            self._regroup(frame.gray)
        return self.message(frame)

    def message(self, frame: DecodedFrame | None = None) -> dict[str, Any]:
        """What participants get: each marker's position on the frame with this timestamp
        (zeros for the frame when nothing was decoded yet)."""
        frame = frame or self.latest
        height, width = frame.gray.shape if frame is not None else (1, 1)
        return MarkersFrame(
            type="call.markers",
            session_id=self.session_id,
            rtp_timestamp=frame.rtp_timestamp if frame is not None else 0,
            frame_bytes=frame.size if frame is not None else 0,
            width=width if frame is not None else 0,
            height=height if frame is not None else 0,
            markers=[
                m.position(width, height)
                for m in sorted(self.markers.values(), key=lambda m: m.number)
            ],
            tracked_ms=round(1000 * (time.monotonic() - frame.received), 1)
            if frame is not None and frame.received
            else 0.0,
            thumbnail=thumbnail(frame.gray) if frame is not None else [],
        ).model_dump(mode="json")

    def _move(self, group: TrackerGroup, gray: np.ndarray) -> None:
        """Move a group's markers onto ``gray``."""
        members = [self.markers.get(marker_id) for marker_id in group.ids]
        if gray.shape != group.frame.shape:
            log.info(
                "session %s: the video changed from %dx%d to %dx%d",
                self.session_id,
                group.frame.shape[1],
                group.frame.shape[0],
                gray.shape[1],
                gray.shape[0],
            )
        positions, ok = group.advance(gray)
        for k, marker in enumerate(members):
            if marker is not None and marker.group is group:
                marker.x, marker.y = float(positions[k, 0]), float(positions[k, 1])
                marker.lost = not bool(ok[k])


def thumbnail(gray: np.ndarray) -> list[int]:
    """The frame's mean grey levels in a ``THUMBNAIL_SIZE`` grid, row by row: the employee's
    page computes the same from the picture it shows and so tells which frame it is
    (web/src/lib/rtp-clock.ts)."""
    small = cv2.resize(gray, THUMBNAIL_SIZE, interpolation=cv2.INTER_AREA)
    return [int(v) for v in small.ravel()]
