import { describe, expect, it } from "vitest";

import { MAX_VIDEO_DELAY_MS, VideoDelay } from "./video-delay";

function feed(delay: VideoDelay, lags: number[]): (number | undefined)[] {
  return lags.map((lag) => delay.add(lag));
}

describe("VideoDelay", () => {
  it("asks for nothing before ten lags are known", () => {
    const delay = new VideoDelay();
    expect(feed(delay, Array<number>(9).fill(50))).toEqual(Array(9).fill(undefined));
    expect(delay.current).toBeNull();
  });

  it("holds the video for the lag nine positions in ten beat, plus a margin", () => {
    const delay = new VideoDelay();
    // 0, 10, ..., 190 ms: nine in ten arrived within 180 ms
    const asked = feed(delay, Array.from({ length: 20 }, (_, i) => i * 10)).filter((ms) => ms !== undefined);
    expect(delay.current).toBe(180 + 30);
    expect(asked.at(-1)).toBe(210);
  });

  it("ignores small changes and follows large ones both ways", () => {
    const delay = new VideoDelay();
    feed(delay, Array<number>(20).fill(100));
    expect(delay.current).toBe(130);
    expect(feed(delay, Array<number>(60).fill(110)).every((ms) => ms === undefined)).toBe(true);
    expect(delay.current).toBe(130);
    expect(feed(delay, Array<number>(60).fill(200)).filter((ms) => ms !== undefined).at(-1)).toBe(230);
    expect(feed(delay, Array<number>(60).fill(20)).filter((ms) => ms !== undefined).at(-1)).toBe(50);
  });

  it("never holds the video longer than the cap, and ignores nonsense", () => {
    const delay = new VideoDelay();
    feed(delay, [...Array<number>(20).fill(5000), Number.NaN, Number.POSITIVE_INFINITY]);
    expect(delay.current).toBe(MAX_VIDEO_DELAY_MS);
  });

  it("releases the player once, and starts afresh", () => {
    const delay = new VideoDelay();
    feed(delay, Array<number>(20).fill(60));
    expect(delay.release()).toBe(true);
    expect(delay.release()).toBe(false);
    expect(delay.current).toBeNull();
    expect(feed(delay, Array<number>(9).fill(60)).every((ms) => ms === undefined)).toBe(true);
  });
});
