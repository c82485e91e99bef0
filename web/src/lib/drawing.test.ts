import { describe, expect, it } from "vitest";

import { FADE_MS, HOLD_MS, LiveStrokes, MIN_STEP, StrokePen, fadeAlpha, newId } from "./drawing";
import { MAX_POINTS_PER_MESSAGE } from "./tool-messages";

describe("fadeAlpha", () => {
  it("holds, then fades out linearly, then is gone", () => {
    expect(fadeAlpha(0)).toBe(1);
    expect(fadeAlpha(HOLD_MS)).toBe(1);
    expect(fadeAlpha(HOLD_MS + FADE_MS / 2)).toBeCloseTo(0.5, 9);
    expect(fadeAlpha(HOLD_MS + FADE_MS)).toBe(0);
    expect(fadeAlpha(HOLD_MS + FADE_MS + 1)).toBe(0);
  });
});

describe("LiveStrokes", () => {
  it("appends batches to one stroke and forgets it after the fade", () => {
    const strokes = new LiveStrokes();
    strokes.add("employee:1/a", "employee", [[0.1, 0.1]], false, 1000);
    strokes.add("employee:1/a", "employee", [[0.2, 0.2], [0.3, 0.3]], true, 1100);
    strokes.add("code_user:2/a", "code_user", [[0.5, 0.5]], false, 1200);
    const shown = strokes.visible(1200);
    expect(shown.map((s) => [s.stroke.role, s.stroke.points.length, s.stroke.done])).toEqual([
      ["employee", 3, true],
      ["code_user", 1, false],
    ]);
    expect(strokes.visible(1100 + HOLD_MS + FADE_MS / 2)[0]?.alpha).toBeCloseTo(0.5, 9);
    expect(strokes.visible(1100 + HOLD_MS + FADE_MS).map((s) => s.stroke.id)).toEqual(["code_user:2/a"]);
    expect(strokes.visible(1200 + HOLD_MS + FADE_MS)).toEqual([]);
    expect(strokes.size).toBe(0);
  });
});

describe("StrokePen", () => {
  it("smooths samples towards the pen and keeps the first one as it is", () => {
    const pen = new StrokePen("s");
    expect(pen.move([0.2, 0.2])).toEqual([0.2, 0.2]);
    expect(pen.move([0.4, 0.2])).toEqual([0.3, 0.2]);
    expect(pen.move([0.4, 0.2])).toEqual([0.35, 0.2]);
  });

  it("skips samples that barely move", () => {
    const pen = new StrokePen("s");
    pen.move([0.5, 0.5]);
    expect(pen.move([0.5 + MIN_STEP / 4, 0.5])).toBeNull();
    expect(pen.take(5)?.points).toEqual([[0.5, 0.5]]);
  });

  it("batches for the wire and says done once, ending where the pen lifted", () => {
    const pen = new StrokePen("s");
    for (let i = 0; i < MAX_POINTS_PER_MESSAGE + 10; i += 1) {
      pen.move([i / 100, 0.5]);
    }
    pen.finish([0.9, 0.5]);
    const first = pen.take(1);
    expect(first?.points).toHaveLength(MAX_POINTS_PER_MESSAGE);
    expect(first?.done).toBe(false);
    const second = pen.take(2);
    expect(second?.done).toBe(true);
    expect(second?.points.at(-1)).toEqual([0.9, 0.5]);
    expect(second?.at).toBe(2);
    expect(pen.take(3)).toBeNull();
    expect(pen.hasPending).toBe(false);
  });

  it("sends done even when the last point was already sent", () => {
    const pen = new StrokePen("s");
    pen.move([0.3, 0.3]);
    expect(pen.take(1)?.done).toBe(false);
    pen.finish([0.3, 0.3]);
    expect(pen.take(2)).toEqual({ kind: "stroke", stroke_id: "s", points: [[0.3, 0.3]], done: true, at: 2 });
  });
});

describe("newId", () => {
  it("makes ids the server accepts", () => {
    const ids = new Set(Array.from({ length: 100 }, () => newId()));
    expect(ids.size).toBe(100);
    for (const id of ids) {
      expect(id).toMatch(/^[A-Za-z0-9_-]{1,40}$/);
    }
  });
});
