"""The recorder: starts and stops ffmpeg and the RTP forwards on recording events.

It runs in the orchestrator (the embedded default) or on its own (``fernblick
recorder``, ``recorder/standalone.py``); either way it gets the call's RTP forwards
from the orchestrator (``recorder/forwarding.py``). It reacts to committed events only
(``recording.start``, ``recording.stop``, and ``call.ended``, which stops a running
recording), so a start that was rolled back never records. On stop it finalizes: ffmpeg quits (``q``), the forwards stop, the
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

from orchestrator.actions.actors import SystemActor
from orchestrator.actions.recordings import do_recording_finalized, do_stop_recording, recording_key
from orchestrator.actions.unit_of_work import UnitOfWork
from orchestrator.db.models import Recording
from orchestrator.domain.recording import RecordingState, RecordingStopReason
from orchestrator.events.bus import MessageBus
from orchestrator.events.schemas import Event
from orchestrator.lifecycle import cancel_and_wait
from orchestrator.settings import Settings
from recorder.ffmpeg import (
    PROBE_SECONDS,
    SegmentWriter,
    join_segments,
    probe,
    render_sdp,
    segment_command,
)
from recorder.forward import allocate_port_pairs
from recorder.forwarding import PORT_PAIRS_PER_RECORDING, ForwardGrant, Forwarding
from recorder.storage import sha256_of

log = logging.getLogger(__name__)

OWNER_FILE = "instance"
"""Names the instance (orchestrator or recorder process) that records into a directory
(see ``recover``)."""
START_QUEUE = "recorder.start"
START_BINDINGS = ("recording.start",)
START_ATTEMPTS = 3
"""ffmpeg starts tried, each on other ports, before the recording counts as failed."""


@dataclass
class ActiveRecording:
    recording_id: int
    session_id: int
    directory: Path
    writer: SegmentWriter
    grant: ForwardGrant | None = None
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
    """One per recording process (the orchestrator, or ``fernblick recorder``); ``active``
    maps recording ids to running ffmpegs. ``forwarding`` gets the Janus forwards:
    directly in the orchestrator, over the bus in a recorder process."""

    def __init__(self, uow: UnitOfWork, forwarding: Forwarding, settings: Settings) -> None:
        self.uow = uow
        self.forwarding = forwarding
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
        """Starts on a queue shared by all recorders; stops on one of this instance."""
        await bus.consume(START_QUEUE, START_BINDINGS, self.on_event)
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
        """Reserve ports, get the forwards, start ffmpeg, ask for keyframes. Idempotent."""
        async with self._lock:
            if recording_id in self.active or recording_id in self.finished:
                return
            async with self.uow.read() as db:
                recording = await db.get(Recording, recording_id)
                if recording is None or recording.state is not RecordingState.RECORDING:
                    return
                session_id = recording.session_id
            active = await self._begin(recording_id, session_id)
            if active is not None:
                self.active[recording_id] = active
                active.watcher = asyncio.create_task(self._watch(active))
                active.keyframes = asyncio.create_task(self._ask_for_keyframes(active))

    async def _begin(self, recording_id: int, session_id: int) -> ActiveRecording | None:
        """Forwards and ffmpeg on fresh ports; again on other ports when ffmpeg could not
        bind them (another process took one between our check and its bind)."""
        for attempt in range(1, START_ATTEMPTS + 1):
            grant = await self._forward(recording_id, session_id)
            if grant is None:
                return None
            writer = await self._start_ffmpeg(recording_id, grant)
            if writer is not None:
                # What Janus forwarded before ffmpeg listened is lost: the recorded time
                # starts here.
                active = ActiveRecording(
                    recording_id, session_id, self._directory(recording_id), writer, grant
                )
                await grant.request_keyframes()
                log.info(
                    "recording %s: %d streams to ffmpeg %s",
                    recording_id,
                    len(grant.streams),
                    writer.pid,
                )
                return active
            log.warning(
                "recording %s: ffmpeg exited before it listened (attempt %d of %d)",
                recording_id,
                attempt,
                START_ATTEMPTS,
            )
            await self.forwarding.close(recording_id)
        await self._give_up(session_id, f"ffmpeg failed to start {START_ATTEMPTS} times")
        return None

    async def _forward(self, recording_id: int, session_id: int) -> ForwardGrant | None:
        settings = self.settings
        ports = allocate_port_pairs(
            PORT_PAIRS_PER_RECORDING, settings.recorder_port_min, settings.recorder_port_max
        )
        grant = await self.forwarding.open(recording_id, settings.recorder_rtp_host, ports)
        if grant is None:
            await self._give_up(session_id, "no call room, or nobody publishes media in it")
        return grant

    async def _start_ffmpeg(self, recording_id: int, grant: ForwardGrant) -> SegmentWriter | None:
        """ffmpeg listening on the grant's ports; None when it exited first."""
        settings = self.settings
        directory = self._directory(recording_id)
        directory.mkdir(parents=True, exist_ok=True)
        (directory / OWNER_FILE).write_text(settings.instance_name)
        sdp = directory / "input.sdp"
        streams = [item.sdp() for item in grant.streams]
        sdp.write_text(render_sdp(streams, settings.recorder_rtp_host))
        writer = SegmentWriter(
            segment_command(
                sdp,
                directory,
                segment_seconds=settings.recorder_segment_seconds,
                ffmpeg_path=settings.ffmpeg_path,
                titles=[stream.label for stream in streams],
            ),
            directory,
        )
        try:
            await writer.start()
            listening = await writer.wait_until_listening(
                [stream.port for stream in streams], within=5.0
            )
        except Exception:
            await writer.stop(settings.recorder_stop_timeout_seconds)
            await self.forwarding.close(recording_id)
            raise
        if listening:
            return writer
        if writer.exited:
            return None
        log.warning("recording %s: ffmpeg did not bind its ports in time", recording_id)
        return writer

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
        while active.grant is not None and not active.stopping:
            await asyncio.sleep(interval)
            with contextlib.suppress(OSError):
                await active.grant.request_keyframes(times=1)

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
            await self.forwarding.close(recording_id)
            await cancel_and_wait(active.watcher, active.keyframes)
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
        """Finalize the recordings that this instance left behind when it died (kill -9).

        Their ffmpeg died with the process (``PR_SET_PDEATHSIG``) and their segments are
        on disk, in directories that name this instance. A recording still running in
        the database is stopped as ``recorder_failed`` and its stale forwards are
        stopped; one stopped meanwhile (the call ended) is only finalized. Each is joined
        and uploaded once: one that already has its artifact is left alone. The ids.
        """
        recovered = []
        for recording_id in self._left_behind():
            async with self.uow.read() as db:
                recording = await db.get(Recording, recording_id)
                if recording is None or recording.artifact_id is not None:
                    continue
                session_id, running = (
                    recording.session_id,
                    recording.state is RecordingState.RECORDING,
                )
            if running:
                await self.forwarding.stop_stale(
                    recording_id,
                    self.settings.recorder_rtp_host,
                    self.settings.recorder_port_min,
                    self.settings.recorder_port_max,
                )
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

    def _left_behind(self) -> list[int]:
        """Recording directories that name this instance and that no ffmpeg here writes."""
        found = []
        for owner in sorted((self.settings.storage_dir / "recordings").glob(f"*/{OWNER_FILE}")):
            name = owner.parent.name
            if name.isdigit() and int(name) not in self.active:
                with contextlib.suppress(OSError):
                    if owner.read_text() == self.settings.instance_name:
                        found.append(int(name))
        return found

    async def close(self) -> None:
        """On shutdown, finish every running recording so nothing recorded is lost."""
        for recording_id in list(self.active):
            with contextlib.suppress(Exception):
                await self.stop(recording_id)
