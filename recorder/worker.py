"""The recorder: starts and stops ffmpeg and the RTP forwards on recording events.

It reacts to committed events only (``recording.start``, ``recording.stop``, and
``call.ended``, which stops a running recording), so a start that was rolled back
never records. On stop it finalizes: ffmpeg quits (``q``), the forwards stop, the
segments are joined into one Matroska file in the spool, and an artifact with its
upload job is written through the outbox. When ffmpeg dies by itself (a crash, a
kill -9) the recording is stopped as ``recorder_failed`` and the segments written
so far are finalized and uploaded the same way.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy import select

from orchestrator.actions.actors import SystemActor
from orchestrator.actions.recordings import do_recording_finalized, do_stop_recording, recording_key
from orchestrator.actions.unit_of_work import UnitOfWork
from orchestrator.db.models import CallLeg, Recording, VideoSession
from orchestrator.domain.recording import RecordingState, RecordingStopReason
from orchestrator.events.bus import MessageBus
from orchestrator.events.schemas import Event
from orchestrator.janus.errors import JanusError
from orchestrator.janus.pool import JanusPool
from orchestrator.settings import Settings
from recorder.ffmpeg import (
    PROBE_SECONDS,
    SegmentWriter,
    join_segments,
    probe,
    render_sdp,
    segment_command,
)
from recorder.forward import (
    Leg,
    RoomForward,
    allocate_port_pairs,
    plan,
    published_streams,
)
from recorder.storage import sha256_of

log = logging.getLogger(__name__)

OWNER_FILE = "instance"
"""Names the orchestrator instance that records into a directory (see ``recover``)."""


@dataclass
class ActiveRecording:
    recording_id: int
    session_id: int
    directory: Path
    writer: SegmentWriter
    forward: RoomForward | None = None
    started_monotonic: float = field(default_factory=time.monotonic)
    watcher: asyncio.Task[None] | None = None
    keyframes: asyncio.Task[None] | None = None
    stopping: bool = False


@dataclass(frozen=True)
class Finalized:
    recording_id: int
    path: Path
    wall_seconds: float
    duration_seconds: float | None


class Recorder:
    """One per orchestrator process; ``active`` maps recording ids to running ffmpegs."""

    def __init__(self, uow: UnitOfWork, pool: JanusPool, settings: Settings) -> None:
        self.uow = uow
        self.pool = pool
        self.settings = settings
        self.active: dict[int, ActiveRecording] = {}
        self.finished: dict[int, Finalized] = {}
        self._lock = asyncio.Lock()

    @property
    def spool(self) -> Path:
        return self.settings.storage_dir / "spool"

    def _directory(self, recording_id: int) -> Path:
        return self.settings.storage_dir / "recordings" / str(recording_id)

    async def attach(self, bus: MessageBus) -> None:
        """Starts on a queue shared by all orchestrators; stops on one of this instance."""
        await bus.consume("recorder.start", ["recording.start"], self.on_event)
        await bus.consume(
            f"recorder.stop.{self.settings.instance_name}",
            ["recording.stop", "call.ended"],
            self.on_event,
        )
        await self.recover()

    async def on_event(self, event: Event) -> None:
        data = event.payload.data
        if event.type == "recording.start":
            await self.start(int(data["recording_id"]))
        elif event.type == "recording.stop":
            await self.stop(int(data["recording_id"]))
        elif event.type == "call.ended":
            async with self.uow.transaction() as db:
                await do_stop_recording(
                    db, SystemActor(), event.payload.session.id, RecordingStopReason.CALL_ENDED
                )

    # --- start ---------------------------------------------------------------------

    async def start(self, recording_id: int) -> None:
        """Start ffmpeg, then the forwards, then ask for keyframes. Idempotent."""
        async with self._lock:
            if recording_id in self.active or recording_id in self.finished:
                return
            async with self.uow.read() as db:
                recording = await db.get(Recording, recording_id)
                if recording is None or recording.state is not RecordingState.RECORDING:
                    return
                session = await db.get(VideoSession, recording.session_id)
                legs = await db.scalars(
                    select(CallLeg).where(
                        CallLeg.call_id == recording.call_id, CallLeg.left_at.is_(None)
                    )
                )
                leg_list = [
                    Leg(leg.participant_key, leg.janus_session_id, leg.handle_id) for leg in legs
                ]
            if session is None or not (
                session.janus_node and session.room_id and session.room_secret
            ):
                await self._give_up(recording.session_id, "the session has no call room")
                return
            active = await self._begin(recording_id, session, leg_list)
            if active is not None:
                self.active[recording_id] = active
                active.watcher = asyncio.create_task(self._watch(active))
                active.keyframes = asyncio.create_task(self._ask_for_keyframes(active))

    async def _begin(
        self, recording_id: int, session: VideoSession, legs: list[Leg]
    ) -> ActiveRecording | None:
        assert session.janus_node and session.room_id and session.room_secret
        node = self.pool.node(session.janus_node)
        streams = await published_streams(node, legs)
        if not streams:
            await self._give_up(session.id, "nobody publishes media in the call")
            return None
        ports = allocate_port_pairs(
            len(streams), self.settings.recorder_port_min, self.settings.recorder_port_max
        )
        planned = plan(streams, ports)
        directory = self._directory(recording_id)
        directory.mkdir(parents=True, exist_ok=True)
        (directory / OWNER_FILE).write_text(self.settings.instance_name)
        sdp = directory / "input.sdp"
        sdp.write_text(render_sdp([p.sdp() for p in planned], self.settings.recorder_rtp_host))
        writer = SegmentWriter(
            segment_command(
                sdp,
                directory,
                segment_seconds=self.settings.recorder_segment_seconds,
                ffmpeg_path=self.settings.ffmpeg_path,
                titles=[p.sdp().label for p in planned],
            ),
            directory,
        )
        await writer.start()
        if not await writer.wait_until_listening(ports, within=5.0):
            log.warning("recording %s: ffmpeg did not bind its ports in time", recording_id)
        forward = RoomForward(
            await node.videoroom(),
            session.room_id,
            session.room_secret,
            host=self.settings.recorder_rtp_host,
            janus_host=urlsplit(node.node.url).hostname or "127.0.0.1",
        )
        active = ActiveRecording(recording_id, session.id, directory, writer, forward)
        try:
            await forward.start(planned)
        except Exception:
            await writer.stop(self.settings.recorder_stop_timeout_seconds)
            await forward.stop()
            raise
        active.started_monotonic = time.monotonic()
        await forward.request_keyframes()
        log.info("recording %s: %d streams to ffmpeg %s", recording_id, len(planned), writer.pid)
        return active

    async def _give_up(self, session_id: int, why: str) -> None:
        log.warning("recording of session %s not started: %s", session_id, why)
        async with self.uow.transaction() as db:
            await do_stop_recording(
                db, SystemActor(), session_id, RecordingStopReason.RECORDER_FAILED
            )

    async def _ask_for_keyframes(self, active: ActiveRecording) -> None:
        """A PLI every segment length: ffmpeg cuts segments only at video keyframes, and
        browsers send few of their own, so without this a crash could lose far more than
        one segment's seconds."""
        interval = self.settings.recorder_segment_seconds
        while active.forward is not None and not active.stopping:
            await asyncio.sleep(interval)
            with contextlib.suppress(OSError):
                await active.forward.request_keyframes(times=1)

    async def _watch(self, active: ActiveRecording) -> None:
        """ffmpeg exiting while nobody asked it to is a failed recorder: stop and keep what exists."""
        code = await active.writer.wait()
        if active.stopping:
            return
        log.error("recording %s: ffmpeg exited with %s; finalizing", active.recording_id, code)
        async with self.uow.transaction() as db:
            await do_stop_recording(
                db, SystemActor(), active.session_id, RecordingStopReason.RECORDER_FAILED
            )

    # --- stop and finalize ------------------------------------------------------------

    async def stop(self, recording_id: int) -> Finalized | None:
        """Stop ffmpeg gracefully, stop the forwards, finalize. Idempotent."""
        async with self._lock:
            active = self.active.get(recording_id)
            if active is None:
                return self.finished.get(recording_id)
            active.stopping = True
            await active.writer.wait_for_first_segment(PROBE_SECONDS + 1.0)
            wall = time.monotonic() - active.started_monotonic
            await active.writer.stop(self.settings.recorder_stop_timeout_seconds)
            if active.forward is not None:
                await active.forward.stop()
            for task in (active.watcher, active.keyframes):
                if task is not None:
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await task
            finalized = await self._finalize(active, wall)
            del self.active[recording_id]
            if finalized is not None:
                self.finished[recording_id] = finalized
            return finalized

    async def _finalize(self, active: ActiveRecording, wall: float) -> Finalized | None:
        target = self.spool / recording_key(active.session_id, active.recording_id)
        target.parent.mkdir(parents=True, exist_ok=True)
        timeout = self.settings.recorder_finalize_timeout_seconds
        joined = await join_segments(
            active.writer.segments(),
            target,
            limit_seconds=timeout,
            ffmpeg_path=self.settings.ffmpeg_path,
            ffprobe_path=self.settings.ffprobe_path,
        )
        if not joined:
            log.error("recording %s: no readable segment", active.recording_id)
            return None
        info = await probe(target, limit_seconds=timeout, ffprobe_path=self.settings.ffprobe_path)
        duration = (
            float(info["format"]["duration"]) if info and "duration" in info["format"] else None
        )
        checksum = await asyncio.to_thread(sha256_of, target)
        async with self.uow.transaction() as db:
            await do_recording_finalized(
                db,
                active.recording_id,
                size_bytes=target.stat().st_size,
                duration_ms=round(duration * 1000) if duration is not None else None,
                checksum=checksum,
            )
        if not self.settings.recorder_keep_segments:
            await asyncio.to_thread(shutil.rmtree, active.directory, True)
        log.info(
            "recording %s finalized: %.2f s of media for %.2f s wall time",
            active.recording_id,
            duration or 0.0,
            wall,
        )
        return Finalized(active.recording_id, target, wall, duration)

    async def recover(self) -> list[int]:
        """Finalize recordings that this instance left running when it died (kill -9).

        Their ffmpeg died with the process (``PR_SET_PDEATHSIG``) and their segments
        are on disk; each such recording is stopped as ``recorder_failed``, its stale
        forwards are stopped and its segments are joined and uploaded. The ids.
        """
        async with self.uow.read() as db:
            rows = await db.scalars(
                select(Recording).where(Recording.state == RecordingState.RECORDING)
            )
            candidates = [(r.id, r.session_id) for r in rows if r.id not in self.active]
        recovered = []
        for recording_id, session_id in candidates:
            owner = self._directory(recording_id) / OWNER_FILE
            if not owner.is_file() or owner.read_text() != self.settings.instance_name:
                continue
            await self._stop_stale_forwards(session_id)
            async with self.uow.transaction() as db:
                await do_stop_recording(
                    db, SystemActor(), session_id, RecordingStopReason.RECORDER_FAILED
                )
            directory = self._directory(recording_id)
            orphan = ActiveRecording(
                recording_id, session_id, directory, SegmentWriter([], directory)
            )
            async with self._lock:
                finalized = await self._finalize(orphan, wall=0.0)
            if finalized is not None:
                self.finished[recording_id] = finalized
                recovered.append(recording_id)
        return recovered

    async def _stop_stale_forwards(self, session_id: int) -> None:
        """Forwards of a dead recorder still send to our port range: stop them."""
        async with self.uow.read() as db:
            session = await db.get(VideoSession, session_id)
        if session is None or not (session.janus_node and session.room_id and session.room_secret):
            return
        try:
            videoroom = await self.pool.node(session.janus_node).videoroom()
            listed = await videoroom.list_forwarders(session.room_id, session.room_secret)
            for publisher_id, forwarders in listed.items():
                for forwarder in forwarders:
                    if (
                        forwarder.host == self.settings.recorder_rtp_host
                        and self.settings.recorder_port_min
                        <= forwarder.port
                        <= self.settings.recorder_port_max
                    ):
                        await videoroom.stop_rtp_forward(
                            session.room_id, session.room_secret, publisher_id, forwarder.stream_id
                        )
        except (JanusError, KeyError) as exc:
            log.info("stale forwards of session %s not stopped: %s", session_id, exc)

    async def close(self) -> None:
        """On shutdown, finish every running recording so nothing recorded is lost."""
        for recording_id in list(self.active):
            with contextlib.suppress(Exception):
                await self.stop(recording_id)
