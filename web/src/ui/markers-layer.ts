/**
 * Tracking markers over the call's stage video. The employee switches to placing
 * (the ⌖ button) and taps a spot of the code user's picture; the tracker worker
 * follows it and sends its position for every frame (`call.markers`, see
 * docs/tracking.md). Markers are numbered buttons; tapping one removes it (either side).
 * A marker the tracker cannot confirm is drawn as lost (hollow, dashed) until it is
 * re-acquired.
 *
 * Where each side draws:
 * - the employee sees the code user's video through Janus, so each position is drawn
 *   on the frame it belongs to: `requestVideoFrameCallback` gives the shown frame's
 *   RTP timestamp, lib/rtp-clock.ts maps it onto the worker's, and the message of that
 *   frame is drawn. While markers are shown, the player holds the video about as long
 *   as messages take to arrive (lib/video-delay.ts), so the frame's own message is
 *   usually there; a frame the worker skipped is drawn between its neighbours' messages,
 *   and one whose message is still on its way from the newest older one, extrapolated.
 *   Until the clock is in step, the newest message is drawn. When the worker has said
 *   nothing about the last half second before the shown frame (it is far behind, or
 *   the picture jumped ahead after a stall), the markers stay where they were but are
 *   drawn as waiting (`stale`): they claim no position for that frame;
 * - the code user sees their own camera, ahead of anything the worker can say about
 *   it, so every message is drawn the moment it arrives (its lag: docs/tracking.md).
 */

import { clientToFrame, frameToElement, insideFrame, type FrameLayout } from "../lib/frame-coords";
import { RtpClock, thumbnailOf } from "../lib/rtp-clock";
import type { MarkerPlacement } from "../lib/api";
import { MAX_MARKERS, PATCH_SIDE, PATCH_SPAN_PERCENT, THUMBNAIL_COLUMNS, THUMBNAIL_ROWS, type CallRole, type MarkerPosition, type MarkersFrame } from "../lib/tool-messages";
import { VideoDelay } from "../lib/video-delay";
import { t } from "../i18n";
import { h, toast } from "./dom";
import { problemText } from "./problem-text";

/** Messages kept for frames still to be shown (about 3 s at 30 fps). */
const KEEP_MESSAGES = 90;
/** Messages older than this are not extrapolated from (90 kHz ticks, 0.5 s)... */
const MAX_EXTRAPOLATION = 45_000;
/** ...nor further ahead than this (0.1 s): beyond, the newest position is drawn as it is. */
const MAX_AHEAD = 9_000;
/** The speed is taken over at least this span (about 6 frames). */
const SPEED_BASE = 18_000;
/** A frame between two messages this close (0.2 s: the worker skipped it) lies between them. */
const MAX_INTERPOLATION = 18_000;
/** Pixels per thumbnail cell the shown picture is scaled to before the cells are averaged. */
const THUMBNAIL_CELL = 4;

export interface MarkersLayerOptions {
  side: CallRole;
  /** The stage video (the code user's camera on both sides). */
  video: HTMLVideoElement;
  layout: () => FrameLayout;
  place: (placement: MarkerPlacement) => Promise<unknown>;
  remove: (markerId: string) => Promise<unknown>;
  /** The employee's side: hold the stage video this long (ms; null: release it). */
  delayVideo?: (ms: number | null) => void;
}

export class MarkersLayer {
  readonly element: HTMLElement;
  /** The employee's switch between drawing and placing markers (null for the code user). */
  readonly toggle: HTMLButtonElement | null;
  private readonly options: MarkersLayerOptions;
  private readonly clock = new RtpClock();
  private readonly delay = new VideoDelay();
  private readonly messages = new Map<number, MarkersFrame>();
  private readonly buttons = new Map<string, HTMLButtonElement>();
  private latest: MarkersFrame | null = null;
  private shownLocalTimestamp: number | null = null;
  private placing = false;
  private videoCallback: number | null = null;
  private destroyed = false;
  private thumbnailCanvas: CanvasRenderingContext2D | null | undefined;
  private patchCanvas: CanvasRenderingContext2D | null | undefined;

  constructor(options: MarkersLayerOptions) {
    this.options = options;
    this.element = h("div", { class: "markers-layer", "data-testid": "markers-layer" });
    this.element.style.pointerEvents = "none";
    this.element.addEventListener("click", (event) => {
      this.place(event);
    });
    if (options.side === "employee") {
      this.toggle = h("button", { type: "button", class: "round markers-toggle", "data-testid": "toggle-markers", "aria-pressed": "false", "aria-label": t("call.markers"), title: t("call.markers") }, "⌖");
      this.toggle.addEventListener("click", () => {
        this.setPlacing(!this.placing);
      });
    } else {
      this.toggle = null;
    }
    this.watchFrames();
  }

