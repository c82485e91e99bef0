/**
 * The in-call tools' connection: its own /api/ws socket for the length of a call,
 * joined to the call's session (`call.join`), reopened with backoff and joined
 * again after a drop (the join answer carries the boards' snapshot).
 *
 * A socket of its own keeps the call screen independent of the page's live-update
 * socket; the server treats both alike (orchestrator/realtime/call_channel.py).
 */

import { asToolServerFrame, type ErrorFrame, type JoinedFrame, type MarkersFrame, type Tool, type ToolFrame } from "./tool-messages";

/** The part of the browser's WebSocket this needs (a fake in tests). */
export interface ToolSocket {
  onopen: ((event: Event) => void) | null;
  onmessage: ((event: MessageEvent) => void) | null;
  onclose: ((event: CloseEvent) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

/** Refusals of `call.join` that pass once the call is active and we are in it. */
const RETRY_JOIN = new Set(["no_active_call", "not_in_call"]);
const JOIN_RETRY_MS = 700;

export interface ToolChannelListener {
  joined(frame: JoinedFrame): void;
  tool(frame: ToolFrame): void;
  /** The call ended: the channel stops. */
  closed(reason: string): void;
  /** A frame of ours was refused (rate, size, schema, not joined). */
  refused(error: ErrorFrame): void;
  /** Marker positions of one frame from the tracker worker (tracking markers). */
  markers?(frame: MarkersFrame): void;
}

export interface ToolChannelOptions {
  url: string;
  sessionId: number;
  open: (url: string) => ToolSocket;
  listener: ToolChannelListener;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
}

export class ToolChannel {
  private readonly options: ToolChannelOptions;
  private socket: ToolSocket | null = null;
  private joined = false;
  private stopped = false;
  private backoffMs: number;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(options: ToolChannelOptions) {
    this.options = options;
    this.backoffMs = options.initialBackoffMs ?? 300;
  }

  start(): void {
    this.stopped = false;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const socket = this.socket;
    this.socket = null;
    this.joined = false;
    socket?.close(1000, "call over");
  }

  get isJoined(): boolean {
    return this.joined;
  }

  /** Send a tool message; false (and nothing sent) while not joined. */
  send(tool: Tool): boolean {
    if (!this.joined || !this.socket) {
      return false;
    }
    this.socket.send(JSON.stringify({ type: "call.tool", session_id: this.options.sessionId, tool }));
    return true;
  }

  private connect(): void {
    const socket = this.options.open(this.options.url);
    this.socket = socket;
    socket.onopen = () => {
      socket.send(JSON.stringify({ type: "call.join", session_id: this.options.sessionId }));
    };
    socket.onmessage = (message) => {
      if (this.socket === socket && typeof message.data === "string") {
        this.receive(message.data);
      }
    };
    socket.onclose = () => {
      if (this.socket !== socket) {
        return;
      }
      this.socket = null;
      this.joined = false;
      if (!this.stopped) {
        const delay = this.backoffMs;
        this.backoffMs = Math.min(this.backoffMs * 2, this.options.maxBackoffMs ?? 5000);
        this.timer = setTimeout(() => {
          this.timer = null;
          if (!this.stopped) {
            this.connect();
          }
        }, delay);
      }
    };
  }

  private retryJoin(): void {
    const socket = this.socket;
    this.timer = setTimeout(() => {
      this.timer = null;
      if (!this.stopped && this.socket === socket && !this.joined) {
        socket?.send(JSON.stringify({ type: "call.join", session_id: this.options.sessionId }));
      }
    }, JOIN_RETRY_MS);
  }

  private receive(raw: string): void {
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      return;
    }
    const frame = asToolServerFrame(value);
    if (frame === null) {
      const error = value as Partial<ErrorFrame>;
      if (error.type !== "error" || typeof error.code !== "string") {
        return;
      }
      if (!this.joined && RETRY_JOIN.has(error.code)) {
        this.retryJoin(); // the call is still ringing, or our accept is on its way
        return;
      }
      this.options.listener.refused(error as ErrorFrame);
      return;
    }
    if (frame.session_id !== this.options.sessionId) {
      return;
    }
    switch (frame.type) {
      case "call.joined":
        this.joined = true;
        this.backoffMs = this.options.initialBackoffMs ?? 300;
        this.options.listener.joined(frame);
        return;
      case "call.tool":
        this.options.listener.tool(frame);
        return;
      case "call.closed":
        this.stop();
        this.options.listener.closed(frame.reason);
        return;
      case "call.markers":
        this.options.listener.markers?.(frame);
        return;
    }
  }
}
