import { describe, expect, it } from "vitest";

import type { LiveEvent } from "./events";
import { LiveSocket, socketUrl, type SocketLike, type Timers } from "./socket";

class FakeSocket implements SocketLike {
  onmessage: ((event: MessageEvent) => void) | null = null;
  onclose: ((event: CloseEvent) => void) | null = null;
  onerror: ((event: Event) => void) | null = null;
  readonly sent: unknown[] = [];
  closed = false;

  constructor(readonly url: string) {}

  send(data: string): void {
    this.sent.push(JSON.parse(data));
  }

  close(): void {
    this.closed = true;
  }

  frame(value: unknown): void {
    this.onmessage?.({ data: JSON.stringify(value) } as MessageEvent);
  }

  drop(): void {
    this.onclose?.({} as CloseEvent);
  }
}

class FakeTimers implements Timers {
  readonly pending: { callback: () => void; ms: number }[] = [];
  setTimeout(callback: () => void, ms: number): unknown {
    const entry = { callback, ms };
    this.pending.push(entry);
    return entry;
  }
  clearTimeout(handle: unknown): void {
    const index = this.pending.indexOf(handle as { callback: () => void; ms: number });
    if (index >= 0) {
      this.pending.splice(index, 1);
    }
  }
  runNext(): number {
    const next = this.pending.shift();
    next?.callback();
    return next?.ms ?? -1;
  }
}

function event(id: number, version: number, status = "CONFIRMED"): LiveEvent {
  return {
    id: `e${id}-${version}`,
    type: "session.status_changed",
    occurred_at: "2026-01-01T00:00:00Z",
    payload: { session: { id, number: id, title: "t", status: status as "CONFIRMED", version }, previous_status: null },
  };
}

function harness() {
  const sockets: FakeSocket[] = [];
  const snapshots: unknown[][] = [];
  const events: LiveEvent[] = [];
  const statuses: string[] = [];
  const timers = new FakeTimers();
  const live = new LiveSocket({
    url: "ws://h/api/ws",
    open: (url) => {
      const socket = new FakeSocket(url);
      sockets.push(socket);
      return socket;
    },
    onSnapshot: (sessions) => snapshots.push(sessions),
    onEvent: (e) => events.push(e),
    onStatus: (s) => statuses.push(s),
    timers,
    initialBackoffMs: 100,
    maxBackoffMs: 350,
  });
  live.start();
  const current = () => {
    const socket = sockets.at(-1);
    if (!socket) {
      throw new Error("no socket");
    }
    return socket;
  };
  return { live, sockets, snapshots, events, statuses, timers, current };
}

describe("socketUrl", () => {
  it("uses ws/wss and passes a code user's token", () => {
    expect(socketUrl("http://a:8080", null)).toBe("ws://a:8080/api/ws");
    expect(socketUrl("https://a", "t k")).toBe("wss://a/api/ws?token=t+k");
  });
});

