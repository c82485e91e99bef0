/**
 * The live-drawing layer: a canvas over the call's stage video. Pointer input
 * (finger, pen, mouse; `touch-action: none`, so drawing never scrolls the page)
 * becomes smoothed strokes in frame coordinates, drawn at once and streamed in
 * batches while the pen moves; strokes from the other side arrive the same way.
 * Colour follows the sender's role; every stroke fades out (lib/drawing.ts).
 */

import { clampToFrame, clientToFrame, frameScale, frameToElement, insideFrame, type FrameLayout } from "../lib/frame-coords";
import { LiveStrokes, StrokePen, newId, type VisibleStroke } from "../lib/drawing";
import { roleColour, type CallRole, type FramePoint, type Sender, type StrokePoints } from "../lib/tool-messages";

/** How often a stroke being drawn is sent (ms): 30 batches a second stay under the rate limit. */
const SEND_EVERY_MS = 33;
/** Line width as a share of the picture's width (same look on a phone and a desktop). */
const LINE_WIDTH = 0.008;

export interface DrawLayerOptions {
  /** The picture being drawn on and how it is shown right now. */
  layout: () => FrameLayout;
  /** Send one stroke message; false when the tool channel is not joined yet. */
  send: (message: StrokePoints) => boolean;
}

/** Detail of the `fernblick:stroke` event the canvas fires for each received batch. */
export interface StrokeReceived {
  at: number;
  received: number;
  role: CallRole;
}

export class DrawLayer {
  readonly canvas: HTMLCanvasElement;
  private readonly options: DrawLayerOptions;
  private readonly strokes = new LiveStrokes();
  private me: Sender | null = null;
  private pen: StrokePen | null = null;
  private pointerId: number | null = null;
  private sendTimer: ReturnType<typeof setInterval> | null = null;
  private frame: number | null = null;

  constructor(options: DrawLayerOptions) {
    this.options = options;
    this.canvas = document.createElement("canvas");
    this.canvas.className = "draw-layer";
    this.canvas.dataset.testid = "draw-layer";
    this.canvas.addEventListener("pointerdown", (event) => {
      this.down(event);
    });
    this.canvas.addEventListener("pointermove", (event) => {
      this.move(event);
    });
    for (const kind of ["pointerup", "pointercancel"] as const) {
      this.canvas.addEventListener(kind, (event) => {
        this.up(event);
      });
    }
  }

  /** Who we are in the call (from `call.joined`): our strokes take our role's colour. */
  setSender(sender: Sender): void {
    this.me = sender;
    this.canvas.dataset.role = sender.role;
  }

  /** A stroke batch from the other side. */
  receive(sender: Sender, message: StrokePoints): void {
    const received = Date.now();
    this.strokes.add(`${sender.key}/${message.stroke_id}`, sender.role, message.points, message.done, performance.now());
    this.canvas.dispatchEvent(
      new CustomEvent<StrokeReceived>("fernblick:stroke", { detail: { at: message.at, received, role: sender.role } }),
    );
    this.redraw();
  }

  /** Redraw at once (the video was resized, mirrored or rotated). */
  redraw(): void {
    if (this.frame === null) {
      this.frame = requestAnimationFrame(() => {
        this.frame = null;
        this.paint();
      });
    }
  }

  destroy(): void {
    if (this.sendTimer !== null) {
      clearInterval(this.sendTimer);
    }
    if (this.frame !== null) {
      cancelAnimationFrame(this.frame);
    }
    this.canvas.remove();
  }

  private down(event: PointerEvent): void {
    if (this.me === null || this.pointerId !== null || (event.pointerType === "mouse" && event.button !== 0)) {
      return;
    }
    const point = this.toFrame(event);
    if (!insideFrame({ x: point[0], y: point[1] })) {
      return; // on a letterbox bar
    }
    event.preventDefault();
    this.canvas.setPointerCapture(event.pointerId);
    this.pointerId = event.pointerId;
    this.pen = new StrokePen(newId());
    this.addOwn(this.pen.move(point), false);
    this.sendTimer = setInterval(() => {
      this.flush();
    }, SEND_EVERY_MS);
  }

