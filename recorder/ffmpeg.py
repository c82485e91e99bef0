"""ffmpeg for recordings: the SDP it reads, the segmenting writer, the final file.

ffmpeg reads the forwarded RTP through an SDP file (``-protocol_whitelist
file,udp,rtp``), copies every stream without re-encoding (``-c copy``) and writes
Matroska segments of a few seconds, so a crash of ffmpeg or of the whole process
loses at most the segment being written. Arrival time stamps the packets
(``use_wallclock_as_timestamps``): two publishers' streams then line up with each
other and with the wall clock, which is what the recording's duration is judged by.
After the stop the segments are joined (concat demuxer, again ``-c copy``) into one
file with all tracks. Every subprocess runs under a timeout.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import json
import logging
import signal
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ffmpeg

log = logging.getLogger(__name__)

SEGMENT_PATTERN = "seg-%05d.mkv"
PR_SET_PDEATHSIG = 1
SEGMENT_LIST = "segments.csv"
"""``file,start,end`` per finished segment: the cut times, which joining needs exactly."""
PROBE_SECONDS = 2
"""How long ffmpeg may look at the streams before it writes (``analyzeduration``); a stop
within this time waits for the first segment, or the recording would be empty."""


@dataclass(frozen=True)
class SdpStream:
    """One forwarded RTP stream as ffmpeg should expect it."""

    kind: str  # "audio" | "video"
    port: int
    """Even RTP port; ffmpeg also listens for RTCP on ``port + 1``."""
    payload_type: int
    codec: str  # "opus/48000/2", "VP8/90000"
    label: str
    """Whose stream it is (``code_user:3``), kept as the track title."""


def render_sdp(streams: Sequence[SdpStream], host: str = "127.0.0.1") -> str:
    """The session description of the forwarded ports, one media section per stream."""
    lines = [
        "v=0",
        f"o=- 0 0 IN IP4 {host}",
        "s=Fernblick recording",
        f"c=IN IP4 {host}",
        "t=0 0",
    ]
    for stream in streams:
        lines += [
            f"m={stream.kind} {stream.port} RTP/AVP {stream.payload_type}",
            f"a=rtpmap:{stream.payload_type} {stream.codec}",
            f"a=label:{stream.label}",
            "a=recvonly",
        ]
    return "\r\n".join(lines) + "\r\n"


def segment_command(
    sdp: Path,
    directory: Path,
    *,
    segment_seconds: float,
    ffmpeg_path: str = "ffmpeg",
    titles: Sequence[str] = (),
) -> list[str]:
    """The ffmpeg argument list that records ``sdp`` into segments in ``directory``."""
    source = ffmpeg.input(
        str(sdp),
        f="sdp",
        protocol_whitelist="file,udp,rtp",
        use_wallclock_as_timestamps=1,
        reorder_queue_size=64,
        analyzeduration=PROBE_SECONDS * 1_000_000,
        probesize=5_000_000,
    )
    metadata = {f"metadata:s:{i}": f"title={title}" for i, title in enumerate(titles)}
    output = ffmpeg.output(
        source,
        str(directory / SEGMENT_PATTERN),
        map=0,
        c="copy",
        f="segment",
        segment_time=segment_seconds,
        segment_format="matroska",
        reset_timestamps=1,  # each segment from 0: the concat demuxer offsets by durations
        segment_list=str(directory / SEGMENT_LIST),
        segment_list_type="csv",
        **metadata,
    )
    args: list[str] = ffmpeg.compile(
        output.global_args("-hide_banner", "-loglevel", "warning", "-nostats"),
        cmd=ffmpeg_path,
        overwrite_output=True,
    )
    return args


class SegmentWriter:
    """A running ffmpeg writing segments; stopped with ``q`` on stdin, killed if stuck."""

    def __init__(self, args: list[str], directory: Path) -> None:
        self.args = args
        self.directory = directory
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        with (self.directory / "ffmpeg.log").open("ab") as log_file:
            self.process = await asyncio.create_subprocess_exec(
                *self.args,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=log_file,
                preexec_fn=_die_with_parent if sys.platform == "linux" else None,
            )

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    @property
    def exited(self) -> bool:
        return self.process is not None and self.process.returncode is not None

    async def wait(self) -> int:
        """Until ffmpeg exits by itself (a crash, a kill); its exit code."""
        assert self.process is not None
        return await self.process.wait()

    async def stop(self, grace_seconds: float) -> int | None:
        """Ask ffmpeg to finish (``q``); kill it after ``grace_seconds``. The exit code."""
        process = self.process
        if process is None:
            return None
        if process.returncode is None and process.stdin is not None:
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                process.stdin.write(b"q")
                await process.stdin.drain()
                process.stdin.close()
        try:
            async with asyncio.timeout(grace_seconds):
                return await process.wait()
        except TimeoutError:
            log.warning(
                "ffmpeg %s did not stop within %.1f s; killing it", process.pid, grace_seconds
            )
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            return await process.wait()

    async def wait_until_listening(self, ports: Sequence[int], within: float) -> bool:
        """Until ffmpeg has bound every RTP port (Linux ``/proc/net/udp``), at most ``within``
        seconds: packets forwarded before that would be lost, and with them the start."""
        wanted = {f"{port:04X}" for port in ports}
        deadline = asyncio.get_running_loop().time() + within
        while asyncio.get_running_loop().time() < deadline:
            if self.process is not None and self.process.returncode is not None:
                return False
            if wanted <= await asyncio.to_thread(_bound_udp_ports):
                return True
            await asyncio.sleep(0.02)
        return False

    async def wait_for_first_segment(self, within: float) -> None:
        """Give a just-started ffmpeg up to ``within`` seconds to begin writing."""
        deadline = asyncio.get_running_loop().time() + within
        while not self.segments() and asyncio.get_running_loop().time() < deadline:
            if self.process is None or self.process.returncode is not None:
                return
            await asyncio.sleep(0.05)

    def segments(self) -> list[Path]:
        return sorted(self.directory.glob("seg-*.mkv"))


def _segment_spans(path: Path) -> dict[str, float]:
    """Each finished segment's length from the segment list (cut to cut)."""
    spans: dict[str, float] = {}
    with contextlib.suppress(OSError):
        for line in path.read_text().splitlines():
            name, start, end = line.rsplit(",", 2)
            with contextlib.suppress(ValueError):
                spans[name] = float(end) - float(start)
    return spans


