/**
 * The screenshot board: a still of the code user's camera that both sides annotate
 * together (pen, arrow, rectangle, text, erase, undo/redo of one's own steps).
 * The state is a BoardModel (lib/board.ts); edits go out as `elements` tool
 * messages while they are drawn and merge deterministically on every side, so both
 * canvases end up with the same pixels. Coordinates are shares of the image (0..1).
 */

import { BoardModel } from "../lib/board";
import { newId } from "../lib/drawing";
import type { Board, CallRole, Element, FramePoint, Shape } from "../lib/tool-messages";
import { roleColour } from "../lib/tool-messages";
import { t } from "../i18n";
import { h } from "./dom";

/** Stroke width and text height as shares of the image width (as the server's rendering). */
const LINE_WIDTH = 0.005;
const TEXT_SIZE = 0.035;
/** How often an element being drawn is sent (ms). */
const SEND_EVERY_MS = 50;
/** Points kept per pen element (the message limit is 512). */
const MAX_PEN_POINTS = 400;
/** How close (share of the image) a tap must be to erase an element. */
const ERASE_RADIUS = 0.025;

type ToolName = Shape | "erase";

export interface ScreenshotBoardOptions {
  role: CallRole;
  board: Board;
  image: Promise<Blob>;
  send: (screenshotId: string, elements: Element[]) => void;
  onClose: () => void;
}

export class ScreenshotBoard {
  readonly root: HTMLElement;
  readonly model: BoardModel;
  private readonly canvas: HTMLCanvasElement;
  private readonly textInput: HTMLInputElement;
  private readonly options: ScreenshotBoardOptions;
  private readonly buttons = new Map<ToolName, HTMLButtonElement>();
  private readonly undoButton: HTMLButtonElement;
  private readonly redoButton: HTMLButtonElement;
  private image: ImageBitmap | null = null;
  private tool: ToolName = "pen";
  private drawing: { id: string; start: FramePoint; points: FramePoint[]; pointerId: number } | null = null;
  private pending: Element | null = null;
  private sendTimer: ReturnType<typeof setInterval> | null = null;

  constructor(options: ScreenshotBoardOptions) {
    this.options = options;
    const { board } = options;
    this.model = new BoardModel(board.screenshot_id, board.width, board.height, options.role);
    this.model.receive(board.elements);
    this.canvas = h("canvas", { class: "board-canvas", "data-testid": "board-canvas" });
    this.canvas.width = board.width;
    this.canvas.height = board.height;
    this.textInput = h("input", { type: "text", class: "board-text", "data-testid": "board-text", maxlength: "500" });
    this.textInput.placeholder = t("board.textPlaceholder");
    const tools = h("div", { class: "board-tools", role: "toolbar" });
    const names: [ToolName, string][] = [["pen", "✎"], ["arrow", "➚"], ["rect", "▭"], ["text", "T"], ["erase", "⌫"]];
    for (const [name, symbol] of names) {
      const button = h("button", { type: "button", class: "round", "data-testid": `tool-${name}`, "aria-label": t(`board.${name}`), title: t(`board.${name}`) }, symbol);
      button.addEventListener("click", () => {
        this.select(name);
      });
      this.buttons.set(name, button);
      tools.append(button);
    }
    this.undoButton = h("button", { type: "button", class: "round", "data-testid": "board-undo", "aria-label": t("board.undo"), title: t("board.undo") }, "↶");
    this.redoButton = h("button", { type: "button", class: "round", "data-testid": "board-redo", "aria-label": t("board.redo"), title: t("board.redo") }, "↷");
    const close = h("button", { type: "button", class: "round", "data-testid": "board-close", "aria-label": t("board.close"), title: t("board.close") }, "✕");
    this.undoButton.addEventListener("click", () => {
      this.sendNow(this.model.undo());
    });
    this.redoButton.addEventListener("click", () => {
      this.sendNow(this.model.redo());
    });
    close.addEventListener("click", () => {
      options.onClose();
    });
    tools.append(this.textInput, this.undoButton, this.redoButton, close);
    this.root = h(
      "div",
      { class: "screenshot-board", "data-testid": "screenshot-board", "data-screenshot-id": board.screenshot_id, role: "dialog", "aria-label": t("board.title") },
      h("div", { class: "board-picture" }, this.canvas),
      tools,
    );
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
    this.select("pen");
    void options.image.then(async (blob) => {
      this.image = await createImageBitmap(blob);
      this.root.dataset.loaded = "true";
      this.paint();
    });
  }

  /** Edits from the other side (or our own echo after a reload). */
  receive(elements: Element[]): void {
    if (this.model.receive(elements).length > 0) {
      this.paint();
    }
  }

  destroy(): void {
    if (this.sendTimer !== null) {
      clearInterval(this.sendTimer);
    }
    this.image?.close();
    this.root.remove();
  }

  private select(tool: ToolName): void {
    this.tool = tool;
    for (const [name, button] of this.buttons) {
      button.setAttribute("aria-pressed", String(name === tool));
    }
    this.textInput.hidden = tool !== "text";
  }