  private move(event: PointerEvent): void {
    if (event.pointerId !== this.pointerId || this.pen === null) {
      return;
    }
    event.preventDefault();
    const samples = typeof event.getCoalescedEvents === "function" ? event.getCoalescedEvents() : [];
    for (const sample of samples.length > 0 ? samples : [event]) {
      this.addOwn(this.pen.move(this.toFrame(sample)), false);
    }
  }

  private up(event: PointerEvent): void {
    if (event.pointerId !== this.pointerId || this.pen === null) {
      return;
    }
    this.pointerId = null;
    this.addOwn(this.pen.finish(this.toFrame(event)), true);
    this.flush();
    if (this.sendTimer !== null) {
      clearInterval(this.sendTimer);
      this.sendTimer = null;
    }
    this.pen = null;
  }

  private flush(): void {
    const pen = this.pen;
    while (pen?.hasPending) {
      const message = pen.take(Date.now());
      if (message === null || !this.options.send(message)) {
        return;
      }
    }
  }

  private addOwn(point: FramePoint | null, done: boolean): void {
    if (this.me === null || this.pen === null) {
      return;
    }
    this.strokes.add(`${this.me.key}/${this.pen.id}`, this.me.role, point ? [point] : [], done, performance.now());
    this.redraw();
  }

  private toFrame(event: PointerEvent): FramePoint {
    const box = this.canvas.getBoundingClientRect();
    const point = clampToFrame(clientToFrame(this.options.layout(), box, { x: event.clientX, y: event.clientY }));
    return [point.x, point.y];
  }

  private paint(): void {
    const canvas = this.canvas;
    const box = canvas.getBoundingClientRect();
    const ratio = window.devicePixelRatio || 1;
    const width = Math.round(box.width * ratio);
    const height = Math.round(box.height * ratio);
    if (canvas.width !== width || canvas.height !== height) {
      canvas.width = width;
      canvas.height = height;
    }
    const context = canvas.getContext("2d");
    if (!context) {
      return;
    }
    context.setTransform(ratio, 0, 0, ratio, 0, 0);
    context.clearRect(0, 0, box.width, box.height);
    const layout = { ...this.options.layout(), elementWidth: box.width, elementHeight: box.height };
    const shown = this.strokes.visible(performance.now());
    for (const item of shown) {
      paintStroke(context, layout, item);
    }
    canvas.dataset.strokes = String(shown.length);
    if (shown.length > 0) {
      this.redraw(); // keep fading
    }
  }
}

/** One stroke as a smooth line: quadratic curves through the midpoints of its points. */
function paintStroke(context: CanvasRenderingContext2D, layout: FrameLayout, { stroke, alpha }: VisibleStroke): void {
  const points = stroke.points.map(([x, y]) => frameToElement(layout, { x, y }));
  const first = points[0];
  if (!first) {
    return;
  }
  context.globalAlpha = alpha;
  context.strokeStyle = roleColour(stroke.role);
  context.fillStyle = roleColour(stroke.role);
  context.lineWidth = Math.max(3, frameScale(layout).x * LINE_WIDTH);
  context.lineCap = "round";
  context.lineJoin = "round";
  if (points.length === 1) {
    context.beginPath();
    context.arc(first.x, first.y, context.lineWidth / 2, 0, Math.PI * 2);
    context.fill();
    return;
  }
  context.beginPath();
  context.moveTo(first.x, first.y);
  points.slice(1, -1).forEach((here, i) => {
    const next = points[i + 2] ?? here;
    context.quadraticCurveTo(here.x, here.y, (here.x + next.x) / 2, (here.y + next.y) / 2);
  });
  const last = points[points.length - 1] ?? first;
  context.lineTo(last.x, last.y);
  context.stroke();
  context.globalAlpha = 1;
}