describe("LiveSocket", () => {
  it("delivers the snapshot, then events in sequence", () => {
    const h = harness();
    h.current().frame({ type: "event", seq: 1, event: event(1, 1) });
    expect(h.events).toHaveLength(0);
    h.current().frame({ type: "snapshot", seq: 3, data: { sessions: [{ id: 1 }] } });
    h.current().frame({ type: "event", seq: 3, event: event(1, 2) });
    h.current().frame({ type: "event", seq: 4, event: event(1, 3) });
    h.current().frame({ type: "event", seq: 5, event: event(2, 1) });
    expect(h.snapshots).toEqual([[{ id: 1 }]]);
    expect(h.events.map((e) => e.id)).toEqual(["e1-3", "e2-1"]);
    expect(h.statuses).toEqual(["connecting", "live"]);
  });

  it("asks for a snapshot on a gap and ignores events until it arrives", () => {
    const h = harness();
    h.current().frame({ type: "snapshot", seq: 0, data: { sessions: [] } });
    h.current().frame({ type: "event", seq: 1, event: event(1, 1) });
    h.current().frame({ type: "event", seq: 3, event: event(1, 3) });
    expect(h.current().sent).toEqual([{ type: "snapshot" }]);
    h.current().frame({ type: "event", seq: 4, event: event(1, 4) });
    h.current().frame({ type: "snapshot", seq: 4, data: { sessions: [{ id: 1 }] } });
    h.current().frame({ type: "event", seq: 5, event: event(1, 5) });
    expect(h.events.map((e) => e.id)).toEqual(["e1-1", "e1-5"]);
    expect(h.snapshots).toHaveLength(2);
  });

  it("asks for a snapshot on a resync frame", () => {
    const h = harness();
    h.current().frame({ type: "snapshot", seq: 0, data: { sessions: [] } });
    h.current().frame({ type: "resync", seq: 1 });
    expect(h.current().sent).toEqual([{ type: "snapshot" }]);
  });

  it("hands notifications on at any time, outside the numbering", () => {
    const sockets: FakeSocket[] = [];
    const notifications: unknown[] = [];
    const live = new LiveSocket({
      url: "ws://h/api/ws",
      open: (url) => {
        const socket = new FakeSocket(url);
        sockets.push(socket);
        return socket;
      },
      onSnapshot: () => undefined,
      onEvent: () => undefined,
      onNotification: (n) => notifications.push(n),
      timers: new FakeTimers(),
    });
    live.start();
    const socket = sockets[0];
    if (!socket) {
      throw new Error("no socket");
    }
    const note = { id: 1, kind: "session.requested", session_id: 3, title: "New request", body: "b", url: "http://h/app/sessions/3" };
    socket.frame({ type: "notification", notification: note });
    socket.frame({ type: "snapshot", seq: 0, data: { sessions: [] } });
    socket.frame({ type: "notification", notification: { ...note, id: 2 } });
    socket.frame({ type: "notification", notification: { id: "bad" } });
    expect(notifications).toEqual([note, { ...note, id: 2 }]);
    expect(socket.sent).toEqual([]);
  });

  it("ignores frames it does not understand", () => {
    const h = harness();
    h.current().frame({ type: "snapshot", seq: 0, data: { sessions: [] } });
    h.current().onmessage?.({ data: "not json" } as MessageEvent);
    h.current().frame({ type: "event", seq: 1, event: { id: "x", type: "nonsense" } });
    h.current().frame({ type: "pong" });
    expect(h.events).toHaveLength(0);
  });

  it("reconnects with growing, capped backoff, reset by a snapshot", () => {
    const h = harness();
    h.current().drop();
    expect(h.timers.runNext()).toBe(100);
    h.current().drop();
    expect(h.timers.runNext()).toBe(200);
    h.current().drop();
    expect(h.timers.runNext()).toBe(350);
    h.current().frame({ type: "snapshot", seq: 0, data: { sessions: [] } });
    h.current().drop();
    expect(h.timers.runNext()).toBe(100);
    expect(h.sockets).toHaveLength(5);
    expect(h.statuses.filter((s) => s === "offline")).toHaveLength(4);
  });

  it("starts numbering afresh after a reconnect", () => {
    const h = harness();
    h.current().frame({ type: "snapshot", seq: 0, data: { sessions: [] } });
    h.current().frame({ type: "event", seq: 1, event: event(1, 1) });
    h.current().drop();
    h.timers.runNext();
    h.current().frame({ type: "snapshot", seq: 0, data: { sessions: [] } });
    h.current().frame({ type: "event", seq: 1, event: event(1, 2) });
    expect(h.events.map((e) => e.id)).toEqual(["e1-1", "e1-2"]);
  });

  it("stops for good", () => {
    const h = harness();
    const first = h.current();
    h.live.stop();
    expect(first.closed).toBe(true);
    first.drop();
    expect(h.timers.pending).toHaveLength(0);
  });
});