  private point(event: PointerEvent): FramePoint {
    const box = this.canvas.getBoundingClientRect();
    const x = Math.min(1, Math.max(0, (event.clientX - box.x) / box.width));
    const y = Math.min(1, Math.max(0, (event.clientY - box.y) / box.height));
    return [Math.round(x * 10_000) / 10_000, Math.round(y * 10_000) / 10_000];
  }

  private down(event: PointerEvent): void {
    if (this.drawing !== null) {
      return;
    }
    event.preventDefault();
    const point = this.point(event);
    if (this.tool === "erase") {
      const target = this.model.hit(point, ERASE_RADIUS);
      this.sendNow(target ? this.model.erase(target.id) : null);
      return;
    }
    if (this.tool === "text") {
      const text = this.textInput.value.trim();
      if (text) {
        this.sendNow(this.model.create(newId(), "text", [point], text));
        this.textInput.value = "";
      }
      return;
    }
    this.canvas.setPointerCapture(event.pointerId);
    const id = newId();
    const points: FramePoint[] = this.tool === "pen" ? [point] : [point, point];
    this.drawing = { id, start: point, points, pointerId: event.pointerId };
    this.pending = this.model.create(id, this.tool, points);
    this.paint();
    this.sendTimer = setInterval(() => {
      this.flush();
    }, SEND_EVERY_MS);
  }

  private move(event: PointerEvent): void {
    const drawing = this.drawing;
    if (drawing === null || event.pointerId !== drawing.pointerId) {
      return;
    }
    event.preventDefault();
    const point = this.point(event);
    if (this.tool === "pen") {
      if (drawing.points.length >= MAX_PEN_POINTS) {
        return;
      }
      drawing.points.push(point);
    } else {
      drawing.points = [drawing.start, point];
    }
    this.pending = this.model.extend(drawing.id, [...drawing.points]);
    this.paint();
  }

  private up(event: PointerEvent): void {
    if (this.drawing === null || event.pointerId !== this.drawing.pointerId) {
      return;
    }
    this.drawing = null;
    if (this.sendTimer !== null) {
      clearInterval(this.sendTimer);
      this.sendTimer = null;
    }
    this.flush();
  }

  private flush(): void {
    if (this.pending !== null) {
      this.options.send(this.model.screenshotId, [this.pending]);
      this.pending = null;
    }
  }

  private sendNow(element: Element | null): void {
    if (element !== null) {
      this.options.send(this.model.screenshotId, [element]);
    }
    this.paint();
  }

  private paint(): void {
    const context = this.canvas.getContext("2d");
    if (!context) {
      return;
    }
    const { width, height } = this.canvas;
    context.clearRect(0, 0, width, height);
    if (this.image) {
      context.drawImage(this.image, 0, 0, width, height);
    }
    const elements = this.model.elements();
    for (const element of elements) {
      paintElement(context, element, width, height);
    }
    this.root.dataset.elements = String(elements.length);
    this.undoButton.disabled = !this.model.canUndo;
    this.redoButton.disabled = !this.model.canRedo;
  }
}

/** One element on the board (the server's board_render.py draws the same shapes). */
function paintElement(context: CanvasRenderingContext2D, element: Element, width: number, height: number): void {
  const points = element.points.map(([x, y]) => [x * width, y * height] as const);
  const first = points[0];
  if (!first) {
    return;
  }
  const last = points[points.length - 1] ?? first;
  const lineWidth = Math.max(2, Math.round(width * LINE_WIDTH));
  context.strokeStyle = roleColour(element.role);
  context.fillStyle = roleColour(element.role);
  context.lineWidth = lineWidth;
  context.lineCap = "round";
  context.lineJoin = "round";
  context.beginPath();
  switch (element.shape) {
    case "pen":
      context.moveTo(first[0], first[1]);
      for (const [x, y] of points.slice(1)) {
        context.lineTo(x, y);
      }
      if (points.length === 1) {
        context.lineTo(first[0] + 0.01, first[1]);
      }
      context.stroke();
      return;
    case "arrow": {
      const angle = Math.atan2(last[1] - first[1], last[0] - first[0]);
      const head = lineWidth * 4;
      context.moveTo(first[0], first[1]);
      context.lineTo(last[0], last[1]);
      for (const turn of [Math.PI * 0.85, -Math.PI * 0.85]) {
        context.moveTo(last[0], last[1]);
        context.lineTo(last[0] + head * Math.cos(angle + turn), last[1] + head * Math.sin(angle + turn));
      }
      context.stroke();
      return;
    }
    case "rect":
      context.strokeRect(first[0], first[1], last[0] - first[0], last[1] - first[1]);
      return;
    case "text":
      // No hinting, so the glyphs do not depend on the screen's pixel density:
      // a phone and a desktop draw the same pixels.
      context.textRendering = "geometricPrecision";
      context.font = `${Math.round(width * TEXT_SIZE)}px sans-serif`;
      context.textBaseline = "top";
      context.fillText(element.text, first[0], first[1]);
      return;
  }
}
