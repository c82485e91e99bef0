/**
 * Live drawing on the video (pure, no DOM): strokes in frame coordinates, their
 * smoothing, batching for the wire and fading. The canvas layer (ui/draw-layer.ts)
 * renders what `LiveStrokes.visible()` returns.
 *
 * The sender smooths (so both sides draw the same line) and sends batches while the
 * pen moves; a receiver appends them to the stroke with that id. A stroke stays
 * fully visible while it is drawn and for `HOLD_MS` after its last point, then fades
 * out over `FADE_MS` and is forgotten.
 */

import type { CallRole, FramePoint, StrokePoints } from "./tool-messages";
import { MAX_POINTS_PER_MESSAGE } from "./tool-messages";

export const HOLD_MS = 2000;
export const FADE_MS = 1000;
/** How far each new sample pulls the smoothed pen (1 = no smoothing). */
export const SMOOTHING = 0.5;
/** Skip samples closer than this to the last kept point (frame units), to spare the wire. */
export const MIN_STEP = 0.002;

export interface Stroke {
  id: string;
  role: CallRole;
  points: FramePoint[];
  /** When the last point arrived (the receiver's clock, ms). */
  updated: number;
  done: boolean;
}

export interface VisibleStroke {
  stroke: Stroke;
  /** 1 while drawn and held, falling to 0 at the end of the fade. */
  alpha: number;
}

/** The strokes of one video, from both sides, with their fade. */
export class LiveStrokes {
  private readonly strokes = new Map<string, Stroke>();

  /** Append points to a stroke (made on its first points); `key` keeps senders apart. */
  add(key: string, role: CallRole, points: FramePoint[], done: boolean, now: number): Stroke {
    let stroke = this.strokes.get(key);
    if (!stroke) {
      stroke = { id: key, role, points: [], updated: now, done: false };
      this.strokes.set(key, stroke);
    }
    stroke.points.push(...points);
    stroke.updated = now;
    stroke.done = stroke.done || done;
    return stroke;
  }

  /** The strokes to draw at `now`, forgetting those that have faded away. */
  visible(now: number): VisibleStroke[] {
    const shown: VisibleStroke[] = [];
    for (const [key, stroke] of this.strokes) {
      const alpha = fadeAlpha(now - stroke.updated);
      if (alpha <= 0) {
        this.strokes.delete(key);
      } else {
        shown.push({ stroke, alpha });
      }
    }
    return shown;
  }

  get size(): number {
    return this.strokes.size;
  }
}

/** Opacity of a stroke whose last point is `age` ms old. */
export function fadeAlpha(age: number): number {
  if (age <= HOLD_MS) {
    return 1;
  }
  return Math.max(0, 1 - (age - HOLD_MS) / FADE_MS);
}

/**
 * The pen of one local stroke: smooths raw samples and hands out batches for the
 * wire (`take()`), each at most MAX_POINTS_PER_MESSAGE points.
 */
export class StrokePen {
  readonly id: string;
  private smoothed: FramePoint | null = null;
  private lastKept: FramePoint | null = null;
  private pending: FramePoint[] = [];
  private finished = false;

  constructor(id: string) {
    this.id = id;
  }

  /** A raw sample; returns the smoothed point when it was kept (to draw at once). */
  move(point: FramePoint): FramePoint | null {
    const s = this.smoothed;
    const next: FramePoint = s ? [s[0] + (point[0] - s[0]) * SMOOTHING, s[1] + (point[1] - s[1]) * SMOOTHING] : point;
    this.smoothed = next;
    const last = this.lastKept;
    if (last && Math.hypot(next[0] - last[0], next[1] - last[1]) < MIN_STEP) {
      return null;
    }
    const kept: FramePoint = [round(next[0]), round(next[1])];
    this.lastKept = kept;
    this.pending.push(kept);
    return kept;
  }

  /** The pen lifted: the raw last sample ends the stroke where the pen was. */
  finish(point: FramePoint | null): FramePoint | null {
    this.finished = true;
    if (point === null) {
      return null;
    }
    const kept: FramePoint = [round(point[0]), round(point[1])];
    const last = this.lastKept;
    if (last && last[0] === kept[0] && last[1] === kept[1]) {
      return null;
    }
    this.lastKept = kept;
    this.pending.push(kept);
    return kept;
  }

  /** The next message for the wire, or null when there is nothing new. */
  take(now: number): StrokePoints | null {
    if (this.pending.length === 0 && !this.finished) {
      return null;
    }
    const points = this.pending.splice(0, MAX_POINTS_PER_MESSAGE);
    const done = this.finished && this.pending.length === 0;
    if (points.length === 0) {
      // finished with nothing pending: repeat the last point so the message carries `done`
      if (!this.lastKept || !done) {
        return null;
      }
      points.push(this.lastKept);
    }
    if (done) {
      this.finished = false; // one `done` message only
      this.lastKept = null;
    }
    return { kind: "stroke", stroke_id: this.id, points, done, at: now };
  }

  get hasPending(): boolean {
    return this.pending.length > 0 || this.finished;
  }
}

/** Four decimals: 0.1 px on a 1000 px picture, and short JSON. */
function round(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}

/** A random id for strokes and elements (matches the server's ToolId pattern). */
export function newId(): string {
  const bytes = new Uint8Array(9);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(36).padStart(2, "0")).join("").slice(0, 16);
}
