/**
 * One screenshot's annotation board (pure, no DOM): the merged elements of both
 * sides (board-merge.ts) and this side's own steps, for undo and redo.
 *
 * Every change is a new version of an element with a fresh random nonce, so it
 * merges deterministically everywhere. Undo makes a new version that restores the
 * element's state before our step (a new element is erased); redo makes a new
 * version with the state after it. Only one's own steps are undone.
 */

import { merge, visible, type BoardState } from "./board-merge";
import type { CallRole, Element, FramePoint, Shape } from "./tool-messages";

interface Step {
  id: string;
  before: Element | null;
  after: Element;
}

export function randomNonce(): number {
  const value = new Uint32Array(1);
  crypto.getRandomValues(value);
  return (value[0] ?? 0) & 0x7fffffff;
}

export class BoardModel {
  readonly screenshotId: string;
  readonly width: number;
  readonly height: number;
  private readonly state: BoardState = new Map();
  private readonly done: Step[] = [];
  private readonly undone: Step[] = [];
  private readonly role: CallRole;
  private readonly nonce: () => number;

  constructor(screenshotId: string, width: number, height: number, role: CallRole, nonce: () => number = randomNonce) {
    this.screenshotId = screenshotId;
    this.width = width;
    this.height = height;
    this.role = role;
    this.nonce = nonce;
  }

  /** Edits from the other side or the snapshot; what changed the board. */
  receive(elements: Element[]): Element[] {
    return merge(this.state, elements);
  }

  elements(): Element[] {
    return visible(this.state);
  }

  get(id: string): Element | undefined {
    return this.state.get(id);
  }

  /** A new shape of ours; returns the edit to send. */
  create(id: string, shape: Shape, points: FramePoint[], text = ""): Element {
    const element: Element = { id, version: 1, nonce: this.nonce(), deleted: false, shape, role: this.role, points, text };
    return this.step(null, element);
  }

  /** Our element grows while it is drawn (pen points, the arrow's tip): no new undo step. */
  extend(id: string, points: FramePoint[]): Element | null {
    const current = this.state.get(id);
    if (!current) {
      return null;
    }
    const next = this.bump(current, { points });
    merge(this.state, [next]);
    const last = this.done[this.done.length - 1];
    if (last?.id === id) {
      last.after = next;
    }
    return next;
  }

  /** Erase any element (ours or theirs); undone like our own steps. */
  erase(id: string): Element | null {
    const current = this.state.get(id);
    if (!current || current.deleted) {
      return null;
    }
    return this.step(current, this.bump(current, { deleted: true }));
  }

  undo(): Element | null {
    const step = this.done.pop();
    if (!step) {
      return null;
    }
    this.undone.push(step);
    const current = this.state.get(step.id) ?? step.after;
    const restored = step.before ? { ...step.before } : { ...step.after, deleted: true };
    return this.apply(this.bump(current, { ...restored, version: current.version }));
  }

  redo(): Element | null {
    const step = this.undone.pop();
    if (!step) {
      return null;
    }
    this.done.push(step);
    const current = this.state.get(step.id) ?? step.after;
    return this.apply(this.bump(current, { ...step.after, version: current.version }));
  }

  get canUndo(): boolean {
    return this.done.length > 0;
  }

  get canRedo(): boolean {
    return this.undone.length > 0;
  }

  /** The topmost visible element within `radius` (frame units) of `point`. */
  hit(point: FramePoint, radius: number): Element | null {
    const found = this.elements().filter((element) => distance(element, point) <= radius);
    return found[found.length - 1] ?? null;
  }

  private step(before: Element | null, after: Element): Element {
    this.done.push({ id: after.id, before, after });
    this.undone.length = 0;
    return this.apply(after);
  }

  private apply(element: Element): Element {
    merge(this.state, [element]);
    return element;
  }

  /** The next version of `element` with `changes`, as this side's edit. */
  private bump(element: Element, changes: Partial<Element>): Element {
    return { ...element, ...changes, id: element.id, role: element.role, version: element.version + 1, nonce: this.nonce() };
  }
}

/** How far `point` is from an element's outline (frame units; text: from its anchor). */
function distance(element: Element, point: FramePoint): number {
  const points = element.points;
  if (element.shape === "rect" && points.length >= 2) {
    const [a, b] = [points[0] as FramePoint, points[points.length - 1] as FramePoint];
    const corners: FramePoint[] = [a, [b[0], a[1]], b, [a[0], b[1]], a];
    return segmentsDistance(corners, point);
  }
  if (points.length === 1 || element.shape === "text") {
    const anchor = points[0];
    return anchor ? Math.hypot(anchor[0] - point[0], anchor[1] - point[1]) : Infinity;
  }
  return segmentsDistance(points, point);
}

function segmentsDistance(points: FramePoint[], p: FramePoint): number {
  let best = Infinity;
  for (let i = 1; i < points.length; i += 1) {
    const a = points[i - 1] as FramePoint;
    const b = points[i] as FramePoint;
    const dx = b[0] - a[0];
    const dy = b[1] - a[1];
    const length = dx * dx + dy * dy;
    const t = length === 0 ? 0 : Math.max(0, Math.min(1, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / length));
    best = Math.min(best, Math.hypot(a[0] + t * dx - p[0], a[1] + t * dy - p[1]));
  }
  return best;
}
