import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import { ToolChannel, type ToolChannelListener, type ToolSocket } from "./tool-channel";
import type { ErrorFrame, JoinedFrame, ToolFrame } from "./tool-messages";

class FakeSocket implements ToolSocket {
  onopen: ((event: Event) => void) | null = null;
  onmessage: ((event: MessageEvent) => void) | null = null;
  onclose: ((event: CloseEvent) => void) | null = null;
  sent: unknown[] = [];
  closed = false;

  send(data: string): void {
    this.sent.push(JSON.parse(data));
  }

  close(): void {
    this.closed = true;
  }

  open(): void {
    this.onopen?.(new Event("open"));
  }

  receive(frame: object): void {
    this.onmessage?.(new MessageEvent("message", { data: JSON.stringify(frame) }));
  }

  drop(): void {
    this.onclose?.(new Event("close") as CloseEvent);
  }
}

const me = { role: "employee" as const, key: "employee:7" };
const joined: JoinedFrame = { type: "call.joined", session_id: 5, sender: me, boards: [] };

function setup(): { channel: ToolChannel; sockets: FakeSocket[]; seen: string[] } {
  const sockets: FakeSocket[] = [];
  const seen: string[] = [];
  const listener: ToolChannelListener = {
    joined: (frame) => seen.push(`joined:${frame.sender.key}`),
    tool: (frame) => seen.push(`tool:${frame.tool.kind}`),
    closed: (reason) => seen.push(`closed:${reason}`),
    refused: (error: ErrorFrame) => seen.push(`refused:${error.code}`),
  };
  const channel = new ToolChannel({
    url: "ws://x/api/ws",
    sessionId: 5,
    open: () => {
      const socket = new FakeSocket();
      sockets.push(socket);
      return socket;
    },
    listener,
    initialBackoffMs: 100,
  });
  return { channel, sockets, seen };
}

describe("ToolChannel", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("joins on open, sends only once joined, and hands over frames of its session", () => {
    const { channel, sockets, seen } = setup();
    channel.start();
    const socket = sockets[0] as FakeSocket;
    socket.open();
    expect(socket.sent).toEqual([{ type: "call.join", session_id: 5 }]);
    const stroke = { kind: "stroke" as const, stroke_id: "a", points: [[0.1, 0.2] as [number, number]], done: false, at: 1 };
    expect(channel.send(stroke)).toBe(false);
    socket.receive(joined);
    expect(channel.send(stroke)).toBe(true);
    expect(socket.sent[1]).toEqual({ type: "call.tool", session_id: 5, tool: stroke });
    const relayed: ToolFrame = { type: "call.tool", session_id: 5, sender: me, tool: stroke };
    socket.receive(relayed);
    socket.receive({ ...relayed, session_id: 6 });
    socket.receive({ type: "snapshot", seq: 0, data: { sessions: [] } });
    socket.receive({ type: "error", code: "rate_limited", detail: "slow down" });
    expect(seen).toEqual(["joined:employee:7", "tool:stroke", "refused:rate_limited"]);
  });

  it("asks again while the call is not active yet", () => {
    const { channel, sockets, seen } = setup();
    channel.start();
    const socket = sockets[0] as FakeSocket;
    socket.open();
    socket.receive({ type: "error", code: "no_active_call", detail: "ringing" });
    expect(seen).toEqual([]);
    vi.advanceTimersByTime(1000);
    expect(socket.sent).toEqual([
      { type: "call.join", session_id: 5 },
      { type: "call.join", session_id: 5 },
    ]);
  });

  it("reconnects and joins again after a drop, and stops when the call closes", () => {
    const { channel, sockets, seen } = setup();
    channel.start();
    (sockets[0] as FakeSocket).open();
    (sockets[0] as FakeSocket).receive(joined);
    (sockets[0] as FakeSocket).drop();
    expect(channel.isJoined).toBe(false);
    vi.advanceTimersByTime(100);
    const again = sockets[1] as FakeSocket;
    again.open();
    expect(again.sent).toEqual([{ type: "call.join", session_id: 5 }]);
    again.receive(joined);
    again.receive({ type: "call.closed", session_id: 5, reason: "call.ended" });
    expect(again.closed).toBe(true);
    expect(seen).toEqual(["joined:employee:7", "joined:employee:7", "closed:call.ended"]);
    vi.advanceTimersByTime(10_000);
    expect(sockets).toHaveLength(2);
  });
});
