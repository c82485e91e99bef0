/**
 * In-call tool messages: the TypeScript mirror of orchestrator/realtime/tool_messages.py.
 *
 * tests/unit/test_tool_message_contract.py reads the `export const` lists and the
 * `export interface` blocks below and checks them against the pydantic models.
 * Coordinates are normalised to the video frame (see frame-coords.ts).
 */

export const CALL_ROLES = ["code_user", "employee"] as const;
export type CallRole = (typeof CALL_ROLES)[number];

export const TOOL_KINDS = ["stroke", "elements", "screenshot", "capture"] as const;
export const CLIENT_FRAME_TYPES = ["call.join", "call.leave", "call.tool"] as const;
export const SHAPES = ["pen", "arrow", "rect", "text"] as const;
export type Shape = (typeof SHAPES)[number];

export const MAX_POINTS_PER_MESSAGE = 64;
export const MAX_ELEMENTS_PER_MESSAGE = 32;
export const MAX_TEXT_LENGTH = 500;

/** A point in frame coordinates: [x, y], (0, 0) top-left of the picture. */
export type FramePoint = [number, number];

/** Mirror of tool_messages.StrokePoints. */
export interface StrokePoints {
  kind: "stroke";
  stroke_id: string;
  points: FramePoint[];
  done: boolean;
  at: number;
}

/** Mirror of tool_messages.Element. */
export interface Element {
  id: string;
  version: number;
  nonce: number;
  deleted: boolean;
  shape: Shape;
  role: CallRole;
  points: FramePoint[];
  text: string;
}

/** Mirror of tool_messages.Elements. */
export interface Elements {
  kind: "elements";
  screenshot_id: string;
  elements: Element[];
}

/** Mirror of tool_messages.ScreenshotShown. */
export interface ScreenshotShown {
  kind: "screenshot";
  screenshot_id: string;
  width: number;
  height: number;
}

/** Mirror of tool_messages.CaptureRequest. */
export interface CaptureRequest {
  kind: "capture";
  screenshot_id: string;
}

export type Tool = StrokePoints | Elements | ScreenshotShown | CaptureRequest;

/** Mirror of tool_messages.JoinRequest. */
export interface JoinRequest {
  type: "call.join";
  session_id: number;
}

/** Mirror of tool_messages.LeaveRequest. */
export interface LeaveRequest {
  type: "call.leave";
  session_id: number;
}

/** Mirror of tool_messages.ToolRequest. */
export interface ToolRequest {
  type: "call.tool";
  session_id: number;
  tool: Tool;
}

/** Mirror of tool_messages.Sender. */
export interface Sender {
  role: CallRole;
  key: string;
}

/** Mirror of tool_messages.ToolFrame. */
export interface ToolFrame {
  type: "call.tool";
  session_id: number;
  sender: Sender;
  tool: Tool;
}

/** Mirror of tool_messages.Board. */
export interface Board {
  screenshot_id: string;
  width: number;
  height: number;
  elements: Element[];
}

/** Mirror of tool_messages.JoinedFrame. */
export interface JoinedFrame {
  type: "call.joined";
  session_id: number;
  sender: Sender;
  boards: Board[];
}

/** Mirror of tool_messages.ClosedFrame. */
export interface ClosedFrame {
  type: "call.closed";
  session_id: number;
  reason: string;
}

/** Mirror of tool_messages.MarkerPosition. */
export interface MarkerPosition {
  id: string;
  number: number;
  x: number;
  y: number;
  lost: boolean;
}

/** Mirror of tool_messages.MarkersFrame (from the tracker worker, once per tracked frame). */
export interface MarkersFrame {
  type: "call.markers";
  session_id: number;
  rtp_timestamp: number;
  frame_bytes: number;
  width: number;
  height: number;
  markers: MarkerPosition[];
  tracked_ms: number;
  /** The frame's mean grey levels, THUMBNAIL_COLUMNS x THUMBNAIL_ROWS, row by row. */
  thumbnail: number[];
}

/** Mirror of tool_messages.THUMBNAIL_SIZE. */
export const THUMBNAIL_COLUMNS = 8;
export const THUMBNAIL_ROWS = 6;

/** Mirror of tool_messages.MAX_MARKERS: markers per session, numbered 1 to 9. */
export const MAX_MARKERS = 9;

/** Mirror of tool_messages.PATCH_SIDE and PATCH_SPAN_PERCENT: a placement's patch. */
export const PATCH_SIDE = 16;
export const PATCH_SPAN_PERCENT = 10;

/** An error frame of the WebSocket (orchestrator/realtime/ws.py `error_frame`). */
export interface ErrorFrame {
  type: "error";
  code: string;
  status?: number;
  detail: string;
  field?: string | null;
}

export type ToolServerFrame = ToolFrame | JoinedFrame | ClosedFrame | MarkersFrame;

/** The server's in-call frames, recognised by their `type`; anything else is null. */
export function asToolServerFrame(frame: unknown): ToolServerFrame | null {
  if (typeof frame !== "object" || frame === null) {
    return null;
  }
  const type = (frame as { type?: unknown }).type;
  if (type === "call.tool" || type === "call.joined" || type === "call.closed" || type === "call.markers") {
    return frame as ToolServerFrame;
  }
  return null;
}

/** The colour of a role's drawings: code user blue, employee red. */
export function roleColour(role: CallRole): string {
  return role === "code_user" ? "#1e6bff" : "#e5232b";
}
