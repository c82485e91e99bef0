/**
 * Mapping between element (or client) coordinates and coordinates normalised to
 * the video FRAME: (0, 0) is the frame's top-left pixel, (1, 1) its bottom-right,
 * whatever the element's size, the letterboxing of `object-fit` and mirroring.
 *
 * Every in-call tool (drawing, screenshots, tracking markers) speaks frame
 * coordinates on the wire, so a point lands on the same spot of the picture on a
 * phone in portrait and on a desktop in landscape, mirrored or not. This is the
 * only place that does the mapping; it has no DOM access (callers pass the sizes).
 */

/** CSS `object-fit` values a video element may use (`object-position` is centred). */
export type Fit = "contain" | "cover" | "fill";

export interface Point {
  x: number;
  y: number;
}

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** How one video frame is shown in one element. */
export interface FrameLayout {
  /** The element's CSS size in pixels (e.g. its bounding client rect). */
  elementWidth: number;
  elementHeight: number;
  /** The frame's intrinsic size (`videoWidth`/`videoHeight`, an image's natural size). */
  frameWidth: number;
  frameHeight: number;
  fit: Fit;
  /** Shown flipped horizontally (CSS `scaleX(-1)` on the element or a mirrored draw). */
  mirrored: boolean;
}

/** Where the frame is drawn inside the element, in element pixels (may overhang for `cover`). */
export function frameRect(layout: FrameLayout): Rect {
  const { elementWidth: ew, elementHeight: eh, frameWidth: fw, frameHeight: fh } = layout;
  if (layout.fit === "fill" || fw <= 0 || fh <= 0 || ew <= 0 || eh <= 0) {
    return { x: 0, y: 0, width: ew, height: eh };
  }
  const scaleX = ew / fw;
  const scaleY = eh / fh;
  const scale = layout.fit === "contain" ? Math.min(scaleX, scaleY) : Math.max(scaleX, scaleY);
  const width = fw * scale;
  const height = fh * scale;
  return { x: (ew - width) / 2, y: (eh - height) / 2, width, height };
}

/** An element-local point (CSS pixels from the element's top-left) in frame coordinates. */
export function elementToFrame(layout: FrameLayout, point: Point): Point {
  const rect = frameRect(layout);
  const u = rect.width > 0 ? (point.x - rect.x) / rect.width : 0;
  const v = rect.height > 0 ? (point.y - rect.y) / rect.height : 0;
  return { x: layout.mirrored ? 1 - u : u, y: v };
}

/** A frame point as an element-local point: where to draw it over the element. */
export function frameToElement(layout: FrameLayout, point: Point): Point {
  const rect = frameRect(layout);
  const u = layout.mirrored ? 1 - point.x : point.x;
  return { x: rect.x + u * rect.width, y: rect.y + point.y * rect.height };
}

/** A client point (`PointerEvent.clientX/Y`) in frame coordinates; `box` is the element's client rect. */
export function clientToFrame(layout: FrameLayout, box: Pick<Rect, "x" | "y">, client: Point): Point {
  return elementToFrame(layout, { x: client.x - box.x, y: client.y - box.y });
}

/** A frame point in client coordinates, e.g. to hit-test or to place a DOM marker. */
export function frameToClient(layout: FrameLayout, box: Pick<Rect, "x" | "y">, point: Point): Point {
  const local = frameToElement(layout, point);
  return { x: local.x + box.x, y: local.y + box.y };
}

/** True when a frame point lies on the picture (not on a letterbox bar or cropped away). */
export function insideFrame(point: Point): boolean {
  return point.x >= 0 && point.x <= 1 && point.y >= 0 && point.y <= 1;
}

/** The point moved onto the picture's nearest edge, so a stroke leaving it stays on it. */
export function clampToFrame(point: Point): Point {
  return { x: Math.min(1, Math.max(0, point.x)), y: Math.min(1, Math.max(0, point.y)) };
}

/** Element pixels per frame unit along each axis, for line widths that follow the picture's size. */
export function frameScale(layout: FrameLayout): Point {
  const rect = frameRect(layout);
  return { x: rect.width, y: rect.height };
}
