"""VP8 over RTP into frames (tracker/rtp.py): descriptors, ordering, loss, keyframes."""

from __future__ import annotations

import asyncio
import socket
import struct
import time

from tracker.rtp import EncodedFrame, RtpReceiver, Vp8Assembler, parse_rtp, vp8_payload


def rtp(seq: int, ts: int, payload: bytes, *, marker: bool = False, pt: int = 96) -> bytes:
    return struct.pack("!BBHII", 0x80, (0x80 if marker else 0) | pt, seq, ts, 1234) + payload


def descriptor(start: bool, picture_id: int | None = None) -> bytes:
    """RFC 7741 payload descriptor; with a 15-bit picture id when given."""
    if picture_id is None:
        return bytes([0x10 if start else 0x00])
    return bytes([0x90 if start else 0x80, 0x80, 0x80 | (picture_id >> 8), picture_id & 0xFF])


def frame_packets(seq: int, ts: int, parts: list[bytes], picture_id: int | None = 5) -> list[bytes]:
    return [
        rtp(seq + i, ts, descriptor(i == 0, picture_id) + part, marker=i == len(parts) - 1)
        for i, part in enumerate(parts)
    ]


def test_a_frame_is_its_packets_joined_without_descriptors() -> None:
    assembler = Vp8Assembler()
    out = [
        assembler.push(packet)
        for packet in map(parse_rtp, frame_packets(10, 90_000, [b"\x10abc", b"def", b"gh"]))
        if packet is not None
    ]
    assert out[:2] == [None, None]
    assert out[2] == EncodedFrame(90_000, b"\x10abcdefgh")
    assert out[2].keyframe  # frame tag bit 0 clear


def test_a_lost_packet_drops_its_frame_and_the_next_frame_still_comes() -> None:
    assembler = Vp8Assembler()
    first = frame_packets(100, 3000, [b"\x11a", b"b", b"c"], picture_id=None)
    del first[1]  # lost in the middle
    second = frame_packets(103, 6000, [b"\x11x", b"y"], picture_id=None)
    frames = [assembler.push(p) for p in map(parse_rtp, first + second) if p is not None]
    assert [f for f in frames if f is not None] == [EncodedFrame(6000, b"\x11xy")]
    assert assembler.dropped == 1
    assert not EncodedFrame(6000, b"\x11xy").keyframe


def test_header_extensions_padding_and_garbage() -> None:
    extension = struct.pack("!HH", 0xBEDE, 1) + b"\x10\x01\x00\x00"
    header = struct.pack("!BBHII", 0x90 | 0x20, 0x80 | 96, 1, 42, 7)
    packet = parse_rtp(header + extension + b"\x10\x10zz" + b"\x00\x02")
    assert packet is not None and packet.payload == b"\x10\x10zz" and packet.marker
    assert parse_rtp(b"\x00" * 20) is None  # not RTP version 2
    assert parse_rtp(b"\x80\x60") is None  # too short
    assert vp8_payload(b"") is None
    assert vp8_payload(b"\x90\x80") is None  # picture id announced, missing


async def test_a_frame_is_stamped_when_it_reached_the_socket_not_when_it_was_read() -> None:
    """A busy worker reads its socket late; the positions' ``tracked_ms`` must count from
    when the frame arrived (the employee's frame clock relies on it)."""
    loop = asyncio.get_running_loop()
    frames: asyncio.Queue[EncodedFrame] = asyncio.Queue()
    transport, _ = await loop.create_datagram_endpoint(
        lambda: RtpReceiver(frames.put_nowait, lambda: None), local_addr=("127.0.0.1", 0)
    )
    port = transport.get_extra_info("sockname")[1]
    sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        for packet in frame_packets(1, 3000, [b"\x10a", b"b"]):
            sender.sendto(packet, ("127.0.0.1", port))
        await asyncio.wait_for(frames.get(), 5)
        await asyncio.sleep(0.2)  # the kernel switches stamping on a moment after it is asked

        sent = time.monotonic()
        for packet in frame_packets(3, 6000, [b"\x11c", b"d"]):
            sender.sendto(packet, ("127.0.0.1", port))
        time.sleep(0.3)  # noqa: ASYNC251 - the busy event loop: the datagrams wait in the socket
        read_from = time.monotonic()
        frame = await asyncio.wait_for(frames.get(), 5)
        assert frame.rtp_timestamp == 6000
        assert sent - 0.05 <= frame.received < read_from - 0.2
    finally:
        sender.close()
        transport.close()
