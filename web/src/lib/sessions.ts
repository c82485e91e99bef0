/**
 * The live list of sessions a page shows: a snapshot merged with the events that
 * follow it. Pure; both the code user's and the employee's page use it.
 */

import type { LiveEvent, SessionStatus } from "./events";

export interface SessionRow {
  id: number;
  number: number;
  title: string;
  status: SessionStatus;
  version: number;
  deviceName: string;
  requesterName: string;
  reason: string;
}

/** A row from a snapshot or REST item (employee summary or code-user session). */
export function rowFromSummary(item: unknown): SessionRow | null {
  if (typeof item !== "object" || item === null) {
    return null;
  }
  const s = item as Record<string, unknown>;
  if (typeof s.id !== "number" || typeof s.version !== "number" || typeof s.status !== "string") {
    return null;
  }
  const device = s.device as { name?: unknown } | null | undefined;
  return {
    id: s.id,
    number: typeof s.number === "number" ? s.number : 0,
    title: typeof s.title === "string" ? s.title : "",
    status: s.status as SessionStatus,
    version: s.version,
    deviceName: device && typeof device.name === "string" ? device.name : "",
    requesterName: typeof s.requester_name === "string" ? s.requester_name : "",
    reason: typeof s.reason === "string" ? s.reason : "",
  };
}

export function rowsFromSnapshot(items: unknown[]): SessionRow[] {
  return sortRows(items.map(rowFromSummary).filter((row): row is SessionRow => row !== null));
}

/** Newest first (by number). */
export function sortRows(rows: SessionRow[]): SessionRow[] {
  return [...rows].sort((a, b) => b.number - a.number);
}

export interface Applied {
  rows: SessionRow[];
  /** The event named a session the list did not hold (the page may fetch its details). */
  unknown: boolean;
}

/** Merge one event; stale events (an older version than the row's) change nothing. */
export function applyEvent(rows: SessionRow[], event: LiveEvent): Applied {
  const ref = event.payload.session;
  const index = rows.findIndex((row) => row.id === ref.id);
  if (index === -1) {
    const row: SessionRow = {
      id: ref.id,
      number: ref.number,
      title: ref.title,
      status: ref.status,
      version: ref.version,
      deviceName: "",
      requesterName: "",
      reason: "",
    };
    return { rows: sortRows([...rows, row]), unknown: true };
  }
  const current = rows[index];
  if (current === undefined || ref.version < current.version) {
    return { rows, unknown: false };
  }
  const next = [...rows];
  next[index] = { ...current, status: ref.status, version: ref.version, title: ref.title };
  return { rows: next, unknown: false };
}

/** Replace (or add) a row with fresher details, unless the list already holds a newer version. */
export function upsertRow(rows: SessionRow[], row: SessionRow): SessionRow[] {
  const index = rows.findIndex((r) => r.id === row.id);
  if (index === -1) {
    return sortRows([...rows, row]);
  }
  const current = rows[index];
  if (current !== undefined && current.version > row.version) {
    return rows;
  }
  const next = [...rows];
  next[index] = row;
  return next;
}

/** A call can be started (or rejoined) in these states (docs/calls.md). */
export function isCallable(status: SessionStatus): boolean {
  return status === "CONFIRMED" || status === "RUNNING";
}
