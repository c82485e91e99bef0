import { describe, expect, it } from "vitest";
import type { LiveEvent } from "../lib/events";
import { recordingChange } from "./recording-indicator";

function event(type: LiveEvent["type"], sessionId: number): LiveEvent {
  return {
    id: "e1",
    type,
    occurred_at: "2026-11-25T19:00:00Z",
    payload: { session: { id: sessionId, number: 1, title: "Press", status: "RUNNING", version: 3 }, previous_status: null, data: { recording_id: 7 } },
  };
}

describe("recordingChange", () => {
  it("turns the dot on and off for the call's own session", () => {
    expect(recordingChange(event("recording.start", 4), 4)).toBe(true);
    expect(recordingChange(event("recording.stop", 4), 4)).toBe(false);
  });

  it("ignores other sessions and other events", () => {
    expect(recordingChange(event("recording.start", 5), 4)).toBeNull();
    expect(recordingChange(event("call.started", 4), 4)).toBeNull();
    expect(recordingChange(event("artifact.stored", 4), 4)).toBeNull();
  });
});