  /** Positions of one frame from the tracker worker. */
  receive(frame: MarkersFrame): void {
    const arrivedAt = performance.now();
    this.clock.addRemote(frame.rtp_timestamp, arrivedAt, frame.tracked_ms, frame.thumbnail);
    this.holdVideo(frame, arrivedAt);
    this.element.dataset.synced = String(this.clock.offset !== null);
    this.messages.set(frame.rtp_timestamp, frame);
    if (this.messages.size > KEEP_MESSAGES) {
      const oldest = this.messages.keys().next().value;
      if (oldest !== undefined) {
        this.messages.delete(oldest);
      }
    }
    this.latest = frame;
    this.offerPlacing(frame.markers.length < MAX_MARKERS);
    if (this.options.side === "code_user") {
      this.show(frame);
    } else if (frame.markers.length === 0 || this.clock.offset === null) {
      this.show(frame); // nothing to align (yet): the newest is the best guess
    }
  }

  /** Redraw the current markers (the video was resized or mirrored). */
  redraw(): void {
    if (this.latest) {
      const shown = this.shownFrame();
      this.show(shown?.drawn ?? this.latest, shown?.from);
    }
  }

  destroy(): void {
    this.destroyed = true;
    if (this.delay.release()) {
      this.options.delayVideo?.(null);
    }
    if (this.videoCallback !== null) {
      this.options.video.cancelVideoFrameCallback(this.videoCallback);
    }
    this.element.remove();
    this.toggle?.remove();
  }

  /** The employee may place another marker, or all numbers are taken (the toggle says so). */
  private offerPlacing(free: boolean): void {
    const toggle = this.toggle;
    if (!toggle || toggle.disabled === !free) {
      return;
    }
    toggle.disabled = !free;
    const label = free ? t("call.markers") : t("call.markersFull", { max: MAX_MARKERS });
    toggle.setAttribute("aria-label", label);
    toggle.title = label;
    if (!free) {
      this.setPlacing(false);
    }
  }

  private setPlacing(placing: boolean): void {
    this.placing = placing;
    this.element.style.pointerEvents = placing ? "auto" : "none";
    this.element.classList.toggle("placing", placing);
    this.toggle?.setAttribute("aria-pressed", String(placing));
  }

  /**
   * The employee's player holds the video about as long as positions take to arrive,
   * while markers are shown, so that each frame is shown with its own
   * (lib/video-delay.ts); `arrivedAt` is when `frame` arrived.
   */
  private holdVideo(frame: MarkersFrame, arrivedAt: number): void {
    const delayVideo = this.options.delayVideo;
    if (this.options.side !== "employee" || !delayVideo) {
      return;
    }
    if (frame.markers.length === 0) {
      if (this.delay.release()) {
        delayVideo(null);
        delete this.element.dataset.videoDelay;
      }
      return;
    }
    const received = this.clock.receivedAt(frame.rtp_timestamp);
    const wanted = received === null ? undefined : this.delay.add(arrivedAt - received);
    if (wanted !== undefined) {
      delayVideo(wanted);
      this.element.dataset.videoDelay = String(wanted);
    }
  }

  /** The employee draws each message on its frame; the code user needs no frame clock. */
  private watchFrames(): void {
    const video = this.options.video;
    if (this.options.side !== "employee" || typeof video.requestVideoFrameCallback !== "function") {
      return;
    }
    const onFrame = (_now: number, metadata: VideoFrameCallbackMetadata): void => {
      if (this.destroyed) {
        return;
      }
      if (metadata.rtpTimestamp !== undefined) {
        this.shownLocalTimestamp = metadata.rtpTimestamp;
        this.clock.addLocal(metadata.rtpTimestamp, metadata.receiveTime ?? metadata.expectedDisplayTime, this.thumbnail(video));
        this.element.dataset.frameRtpTimestamp = String(this.clock.toRemote(metadata.rtpTimestamp) ?? "");
        const shown = this.shownFrame();
        if (shown) {
          this.show(shown.drawn, shown.from);
          this.element.dataset.drawnAs = shown.how;
        }
        // in step with the worker's clock but nothing recent to draw: the markers wait
        this.setStale(!shown && Boolean(this.latest?.markers.length) && this.clock.offset !== null);
      }
      this.videoCallback = video.requestVideoFrameCallback(onFrame);
    };
    this.videoCallback = video.requestVideoFrameCallback(onFrame);
  }

