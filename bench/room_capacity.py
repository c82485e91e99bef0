"""How many two-party rooms one Janus node holds before frames drop.

One real Janus node (rendered by janus_config/, as in production). Each room gets
two headless WebRTC publishers (aiortc, DTLS-SRTP, ICE over the host address) that
send a pre-encoded VP8 clip (bench/looped_video.py; 640x480, 30 fps, ~600 kbit/s)
without re-encoding, and Janus forwards each publisher's video as plain RTP
(``rtp_forward``) to a local UDP sink that counts frames (RTP marker bits), one
per publisher, standing in for the other side's subscription. Rooms are added in
steps; after each step the frame rate of every forward, Janus's CPU and this
load generator's CPU are measured. The run stops when a forward falls below 90 %
of the sent frame rate (frames drop), or when the load generator itself has used
up its core (then the ceiling is this machine's, not Janus's: the report gives
Janus's CPU per room, from which a node's ceiling follows).

What is not measured: the SRTP encryption of a browser subscriber's copy (a
forward is plain RTP), and audio. Both add to Janus's per-room cost; see
docs/benchmarks.md for the browser call's figure (bench/call_setup.py).

    .venv/bin/python -m bench.room_capacity [--steps 4,8,16,24,32,48,64] [--seconds 8]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from bench.load import process_cpu_seconds
from bench.looped_video import EncodedClip, LoopedVp8Track
from janus_config.start import stop_janus
from orchestrator.janus.admin import VIDEOROOM_PLUGIN
from orchestrator.janus.client import JanusClient, JanusSession
from orchestrator.janus.errors import JanusUnreachable
from orchestrator.janus.videoroom import ForwardStream, RoomOptions, VideoRoom
from tests.support.janus_server import RunningJanus, start_test_janus
from tests.support.synthetic_publisher import SyntheticPublisher, publish_test_pattern

FPS = 30
DROP_THRESHOLD = 0.9


class FrameCounter(asyncio.DatagramProtocol):
    """Counts RTP packets whose marker bit is set: one per video frame."""

    def __init__(self) -> None:
        self.frames = 0

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        if len(data) > 12 and data[1] & 0x80:
            self.frames += 1


@dataclass
class Room:
    options: RoomOptions
    session: JanusSession
    publishers: list[SyntheticPublisher] = field(default_factory=list)
    counters: list[FrameCounter] = field(default_factory=list)
    transports: list[asyncio.DatagramTransport] = field(default_factory=list)


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class Bench:
    def __init__(self, janus: RunningJanus, http: aiohttp.ClientSession, clip: EncodedClip):
        self.janus = janus
        self.http = http
        self.clip = clip
        self.rooms: list[Room] = []
        self.client = JanusClient(janus.url, http=http, api_secret=janus.secrets.api_secret)
        self.videoroom: VideoRoom | None = None
        self.control: JanusSession | None = None
        self.retries = 0

    async def start(self) -> None:
        self.control = await self.client.create_session()
        self.videoroom = VideoRoom(
            await self.control.attach(VIDEOROOM_PLUGIN),
            admin_key=self.janus.secrets.videoroom_admin_key,
        )

    async def add_room(self, n: int, attempts: int = 3) -> None:
        """A room with its two publishers; a publish Janus did not answer in time is
        tried again in a fresh room (counted in ``self.retries``)."""
        for attempt in range(attempts):
            try:
                await self._add_room(f"capacity-{n}-{attempt}")
                return
            except JanusUnreachable:
                if attempt == attempts - 1:
                    raise
                self.retries += 1

    async def _add_room(self, name: str) -> None:
        assert self.videoroom is not None
        options = RoomOptions(room=name, secret=f"secret-{name}", pin="2468")
        await self.videoroom.create(options)
        room = Room(options, await self.client.create_session())
        try:
            await self._publish_both(room)
        except JanusUnreachable:
            await self._close_room(room)
            raise
        self.rooms.append(room)

    async def _publish_both(self, room: Room) -> None:
        assert self.videoroom is not None
        options = room.options
        loop = asyncio.get_running_loop()
        for side in ("employee", "code-user"):
            handle = await room.session.attach(VIDEOROOM_PLUGIN)
            publisher = await publish_test_pattern(
                handle, options.room, pin=options.pin, display=side,
                video=LoopedVp8Track(self.clip),
            )  # fmt: skip
            counter = FrameCounter()
            transport, _ = await loop.create_datagram_endpoint(
                lambda c=counter: c, local_addr=("127.0.0.1", 0)
            )
            port = transport.get_extra_info("sockname")[1]
            await self.videoroom.rtp_forward(
                options.room, options.secret, publisher.participant_id,
                [ForwardStream(mid="0", port=port, pt=96)],
            )  # fmt: skip
            room.publishers.append(publisher)
            room.counters.append(counter)
            room.transports.append(transport)

    async def measure(self, seconds: float) -> tuple[list[float], float, float]:
        """Frame rate per forward, Janus CPU and our CPU (cores) over ``seconds``."""
        counters = [counter for room in self.rooms for counter in room.counters]
        before = [counter.frames for counter in counters]
        janus_cpu, own_cpu = process_cpu_seconds(self.janus.process.pid), time.process_time()
        started = time.monotonic()
        await asyncio.sleep(seconds)
        elapsed = time.monotonic() - started
        rates = [(c.frames - b) / elapsed for c, b in zip(counters, before, strict=True)]
        janus_load = (process_cpu_seconds(self.janus.process.pid) - janus_cpu) / elapsed
        own_load = (time.process_time() - own_cpu) / elapsed
        return rates, janus_load, own_load

    async def _close_room(self, room: Room) -> None:
        for publisher in room.publishers:
            await publisher.close()
        for transport in room.transports:
            transport.close()
        with contextlib.suppress(Exception):
            await room.session.destroy()

    async def close(self) -> None:
        for room in self.rooms:
            await self._close_room(room)
        if self.control is not None:
            with contextlib.suppress(Exception):
                await self.control.destroy()


async def run(steps: list[int], seconds: float, workdir: Path) -> None:
    clip = EncodedClip.make(workdir / "clip.webm", fps=FPS, kbps=600)
    janus = start_test_janus(workdir / "janus", "janus-capacity", session_timeout=120)
    idle = rss_mib(janus.process.pid)
    print(f"Janus {janus.url}; idle RSS {idle:.0f} MiB; {os.cpu_count()} cores on this machine")
    print(f"{'rooms':>6} {'min fps':>8} {'median fps':>11} {'Janus cores':>12} "
          f"{'per room':>9} {'generator cores':>16} {'Janus RSS':>10}")  # fmt: skip
    verdict = f"no frames dropped up to {steps[-1]} rooms"
    try:
        async with aiohttp.ClientSession() as http:
            bench = Bench(janus, http, clip)
            await bench.start()
            try:
                for target in steps:
                    while len(bench.rooms) < target:
                        await bench.add_room(len(bench.rooms) + 1)
                    await asyncio.sleep(2)  # let the new publishers settle
                    rates, janus_load, own_load = await bench.measure(seconds)
                    rates.sort()
                    median = rates[len(rates) // 2]
                    print(f"{target:>6} {rates[0]:>8.1f} {median:>11.1f} {janus_load:>12.2f} "
                          f"{janus_load / target:>9.3f} {own_load:>16.2f} "
                          f"{rss_mib(janus.process.pid):>9.0f}M", flush=True)  # fmt: skip
                    if rates[0] < DROP_THRESHOLD * FPS:
                        verdict = (
                            f"frames drop at {target} rooms (slowest forward {rates[0]:.1f} fps)"
                        )
                        break
                    if own_load > 0.9:
                        verdict = (
                            f"the load generator saturated its core at {target} rooms before Janus "
                            f"dropped a frame; Janus used {janus_load / target:.3f} cores per room, "
                            f"so one Janus core holds about {int(target / janus_load)} such rooms"
                        )
                        break
            finally:
                retries = bench.retries
                await bench.close()
    finally:
        stop_janus(janus.process)
    print(verdict)
    print(f"publishes retried after Janus did not answer within its timeout: {retries}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--steps", default="4,8,16,24,32,48,64,96")
    parser.add_argument("--seconds", type=float, default=8.0)
    args = parser.parse_args()
    steps = [int(step) for step in args.steps.split(",")]
    with tempfile.TemporaryDirectory(prefix="fernblick-capacity-") as workdir:
        asyncio.run(run(steps, args.seconds, Path(workdir)))


if __name__ == "__main__":
    main()