def _listing_entry(segment: Path, spans: dict[str, float]) -> str:
    """A concat-demuxer entry; with the exact length where known, since the demuxer's own
    estimate adds up to one frame per segment (1.6 % at 2 s segments)."""
    entry = f"file '{segment.resolve()}'\n"
    if segment.name in spans:
        entry += f"duration {spans[segment.name]:.6f}\n"
    return entry


def _die_with_parent() -> None:
    """In the child: SIGKILL when the orchestrator dies, so no ffmpeg records on, orphaned;
    the next start finalizes what it wrote (``Recorder.recover``)."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def _bound_udp_ports() -> set[str]:
    """Local UDP ports in use, as the upper-case hex that ``/proc/net/udp*`` shows."""
    bound: set[str] = set()
    for table in ("/proc/net/udp", "/proc/net/udp6"):
        with contextlib.suppress(OSError), open(table) as lines:
            next(lines, None)
            for line in lines:
                fields = line.split()
                if len(fields) > 1:
                    bound.add(fields[1].rsplit(":", 1)[-1])
    return bound


async def run(args: Sequence[str], limit_seconds: float) -> tuple[int, bytes]:
    """Run a short ffmpeg/ffprobe command for at most ``limit_seconds``; (exit code, stdout)."""
    process = await asyncio.create_subprocess_exec(
        *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    try:
        async with asyncio.timeout(limit_seconds):
            out, err = await process.communicate()
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        await process.wait()
        return -9, b""
    if process.returncode:
        log.info("%s exited %s: %s", args[0], process.returncode, err.decode(errors="replace"))
    return process.returncode or 0, out


async def probe(
    path: Path, *, limit_seconds: float, ffprobe_path: str = "ffprobe"
) -> dict[str, Any] | None:
    """ffprobe's JSON (format and streams) of ``path``, or None when unreadable."""
    code, out = await run(
        [ffprobe_path, "-v", "error", "-show_format", "-show_streams", "-of", "json", str(path)],
        limit_seconds,
    )
    if code != 0:
        return None
    try:
        found: dict[str, Any] = json.loads(out)
    except ValueError:
        return None
    return found if found.get("streams") else None


async def join_segments(
    segments: Sequence[Path],
    target: Path,
    *,
    limit_seconds: float,
    ffmpeg_path: str = "ffmpeg",
    ffprobe_path: str = "ffprobe",
) -> bool:
    """Concatenate the readable ``segments`` into ``target`` without re-encoding.

    A segment cut short by a crash may be unreadable; it is left out rather than
    failing the recording. False when no segment was readable.
    """
    if not segments:
        return False
    # ffmpeg lists a segment in its segment list once it has closed it: those are whole.
    # Only the ones it was writing when it died need a look (ffprobe costs a process each).
    spans = _segment_spans(segments[0].parent / SEGMENT_LIST)
    readable = [
        segment
        for segment in segments
        if segment.stat().st_size > 0
        and (
            segment.name in spans
            or await probe(segment, limit_seconds=limit_seconds, ffprobe_path=ffprobe_path)
            is not None
        )
    ]
    if not readable:
        return False
    listing = target.with_suffix(".txt")
    listing.write_text("".join(_listing_entry(segment, spans) for segment in readable))
    args = ffmpeg.compile(
        ffmpeg.output(
            ffmpeg.input(str(listing), f="concat", safe=0),
            str(target),
            c="copy",
            map=0,
        ).global_args("-hide_banner", "-loglevel", "error"),
        cmd=ffmpeg_path,
        overwrite_output=True,
    )
    code, _ = await run(args, limit_seconds)
    return code == 0 and await asyncio.to_thread(target.is_file)
