import { describe, expect, it } from "vitest";

import { RtpClock } from "./rtp-clock";

/** Frame timestamps of a camera: 90 kHz, about 33 ms apart, never exactly. */
function cameraTimestamps(count: number, start: number, seed = 7): number[] {
  let state = seed;
  const out: number[] = [];
  let t = start;
  for (let i = 0; i < count; i += 1) {
    out.push(t >>> 0);
    state = (state * 1103515245 + 12345) % 2147483648;
    t += 2790 + 90 * (state % 6); // 31 to 36 ms
  }
  return out;
}

describe("RtpClock", () => {
  it("finds the offset from the gaps between frames, across the 32-bit wrap", () => {
    const clock = new RtpClock();
    const offset = 0xfffff000;
    const local = cameraTimestamps(60, 1000);
    local.forEach((ts, i) => {
      clock.addLocal(ts);
      if (i % 3 !== 0) {
        clock.addRemote((ts + offset) >>> 0); // the worker skips no frame, the page some
      }
    });
    expect(clock.offset).toBe(offset);
    expect(clock.toRemote(1000)).toBe((1000 + offset) >>> 0);
  });

  it("stays unsynced on perfectly regular frames rather than guess", () => {
    const clock = new RtpClock();
    for (let i = 0; i < 60; i += 1) {
      clock.addLocal(3000 * i);
      clock.addRemote(3000 * i + 777);
    }
    expect(clock.offset).toBeNull();
    expect(clock.toRemote(0)).toBeNull();
  });

  it("works when the worker's timestamps come before the page shows the frames", () => {
    const clock = new RtpClock();
    const local = cameraTimestamps(80, 50_000, 3);
    local.forEach((ts, i) => {
      clock.addRemote(ts + 90_000);
      const shown = local[i - 2];
      if (shown !== undefined) {
        clock.addLocal(shown);
      }
    });
    expect(clock.offset).toBe(90_000);
  });
});