  /**
   * The shown picture's thumbnail, as the worker makes it of its frames; null when no
   * marker is being placed or followed (nothing to pair) or the picture is unreadable.
   */
  private thumbnail(video: HTMLVideoElement): number[] | null {
    if (!this.placing && !this.latest?.markers.length) {
      return null;
    }
    if (this.thumbnailCanvas === undefined) {
      this.thumbnailCanvas = readableCanvas(THUMBNAIL_COLUMNS * THUMBNAIL_CELL, THUMBNAIL_ROWS * THUMBNAIL_CELL);
    }
    const context = this.thumbnailCanvas;
    if (!context || !video.videoWidth) {
      return null;
    }
    const { width, height } = context.canvas;
    try {
      context.drawImage(video, 0, 0, width, height);
      return thumbnailOf(context.getImageData(0, 0, width, height).data, width, height, THUMBNAIL_COLUMNS, THUMBNAIL_ROWS);
    } catch {
      return null; // a picture the page may not read: the arrival times decide alone
    }
  }

  /** The message to draw on the frame on screen (`messageFor`); null before the clock is in step. */
  private shownFrame(): ShownMessage | null {
    const local = this.shownLocalTimestamp;
    const remote = local === null ? null : this.clock.toRemote(local);
    return remote === null ? null : messageFor(this.messages, remote);
  }

  /** Markers drawn as waiting: no message says where they are in the shown frame. */
  private setStale(stale: boolean): void {
    if (this.element.classList.contains("stale") !== stale) {
      this.element.classList.toggle("stale", stale);
      this.element.dataset.stale = String(stale);
    }
  }

  /** Draw `frame`'s markers; `from` is the message they were taken from (a diagnostic). */
  private show(frame: MarkersFrame, from: MarkersFrame = frame): void {
    const layout = this.options.layout();
    const box = this.element.getBoundingClientRect();
    const sized = { ...layout, elementWidth: box.width, elementHeight: box.height };
    const seen = new Set<string>();
    for (const marker of frame.markers) {
      seen.add(marker.id);
      this.draw(marker, sized);
    }
    for (const [id, button] of this.buttons) {
      if (!seen.has(id)) {
        button.remove();
        this.buttons.delete(id);
      }
    }
    this.element.dataset.rtpTimestamp = String(frame.rtp_timestamp);
    this.element.dataset.sourceRtpTimestamp = String(from.rtp_timestamp);
    this.element.dataset.count = String(frame.markers.length);
  }

  private draw(marker: MarkerPosition, layout: FrameLayout): void {
    let button = this.buttons.get(marker.id);
    if (!button) {
      button = h("button", { type: "button", class: "marker", "data-testid": "marker", "aria-label": t("call.markerRemove"), title: t("call.markerRemove") }, String(marker.number));
      const id = marker.id;
      button.addEventListener("click", (event) => {
        event.stopPropagation();
        this.options.remove(id).catch(showProblem);
      });
      this.buttons.set(marker.id, button);
      this.element.append(button);
    }
    const point = frameToElement(layout, { x: marker.x, y: marker.y });
    button.style.transform = `translate(${point.x}px, ${point.y}px) translate(-50%, -50%)`;
    button.classList.toggle("lost", marker.lost);
    button.dataset.number = String(marker.number);
    button.dataset.lost = String(marker.lost);
    button.dataset.x = String(marker.x);
    button.dataset.y = String(marker.y);
  }

  private place(event: MouseEvent): void {
    if (!this.placing) {
      return;
    }
    const box = this.element.getBoundingClientRect();
    const point = clientToFrame(this.options.layout(), box, { x: event.clientX, y: event.clientY });
    if (!insideFrame(point)) {
      return; // on a letterbox bar
    }
    const local = this.shownLocalTimestamp;
    const remote = local === null ? null : this.clock.toRemote(local);
    this.options
      .place({ x: point.x, y: point.y, rtp_timestamp: remote, patch: this.patchAround(point) })
      .catch(showProblem);
    this.setPlacing(false);
  }

  /**
   * The grey levels around frame point `point` in the picture on screen, as the worker
   * samples its frames (tracker/placement.py `patch_at`); empty where the square leaves
   * the picture or the page may not read it.
   */
  private patchAround(point: { x: number; y: number }): number[] {
    const video = this.options.video;
    const width = video.videoWidth;
    const height = video.videoHeight;
    const side = Math.max(PATCH_SIDE, Math.round((PATCH_SPAN_PERCENT * height) / 100));
    const left = point.x * width - side / 2;
    const top = point.y * height - side / 2;
    if (!width || left < 0 || top < 0 || left + side > width || top + side > height) {
      return [];
    }
    if (this.patchCanvas === undefined) {
      this.patchCanvas = readableCanvas(PATCH_SIDE, PATCH_SIDE);
    }
    const context = this.patchCanvas;
    if (!context) {
      return [];
    }
    try {
      context.drawImage(video, left, top, side, side, 0, 0, PATCH_SIDE, PATCH_SIDE);
      const rgba = context.getImageData(0, 0, PATCH_SIDE, PATCH_SIDE).data;
      return thumbnailOf(rgba, PATCH_SIDE, PATCH_SIDE, PATCH_SIDE, PATCH_SIDE).map(Math.round);
    } catch {
      return []; // a picture the page may not read: the stamp alone decides
    }
  }
}

