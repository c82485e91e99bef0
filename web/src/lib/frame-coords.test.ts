import { describe, expect, it } from "vitest";

import {
  clampToFrame,
  clientToFrame,
  elementToFrame,
  type FrameLayout,
  frameRect,
  frameScale,
  frameToClient,
  frameToElement,
  insideFrame,
} from "./frame-coords";

/** A 640×480 frame in a 400×800 portrait element (a phone). */
const phone: FrameLayout = {
  elementWidth: 400,
  elementHeight: 800,
  frameWidth: 640,
  frameHeight: 480,
  fit: "contain",
  mirrored: false,
};

describe("frameRect", () => {
  it("letterboxes top and bottom for contain in a tall element", () => {
    // scale 400/640 = 0.625 → 400×300, centred vertically
    expect(frameRect(phone)).toEqual({ x: 0, y: 250, width: 400, height: 300 });
  });

  it("pillarboxes left and right for contain in a wide element", () => {
    const desktop = { ...phone, elementWidth: 1600, elementHeight: 600 };
    // scale 600/480 = 1.25 → 800×600, centred horizontally
    expect(frameRect(desktop)).toEqual({ x: 400, y: 0, width: 800, height: 600 });
  });

  it("overhangs the element for cover", () => {
    // scale max(0.625, 800/480) → 1066.7×800, centred horizontally
    const rect = frameRect({ ...phone, fit: "cover" });
    expect(rect.height).toBe(800);
    expect(rect.width).toBeCloseTo(1066.667, 2);
    expect(rect.x).toBeCloseTo(-333.333, 2);
    expect(rect.y).toBe(0);
  });

  it("stretches for fill and while the frame size is still unknown", () => {
    expect(frameRect({ ...phone, fit: "fill" })).toEqual({ x: 0, y: 0, width: 400, height: 800 });
    expect(frameRect({ ...phone, frameWidth: 0, frameHeight: 0 })).toEqual({ x: 0, y: 0, width: 400, height: 800 });
  });
});

describe("elementToFrame / frameToElement", () => {
  it("maps the picture's corners and centre, not the element's", () => {
    expect(elementToFrame(phone, { x: 0, y: 250 })).toEqual({ x: 0, y: 0 });
    expect(elementToFrame(phone, { x: 400, y: 550 })).toEqual({ x: 1, y: 1 });
    expect(elementToFrame(phone, { x: 200, y: 400 })).toEqual({ x: 0.5, y: 0.5 });
  });

  it("puts letterbox bars outside 0..1", () => {
    const top = elementToFrame(phone, { x: 100, y: 10 });
    expect(top.y).toBeLessThan(0);
    expect(insideFrame(top)).toBe(false);
    expect(insideFrame(elementToFrame(phone, { x: 100, y: 300 }))).toBe(true);
  });

  it("flips x when mirrored, leaving y alone", () => {
    const mirrored = { ...phone, mirrored: true };
    expect(elementToFrame(mirrored, { x: 100, y: 325 })).toEqual({ x: 0.75, y: 0.25 });
    expect(frameToElement(mirrored, { x: 0.75, y: 0.25 })).toEqual({ x: 100, y: 325 });
  });

  it("maps the element's edge into the picture for cover (the rest is cropped)", () => {
    const cover = { ...phone, fit: "cover" as const };
    const left = elementToFrame(cover, { x: 0, y: 400 });
    expect(insideFrame(elementToFrame(cover, { x: -1, y: 400 }))).toBe(true);
    expect(insideFrame(elementToFrame(cover, { x: -400, y: 400 }))).toBe(false);
    expect(left.x).toBeCloseTo(0.3125, 9); // 333.3 of 1066.7 pixels cropped away
    expect(left.y).toBeCloseTo(0.5, 5);
  });

  it("round-trips for every fit and mirroring", () => {
    for (const fit of ["contain", "cover", "fill"] as const) {
      for (const mirrored of [false, true]) {
        const layout = { ...phone, fit, mirrored };
        for (const point of [{ x: 0.1, y: 0.9 }, { x: 0.5, y: 0.5 }, { x: 0.83, y: 0.07 }]) {
          const back = elementToFrame(layout, frameToElement(layout, point));
          expect(back.x).toBeCloseTo(point.x, 9);
          expect(back.y).toBeCloseTo(point.y, 9);
        }
      }
    }
  });

  it("lands a frame point on the same picture spot on a phone and a mirrored desktop", () => {
    const desktop: FrameLayout = { ...phone, elementWidth: 1280, elementHeight: 720, mirrored: true };
    const frame = elementToFrame(phone, { x: 300, y: 475 }); // right half, lower half on the phone
    expect(frame).toEqual({ x: 0.75, y: 0.75 });
    const shown = frameToElement(desktop, frame);
    // desktop: 960×720 at x=160; mirrored, so frame x 0.75 is drawn at 0.25 of the picture
    expect(shown).toEqual({ x: 160 + 0.25 * 960, y: 0.75 * 720 });
  });
});

describe("client coordinates", () => {
  it("subtracts the element's client position both ways", () => {
    const box = { x: 20, y: 60 };
    const frame = clientToFrame(phone, box, { x: 220, y: 460 });
    expect(frame).toEqual({ x: 0.5, y: 0.5 });
    expect(frameToClient(phone, box, frame)).toEqual({ x: 220, y: 460 });
  });
});

describe("helpers", () => {
  it("clamps onto the picture", () => {
    expect(clampToFrame({ x: -0.2, y: 1.4 })).toEqual({ x: 0, y: 1 });
    expect(clampToFrame({ x: 0.3, y: 0.6 })).toEqual({ x: 0.3, y: 0.6 });
  });

  it("gives the shown picture's size for line widths", () => {
    expect(frameScale(phone)).toEqual({ x: 400, y: 300 });
  });
});
