import { describe, expect, it } from "vitest";

import { callIdOf, parseFrame, ringingData } from "./events";

const session = { id: 3, number: 7, title: "t", status: "CONFIRMED", version: 2 };

describe("parseFrame", () => {
  it("accepts the server's frames", () => {
    expect(parseFrame(JSON.stringify({ type: "snapshot", seq: 0, data: { sessions: [] } }))).toEqual({
      type: "snapshot",
      seq: 0,
      data: { sessions: [] },
    });
    expect(parseFrame(JSON.stringify({ type: "resync", seq: 4 }))).toEqual({ type: "resync", seq: 4 });
    expect(parseFrame(JSON.stringify({ type: "error", code: "x", detail: "y", status: 400 }))).toMatchObject({ code: "x" });
    const notification = { id: 5, kind: "session.requested", session_id: 3, title: "T", body: "B", url: "http://h/app/sessions/3" };
    expect(parseFrame(JSON.stringify({ type: "notification", notification }))).toEqual({ type: "notification", notification });
    expect(parseFrame(JSON.stringify({ type: "notification", notification: { ...notification, url: 1 } }))).toBeNull();
  });

  it("rejects unknown types, bad JSON and malformed events", () => {
    expect(parseFrame("{")).toBeNull();
    expect(parseFrame(JSON.stringify([1]))).toBeNull();
    expect(parseFrame(JSON.stringify({ type: "whatever" }))).toBeNull();
    const bad = { type: "event", seq: 1, event: { id: "a", type: "call.started", payload: { session: { ...session, status: "NOPE" } } } };
    expect(parseFrame(JSON.stringify(bad))).toBeNull();
  });
});

describe("call events", () => {
  const ringing = {
    id: "e1",
    type: "call.ringing" as const,
    occurred_at: "2026-01-01T00:00:00Z",
    payload: {
      session,
      previous_status: null,
      data: { call_id: 9, from: "employee", caller_name: "Emil", ring_timeout_seconds: 45 },
    },
  };

  it("read the ringing data", () => {
    const frame = parseFrame(JSON.stringify({ type: "event", seq: 1, event: ringing }));
    expect(frame?.type).toBe("event");
    if (frame?.type !== "event") {
      return;
    }
    expect(ringingData(frame.event)).toEqual({ call_id: 9, from: "employee", caller_name: "Emil", ring_timeout_seconds: 45 });
    expect(callIdOf(frame.event)).toBe(9);
  });

  it("ignore ringing events without a valid side", () => {
    const event = { ...ringing, payload: { ...ringing.payload, data: { call_id: 9, from: "martian" } } };
    expect(ringingData(event as never)).toBeNull();
  });

  it("have no call id outside call.*", () => {
    expect(callIdOf({ ...ringing, type: "session.confirmed" } as never)).toBeNull();
  });
});