/** A refused placement or removal, told in words (e.g. "At most 9 markers: ..."). */
function showProblem(error: unknown): void {
  toast(problemText(error));
}

/** A small canvas the page draws the video into and reads back (null where unsupported). */
function readableCanvas(width: number, height: number): CanvasRenderingContext2D | null {
  const canvas = document.createElement("canvas");
  canvas.width = width;
  canvas.height = height;
  const context = canvas.getContext("2d", { willReadFrequently: true });
  if (context) {
    context.imageSmoothingQuality = "high";
  }
  return context;
}

/**
 * What is drawn on a shown frame: its own message, positions between the messages of
 * the frames around it, or the newest older message's moved on (`ahead`); `from` is
 * the message the positions start from.
 */
export interface ShownMessage {
  drawn: MarkersFrame;
  from: MarkersFrame;
  how: "own" | "between" | "ahead";
}

/**
 * The message to draw on the frame with the worker's timestamp `remote`: its own; for a
 * frame the worker skipped, the positions between the messages around it; while its
 * own is still on its way (the worker is behind the picture), the two newest older ones
 * extrapolated to it; null when none is less than 0.5 s older.
 */
export function messageFor(
  messages: Map<number, MarkersFrame>,
  remote: number,
): ShownMessage | null {
  const exact = messages.get(remote);
  if (exact) {
    return { drawn: exact, from: exact, how: "own" };
  }
  // one pass (this runs for every shown frame): the older messages, and the next newer one
  const older: MarkersFrame[] = [];
  let next: MarkersFrame | null = null;
  for (const frame of messages.values()) {
    const lead = (frame.rtp_timestamp - remote) >>> 0;
    if (((remote - frame.rtp_timestamp) >>> 0) < MAX_EXTRAPOLATION) {
      older.push(frame);
    } else if (lead < MAX_INTERPOLATION && (next === null || lead < ((next.rtp_timestamp - remote) >>> 0))) {
      next = frame;
    }
  }
  older.sort((a, b) => ((remote - a.rtp_timestamp) >>> 0) - ((remote - b.rtp_timestamp) >>> 0));
  const [newest] = older;
  if (!newest) {
    return null;
  }
  // a frame the worker skipped, with messages on both sides: its positions lie between
  if (next && ((next.rtp_timestamp - newest.rtp_timestamp) >>> 0) < MAX_INTERPOLATION) {
    return { drawn: between(newest, next, remote), from: newest, how: "between" };
  }
  // the speed over a few frames, not one (one frame's noise, extrapolated, would jump)
  const before = older.find((frame) => ((newest.rtp_timestamp - frame.rtp_timestamp) >>> 0) >= SPEED_BASE);
  return { drawn: before ? extrapolated(before, newest, remote) : newest, from: newest, how: "ahead" };
}

/**
 * Positions at `timestamp`, between those of `a` (before it) and `b` (after it); a
 * marker lost in either, or missing in `b`, stays as `a` has it.
 */
export function between(a: MarkersFrame, b: MarkersFrame, timestamp: number): MarkersFrame {
  const span = (b.rtp_timestamp - a.rtp_timestamp) >>> 0;
  const factor = span > 0 ? ((timestamp - a.rtp_timestamp) >>> 0) / span : 0;
  return moved(a, a, b, factor, timestamp);
}

/** Positions at `timestamp`, moving each marker on as it moved from `a` to `b`. */
export function extrapolated(a: MarkersFrame, b: MarkersFrame, timestamp: number): MarkersFrame {
  const span = (b.rtp_timestamp - a.rtp_timestamp) >>> 0;
  const ahead = Math.min((timestamp - b.rtp_timestamp) >>> 0, MAX_AHEAD);
  const factor = span > 0 && span < MAX_EXTRAPOLATION ? ahead / span : 0;
  return moved(b, a, b, factor, timestamp);
}

/**
 * `base`'s markers, each moved by `factor` times its motion from `a` to `b`, stamped
 * `timestamp`; a marker missing from either, or lost in either, stays as `base` has it.
 */
function moved(base: MarkersFrame, a: MarkersFrame, b: MarkersFrame, factor: number, timestamp: number): MarkersFrame {
  const before = new Map(a.markers.map((marker) => [marker.id, marker]));
  const after = new Map(b.markers.map((marker) => [marker.id, marker]));
  return {
    ...base,
    rtp_timestamp: timestamp,
    markers: base.markers.map((marker) => {
      const from = before.get(marker.id);
      const to = after.get(marker.id);
      if (!from || !to || from.lost || to.lost) {
        return marker;
      }
      return { ...marker, x: marker.x + (to.x - from.x) * factor, y: marker.y + (to.y - from.y) * factor };
    }),
  };
}
