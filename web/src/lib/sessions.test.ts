import { describe, expect, it } from "vitest";

import type { LiveEvent } from "./events";
import { applyEvent, isCallable, rowsFromSnapshot, upsertRow } from "./sessions";

const summary = { id: 1, number: 11, title: "FM-200", status: "REQUESTED", version: 1, device: { id: 4, name: "Fräse" }, requester_name: "Kim", reason: "noise" };

function change(id: number, version: number, status: "CONFIRMED" | "RUNNING" | "REQUESTED"): LiveEvent {
  return {
    id: `${id}-${version}`,
    type: "session.status_changed",
    occurred_at: "2026-01-01T00:00:00Z",
    payload: { session: { id, number: id + 10, title: `s${id}`, status, version }, previous_status: null },
  };
}

describe("session rows", () => {
  it("come from a snapshot, newest first, skipping malformed items", () => {
    const rows = rowsFromSnapshot([summary, { ...summary, id: 2, number: 12 }, { nonsense: true }]);
    expect(rows.map((r) => r.id)).toEqual([2, 1]);
    expect(rows[1]).toMatchObject({ deviceName: "Fräse", requesterName: "Kim", reason: "noise" });
  });

  it("follow events and ignore stale ones", () => {
    let rows = rowsFromSnapshot([summary]);
    rows = applyEvent(rows, change(1, 3, "RUNNING")).rows;
    const stale = applyEvent(rows, change(1, 2, "CONFIRMED"));
    expect(stale.rows[0]).toMatchObject({ status: "RUNNING", version: 3, deviceName: "Fräse" });
    expect(stale.unknown).toBe(false);
  });

  it("add sessions they did not know and say so", () => {
    const applied = applyEvent(rowsFromSnapshot([summary]), change(5, 1, "REQUESTED"));
    expect(applied.unknown).toBe(true);
    expect(applied.rows.map((r) => r.id)).toEqual([5, 1]);
  });

  it("take fresher details but not older ones", () => {
    const rows = rowsFromSnapshot([{ ...summary, version: 4 }]);
    const [row] = rowsFromSnapshot([{ ...summary, version: 3, status: "CONFIRMED" }]);
    if (!row) {
      throw new Error("no row");
    }
    expect(upsertRow(rows, row)[0]?.version).toBe(4);
    expect(upsertRow(rows, { ...row, version: 5 })[0]?.status).toBe("CONFIRMED");
  });

  it("are callable when CONFIRMED or RUNNING", () => {
    expect(["REQUESTED", "CONFIRMED", "RUNNING", "DONE", "CANCELLED"].filter((s) => isCallable(s as "DONE"))).toEqual([
      "CONFIRMED",
      "RUNNING",
    ]);
  });
});
