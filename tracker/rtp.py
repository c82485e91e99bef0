"""Forwarded VP8 over RTP into whole encoded frames, each with its RTP timestamp.

Janus forwards the code user's video as plain RTP without touching the timestamps
(``rtp_forward`` rewrites only the payload type), so the timestamp of a frame here is
the one the phone put on it. We depacketize ourselves (RFC 7741) instead of letting
ffmpeg's RTP demuxer do it, because that demuxer rebases timestamps and the tracker
must stamp positions with the original ones. A frame with a missing packet is dropped
and reported, so that the caller asks for a keyframe. Each frame says when its last
packet reached the socket, by the kernel's stamp: a busy event loop reads it later.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import socket
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass, field

SIOCGSTAMP = 0x8906
"""Linux ioctl: the kernel's receive time (struct timeval) of the datagram read last."""


@dataclass(frozen=True)
class EncodedFrame:
    """One VP8 frame as the browser's decoder also sees it (payload descriptors removed)."""

    rtp_timestamp: int
    data: bytes
    received: float = field(default=0.0, compare=False)
    """``time.monotonic()`` when its last packet arrived (0 when unknown)."""

    @property
    def keyframe(self) -> bool:
        # RFC 6386 9.1: bit 0 of the frame tag is 0 for a key frame
        return bool(self.data) and not self.data[0] & 0x01


@dataclass(frozen=True)
class RtpPacket:
    sequence: int
    timestamp: int
    marker: bool
    payload_type: int
    payload: bytes


def parse_rtp(datagram: bytes) -> RtpPacket | None:
    """The RTP header fields and payload, or None for anything that is not RTP v2."""
    if len(datagram) < 12 or datagram[0] >> 6 != 2:
        return None
    first, second, sequence, timestamp = struct.unpack_from("!BBHI", datagram)
    offset = 12 + 4 * (first & 0x0F)
    if first & 0x10:  # header extension
        if len(datagram) < offset + 4:
            return None
        (words,) = struct.unpack_from("!H", datagram, offset + 2)
        offset += 4 + 4 * words
    end = len(datagram)
    if first & 0x20:  # padding
        end -= datagram[-1]
    if offset > end:
        return None
    return RtpPacket(sequence, timestamp, bool(second & 0x80), second & 0x7F, datagram[offset:end])


def vp8_payload(payload: bytes) -> tuple[bool, bytes] | None:
    """(starts a frame, VP8 bytes) of one packet's payload (RFC 7741 4.2)."""
    if not payload:
        return None
    first = payload[0]
    offset = 1
    if first & 0x80:  # X: extension byte follows
        if len(payload) < 2:
            return None
        ext = payload[1]
        offset = 2
        if ext & 0x80:  # I: picture id, 7 or 15 bits
            if len(payload) <= offset:
                return None
            offset += 2 if payload[offset] & 0x80 else 1
        if ext & 0x40:  # L: TL0PICIDX
            offset += 1
        if ext & 0x30:  # T or K: TID/KEYIDX byte
            offset += 1
    if offset > len(payload):
        return None
    starts = bool(first & 0x10) and (first & 0x07) == 0
    return starts, payload[offset:]


class Vp8Assembler:
    """Collects packets into frames; a frame ends with the RTP marker bit."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []
        self._timestamp: int | None = None
        self._next_sequence: int | None = None
        self._broken = False
        self.dropped = 0

    def push(self, packet: RtpPacket, arrived: float | None = None) -> EncodedFrame | None:
        """Add one packet (``arrived``: its ``time.monotonic()`` arrival, now if unknown);
        the finished frame when this packet completes one."""
        parsed = vp8_payload(packet.payload)
        if parsed is None:
            return None
        starts, data = parsed
        in_order = self._next_sequence is None or packet.sequence == self._next_sequence
        self._next_sequence = (packet.sequence + 1) & 0xFFFF
        if starts:
            if self._parts and self._timestamp != packet.timestamp:
                self.dropped += 1  # the previous frame never saw its marker packet
            self._parts, self._timestamp, self._broken = [data], packet.timestamp, False
        elif not in_order or self._timestamp != packet.timestamp or not self._parts:
            self._broken = True
        else:
            self._parts.append(data)
        if not packet.marker:
            return None
        complete = not self._broken and bool(self._parts) and self._timestamp == packet.timestamp
        frame = (
            EncodedFrame(
                packet.timestamp,
                b"".join(self._parts),
                time.monotonic() if arrived is None else arrived,
            )
            if complete
            else None
        )
        if not complete:
            self.dropped += 1
        self._parts, self._timestamp, self._broken = [], None, False
        return frame


class RtpReceiver(asyncio.DatagramProtocol):
    """A UDP socket's datagrams as VP8 frames, handed to ``on_frame`` (non-blocking)."""

    def __init__(
        self, on_frame: Callable[[EncodedFrame], None], on_loss: Callable[[], None]
    ) -> None:
        self.assembler = Vp8Assembler()
        self.on_frame = on_frame
        self.on_loss = on_loss
        self.packets = 0
        self._fileno: int | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        sock = transport.get_extra_info("socket")
        self._fileno = sock.fileno() if sock is not None else None
        if sock is not None:
            # stamping from the start: the kernel switches it on with a delay, and the
            # first SIOCGSTAMP would otherwise do so only once frames already arrive
            with contextlib.suppress(OSError, AttributeError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_TIMESTAMP, 1)

    def datagram_received(self, data: bytes, addr: tuple[str | int, ...]) -> None:
        packet = parse_rtp(data)
        if packet is None:
            return
        self.packets += 1
        dropped = self.assembler.dropped
        # a frame's arrival is its last (marker) packet's: one ioctl per frame, not per packet
        arrived = kernel_arrival(self._fileno) if packet.marker else None
        frame = self.assembler.push(packet, arrived)
        if self.assembler.dropped != dropped:
            self.on_loss()
        if frame is not None:
            self.on_frame(frame)


def kernel_arrival(fileno: int | None) -> float | None:
    """``time.monotonic()`` of when the datagram read last reached socket ``fileno``, from
    the kernel's stamp; None where there is none (not Linux, the socket's first datagram)."""
    if fileno is None:
        return None
    try:
        raw = fcntl.ioctl(fileno, SIOCGSTAMP, bytes(16))
    except OSError:
        return None
    seconds, micros = struct.unpack("@qq", raw)
    return time.monotonic() - (time.time() - (seconds + micros / 1e6))
