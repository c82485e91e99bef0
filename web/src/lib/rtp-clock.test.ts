import { describe, expect, it } from "vitest";

import { pictureDifference, RtpClock, thumbnailOf } from "./rtp-clock";

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

describe("RtpClock with thumbnails", () => {
  /** Frame i's thumbnail: a bright cell moving across a 4 x 3 grid, one cell per frame. */
  function picture(i: number): number[] {
    return Array.from({ length: 12 }, (_, cell) => (cell === i % 12 ? 200 : 40));
  }

  /** The page stamps its frames' receipt 100 ms (three periods) late, as a busy page does. */
  function feed(clock: RtpClock, withThumbnails: boolean): void {
    const offset = 1_000_000;
    steadyCamera(90).forEach((ts, i) => {
      const received = 2000 + (i * 1000) / 30;
      clock.addLocal(ts, received + 100, withThumbnails ? picture(i) : null);
      clock.addRemote((ts + offset) >>> 0, received + 10, 8, withThumbnails ? picture(i) : null);
    });
  }

  it("pairs the frames whose pictures agree, however late the page stamps them", () => {
    const clock = new RtpClock();
    feed(clock, true);
    expect(clock.offset).toBe(1_000_000);
  });

  it("keeps the true offset when the page skips frames, which lands fewer of its pairs", () => {
    // a busy page shows only every other frame for a while: an offset seconds off pairs
    // the worker's frames with frames shown back then, all of them, but not alike
    const clock = new RtpClock();
    const offset = 2_000_000;
    const scene = (i: number): number[] => Array.from({ length: 12 }, (_, cell) => (i * 37 + cell * 91) % 200);
    steadyCamera(150).forEach((ts, i) => {
      const received = 3000 + (i * 1000) / 30;
      if (i < 100 || i % 2 === 0) {
        clock.addLocal(ts, received, scene(i));
      }
      clock.addRemote((ts + offset) >>> 0, received + 40, 30, scene(i));
    });
    expect(clock.offset).toBe(offset);
  });

  it("finds the offset while the player holds the video longer than the newest positions take", () => {
    // the employee's player holds each frame 400 ms (twelve frames) after its receipt, and
    // a busy worker tracks one frame in three: the newest positions are of frames not shown yet
    const scene = (i: number): number[] => Array.from({ length: 12 }, (_, cell) => (i * 37 + cell * 91) % 200);
    for (const stride of [1, 3]) {
      const clock = new RtpClock();
      const offset = 3_000_000;
      const frames = steadyCamera(200);
      frames.forEach((ts, i) => {
        const received = (i: number): number => 4000 + (i * 1000) / 30;
        const shown = frames[i - 12];
        if (shown !== undefined) {
          clock.addLocal(shown, received(i - 12), scene(i - 12));
        }
        if (i % stride === 0) {
          clock.addRemote((ts + offset) >>> 0, received(i) + 150, 120, scene(i));
        }
      });
      expect(clock.offset).toBe(offset);
    }
  });

  it("needs them: by arrival alone a late page takes the offset three periods off", () => {
    const clock = new RtpClock();
    feed(clock, false);
    expect(clock.offset).toBe(1_000_000 + 9_000);
  });
});

describe("thumbnails", () => {
  it("averages the luma of each cell, row by row", () => {
    // 4 x 2 RGBA picture: left half white, right half black, as a 2 x 1 grid
    const rgba = new Uint8ClampedArray(4 * 2 * 4);
    for (let y = 0; y < 2; y += 1) {
      for (let x = 0; x < 2; x += 1) {
        rgba.set([255, 255, 255, 255], 4 * (y * 4 + x));
      }
    }
    const cells = thumbnailOf(rgba, 4, 2, 2, 1);
    expect(cells[0]).toBeCloseTo(255, 6);
    expect(cells[1]).toBeCloseTo(0, 6);
  });

  it("compares two by their RMS difference, and not at all when one is missing", () => {
    expect(pictureDifference([10, 20], [13, 16])).toBeCloseTo(Math.sqrt((9 + 16) / 2), 6);
    expect(pictureDifference([10, 20], null)).toBeNull();
    expect(pictureDifference([10, 20], [1])).toBeNull();
  });
});

describe("RtpClock.receivedAt", () => {
  it("gives a shown frame's receipt, and reckons it for a frame not shown yet", () => {
    const clock = new RtpClock();
    const offset = 0xffffff00;
    steadyCamera(40).forEach((ts, i) => {
      const received = 1000 + (i * 1000) / 30;
      clock.addLocal(ts, received);
      clock.addRemote((ts + offset) >>> 0, received + 20, 15);
    });
    expect(clock.offset).toBe(offset);
    const frames = steadyCamera(46);
    const shownLast = frames[39] ?? 0;
    expect(clock.receivedAt((shownLast + offset) >>> 0)).toBeCloseTo(1000 + (39 * 1000) / 30, 6);
    // five frames later, still in the player's buffer: 90 ticks per millisecond on
    const buffered = frames[44] ?? 0;
    expect(clock.receivedAt((buffered + offset) >>> 0)).toBeCloseTo(1000 + (39 * 1000) / 30 + (buffered - shownLast) / 90, 6);
  });

  it("knows nothing before the clock is in step", () => {
    const clock = new RtpClock();
    clock.addLocal(0, 0);
    expect(clock.receivedAt(0)).toBeNull();
  });
});
