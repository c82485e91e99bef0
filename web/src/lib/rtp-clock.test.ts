import { describe, expect, it } from "vitest";

import { RtpClock } from "./rtp-clock";

/** A steady 30 fps camera stamped in whole milliseconds: gaps of 33, 33, 34 ms. */
function steadyCamera(count: number): number[] {
  return Array.from({ length: count }, (_, i) => 90 * Math.floor((i * 1000) / 30));
}

describe("RtpClock", () => {
  it("takes the offset under which positions arrive just after their frames, across the wrap", () => {
    const clock = new RtpClock();
    const offset = 0xfffff000;
    steadyCamera(60).forEach((ts, i) => {
      const received = 1000 + (i * 1000) / 30;
      clock.addLocal(ts, received);
      if (i % 4 !== 0) {
        clock.addRemote((ts + offset) >>> 0, received + 28, 25); // tracked in 25 ms, sent in 3
      }
    });
    expect(clock.offset).toBe(offset);
    expect(clock.toRemote(3000)).toBe((3000 + offset) >>> 0);
  });

  it("does not take a period-shifted offset, even when positions lag far behind", () => {
    const clock = new RtpClock();
    const frames = steadyCamera(90);
    frames.forEach((ts, i) => {
      clock.addLocal(ts, 5000 + (i * 1000) / 30);
      const behind = frames[i - 6]; // the worker is 200 ms behind the picture
      if (behind !== undefined) {
        clock.addRemote(behind + 90_000, 5000 + (i * 1000) / 30, 195);
      }
    });
    expect(clock.offset).toBe(90_000);
  });

  it("knows nothing before enough frames landed", () => {
    const clock = new RtpClock();
    clock.addLocal(0, 0);
    for (let i = 0; i < 5; i += 1) {
      clock.addRemote(3000 * i + 7, i, 0);
    }
    expect(clock.offset).toBeNull();
    expect(clock.toRemote(0)).toBeNull();
  });
});

describe("RtpClock after the offset changed", () => {
  it("finds the new offset within about a second", () => {
    // Whatever made the old offset wrong, the frames now land under another one.
    const clock = new RtpClock();
    const frames = steadyCamera(300);
    let found: number | null = null;
    frames.forEach((ts, i) => {
      const received = 1000 + (i * 1000) / 30;
      const offset = i < 150 ? 500_000 : 572_000;
      clock.addLocal(ts, received);
      clock.addRemote((ts + offset) >>> 0, received + 5, 3);
      if (i >= 150 && found === null && clock.offset === 572_000) {
        found = i - 150;
      }
    });
    expect(found).not.toBeNull();
    expect(found).toBeLessThanOrEqual(30); // frames after the change
    expect(clock.offset).toBe(572_000);
  });
});
