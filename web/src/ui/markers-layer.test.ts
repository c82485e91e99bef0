import { describe, expect, it } from "vitest";

import type { MarkersFrame } from "../lib/tool-messages";
import { between, extrapolated, messageFor } from "./markers-layer";

function frame(rtp: number, x: number, lost = false): MarkersFrame {
  return {
    type: "call.markers",
    session_id: 1,
    rtp_timestamp: rtp,
    frame_bytes: 900,
    width: 320,
    height: 240,
    markers: [{ id: "a", number: 1, x, y: 0.5, lost }],
    tracked_ms: 10,
    thumbnail: [],
  };
}

describe("extrapolated", () => {
  it("moves each marker on at the speed it had, across the timestamp wrap", () => {
    const a = frame(0xffffffff - 2999, 0.4);
    const b = frame(0, 0.41);
    const ahead = extrapolated(a, b, 6000);
    expect(ahead.rtp_timestamp).toBe(6000);
    expect(ahead.markers[0]?.x).toBeCloseTo(0.43, 6);
    // never more than 0.1 s ahead of the newest position
    expect(extrapolated(a, b, 30_000).markers[0]?.x).toBeCloseTo(0.44, 6);
    expect(ahead.markers[0]?.y).toBeCloseTo(0.5, 6);
  });

  it("keeps a lost marker where it was reported", () => {
    const ahead = extrapolated(frame(0, 0.4), frame(3000, 0.41, true), 6000);
    expect(ahead.markers[0]?.x).toBe(0.41);
  });
});

describe("messageFor", () => {
  const messages = new Map([0, 3000, 6000, 21_000, 24_000].map((rtp) => [rtp, frame(rtp, 0.4 + rtp / 300_000)]));

  it("takes the frame's own message", () => {
    expect(messageFor(messages, 6000)?.drawn.rtp_timestamp).toBe(6000);
  });

  it("extrapolates the newest older message while the frame's own is on its way", () => {
    const shown = messageFor(messages, 27_000);
    expect(shown?.from.rtp_timestamp).toBe(24_000);
    expect(shown?.drawn.rtp_timestamp).toBe(27_000);
    expect(shown?.drawn.markers[0]?.x).toBeCloseTo(0.49, 6);
  });

  it("has nothing to draw when the newest older message is half a second old", () => {
    expect(messageFor(messages, 24_000 + 44_999)).not.toBeNull();
    expect(messageFor(messages, 24_000 + 45_000)).toBeNull();
    // a frame before every message (the worker is ahead): nothing older to draw either
    expect(messageFor(new Map([[90_000, frame(90_000, 0.5)]]), 60_000)).toBeNull();
  });
});

describe("messageFor between two messages", () => {
  it("draws a frame the worker skipped between its neighbours' positions", () => {
    const messages = new Map([frame(0, 0.4), frame(9000, 0.43)].map((message) => [message.rtp_timestamp, message]));
    const shown = messageFor(messages, 3000);
    expect(shown?.from.rtp_timestamp).toBe(0);
    expect(shown?.drawn.rtp_timestamp).toBe(3000);
    expect(shown?.drawn.markers[0]?.x).toBeCloseTo(0.41, 6);
  });

  it("takes the nearest newer message when several are on their way", () => {
    const messages = new Map([frame(0, 0.4), frame(6000, 0.42), frame(12_000, 0.5)].map((message) => [message.rtp_timestamp, message]));
    // between 0 and 6000, not 0 and 12000 (which would give 0.4 + 0.1 * 3 / 12)
    expect(messageFor(messages, 3000)?.drawn.markers[0]?.x).toBeCloseTo(0.41, 6);
  });

  it("extrapolates instead when the next message is too far on", () => {
    const messages = new Map([frame(0, 0.4), frame(18_000, 0.46), frame(36_000, 0.52)].map((message) => [message.rtp_timestamp, message]));
    // 3000 after 18000, next at 36000: 18000 ticks apart, too far to lie between
    expect(messageFor(messages, 21_000)?.drawn.markers[0]?.x).toBeCloseTo(0.47, 6);
  });

  it("keeps a marker lost on either side as the older message has it", () => {
    expect(between(frame(0, 0.4), frame(6000, 0.44, true), 3000).markers[0]?.x).toBe(0.4);
    expect(between(frame(0, 0.4, true), frame(6000, 0.44), 3000).markers[0]?.lost).toBe(true);
  });
});
