/**
 * The live-update WebSocket client of /api/ws (orchestrator/realtime/ws.py).
 *
 * The server sends a snapshot first, then events numbered by `seq`. A missing number
 * or a `resync` frame means events were lost: the client asks for a new snapshot with
 * `{"type":"snapshot"}` and ignores events until it arrives. A closed socket is
 * reopened with exponential backoff, which also yields a fresh snapshot.
 */

import { parseFrame, type InAppNotification, type LiveEvent } from "./events";

export type SocketStatus = "connecting" | "live" | "offline";

/** The part of the browser's WebSocket this client uses (a fake in tests). */
export interface SocketLike {
  onmessage: ((event: MessageEvent) => void) | null;
  onclose: ((event: CloseEvent) => void) | null;
  onerror: ((event: Event) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface LiveSocketOptions {
  /** e.g. ws://host/api/ws (plus ?token=… for code users); see `socketUrl`. */
  url: string;
  open: (url: string) => SocketLike;
  onSnapshot: (sessions: unknown[]) => void;
  onEvent: (event: LiveEvent) => void;
  /** The notifier's in-app messages for this employee (any time, no sequence). */
  onNotification?: (notification: InAppNotification) => void;
  onStatus?: (status: SocketStatus) => void;
  timers?: Timers;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
}

/** The /api/ws URL for a page at `origin`; code users add their token. */
export function socketUrl(origin: string, token: string | null): string {
  const url = new URL("/api/ws", origin);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  if (token) {
    url.searchParams.set("token", token);
  }
  return url.toString();
}

export class LiveSocket {
  private readonly options: LiveSocketOptions;
  private readonly timers: Timers;
  private socket: SocketLike | null = null;
  private lastSeq: number | null = null;
  private awaitingSnapshot = true;
  private backoffMs: number;
  private reconnectTimer: unknown = null;
  private stopped = false;

  constructor(options: LiveSocketOptions) {
    this.options = options;
    this.timers = options.timers ?? {
      setTimeout: (callback, ms) => globalThis.setTimeout(callback, ms),
      clearTimeout: (handle) => {
        globalThis.clearTimeout(handle as ReturnType<typeof globalThis.setTimeout>);
      },
    };
    this.backoffMs = options.initialBackoffMs ?? 500;
  }

  start(): void {
    this.stopped = false;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    if (this.reconnectTimer !== null) {
      this.timers.clearTimeout(this.reconnectTimer);
      this.reconnectTimer = null;
    }
    const socket = this.socket;
    this.socket = null;
    socket?.close(1000, "bye");
  }

  /** Ask for a fresh snapshot (after a gap, a resync, or when the UI wants one). */
  resync(): void {
    this.awaitingSnapshot = true;
    this.socket?.send(JSON.stringify({ type: "snapshot" }));
  }

  private connect(): void {
    this.options.onStatus?.("connecting");
    this.awaitingSnapshot = true;
    this.lastSeq = null;
    const socket = this.options.open(this.options.url);
    this.socket = socket;
    socket.onmessage = (message) => {
      if (this.socket === socket && typeof message.data === "string") {
        this.receive(message.data);
      }
    };
    socket.onclose = () => {
      if (this.socket === socket) {
        this.socket = null;
        this.scheduleReconnect();
      }
    };
    socket.onerror = () => {
      // onclose follows and reconnects.
    };
  }

  private scheduleReconnect(): void {
    this.options.onStatus?.("offline");
    if (this.stopped) {
      return;
    }
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, this.options.maxBackoffMs ?? 15_000);
    this.reconnectTimer = this.timers.setTimeout(() => {
      this.reconnectTimer = null;
      if (!this.stopped) {
        this.connect();
      }
    }, delay);
  }

  private receive(raw: string): void {
    const frame = parseFrame(raw);
    if (frame === null) {
      return;
    }
    switch (frame.type) {
      case "snapshot":
        this.awaitingSnapshot = false;
        this.lastSeq = frame.seq;
        this.backoffMs = this.options.initialBackoffMs ?? 500;
        this.options.onStatus?.("live");
        this.options.onSnapshot(frame.data.sessions);
        return;
      case "event":
        if (this.awaitingSnapshot || this.lastSeq === null) {
          return;
        }
        if (frame.seq <= this.lastSeq) {
          return;
        }
        if (frame.seq !== this.lastSeq + 1) {
          this.resync();
          return;
        }
        this.lastSeq = frame.seq;
        this.options.onEvent(frame.event);
        return;
      case "resync":
        this.resync();
        return;
      case "notification":
        this.options.onNotification?.(frame.notification);
        return;
      case "error":
      case "pong":
        return;
    }
  }
}
