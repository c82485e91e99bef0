import { describe, expect, it } from "vitest";

import type { SessionSummary } from "./api";
import type { LiveEvent, SessionStatus } from "./events";
import { applyTableEvent, matchesFilter, sortItems, upsertItem, type TableFilter } from "./session-table";

function item(id: number, status: SessionStatus, extra: Partial<SessionSummary> = {}): SessionSummary {
  return {
    id,
    number: id + 100,
    title: `Session ${id}`,
    status,
    visibility: "public",
    device: { id: 7, name: "Fräse FM-200" },
    reason: "Spindel quietscht",
    requester_name: "Kim",
    responsible: [{ id: 3, name: "Moderator" }],
    created_at: `2026-01-0${id}T10:00:00Z`,
    updated_at: `2026-01-0${id}T10:00:00Z`,
    version: 1,
    ...extra,
  };
}

function event(id: number, version: number, status: SessionStatus, type: LiveEvent["type"] = "session.status_changed"): LiveEvent {
  return {
    id: `${id}-${version}`,
    type,
    occurred_at: "2026-02-01T00:00:00Z",
    payload: { session: { id, number: id + 100, title: `Session ${id}`, status, version }, previous_status: null },
  };
}

const open: TableFilter = { statuses: ["REQUESTED", "CONFIRMED", "RUNNING"], q: "", sort: "-created_at" };

describe("the sessions table's filter", () => {
  it.each<[TableFilter, boolean]>([
    [{ statuses: [], q: "", sort: "-created_at" }, true],
    [{ ...open, statuses: ["DONE"] }, false],
    [{ ...open, q: "fräse kim" }, true],
    [{ ...open, q: "FRÄSE" }, true],
    [{ ...open, q: "moderator" }, true],
    [{ ...open, q: "101" }, true],
    [{ ...open, q: "presse" }, false],
  ])("%j shows the session: %s", (filter, shown) => {
    expect(matchesFilter(item(1, "REQUESTED"), filter)).toBe(shown);
  });
});

describe("the sessions table's order", () => {
  const items = [item(2, "DONE"), item(1, "REQUESTED"), item(3, "RUNNING", { updated_at: "2026-01-01T00:00:00Z" })];
  it.each([
    ["-created_at", [3, 2, 1]],
    ["created_at", [1, 2, 3]],
    ["-number", [3, 2, 1]],
    ["updated_at", [3, 1, 2]],
  ] as const)("%s orders %j", (sort, ids) => {
    expect(sortItems(items, sort).map((i) => i.id)).toEqual(ids);
  });
});

describe("live events in the table", () => {
  it("change a row's status and keep what the event does not carry", () => {
    const outcome = applyTableEvent([item(1, "REQUESTED")], event(1, 2, "CONFIRMED"), open);
    expect(outcome.fetchId).toBeNull();
    expect(outcome.items[0]).toMatchObject({ status: "CONFIRMED", version: 2, requester_name: "Kim" });
  });

  it("ignore a stale event", () => {
    const rows = [item(1, "RUNNING", { version: 5 })];
    expect(applyTableEvent(rows, event(1, 4, "CONFIRMED"), open)).toEqual({ items: rows, fetchId: null });
  });

  it("drop a row whose new status the filter hides", () => {
    const outcome = applyTableEvent([item(1, "RUNNING")], event(1, 2, "DONE"), open);
    expect(outcome.items).toEqual([]);
  });

  it("ask to fetch a session they do not know, and add it only when it matches", () => {
    expect(applyTableEvent([], event(9, 1, "REQUESTED", "session.requested"), open).fetchId).toBe(9);
    expect(upsertItem([], item(9, "REQUESTED"), open).map((i) => i.id)).toEqual([9]);
    expect(upsertItem([], item(9, "DONE"), open)).toEqual([]);
  });

  it("ask to fetch after an update of fields the event does not carry", () => {
    expect(applyTableEvent([item(1, "CONFIRMED")], event(1, 2, "CONFIRMED", "session.updated"), open).fetchId).toBe(1);
  });

  it("never let older details replace newer ones", () => {
    const rows = [item(1, "RUNNING", { version: 3 })];
    expect(upsertItem(rows, item(1, "CONFIRMED", { version: 2 }), open)).toBe(rows);
  });
});
