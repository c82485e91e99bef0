/**
 * The back office's sessions table as data: which sessions a filter shows, in which
 * order, and how a live event changes the rows. Pure, so the table's behaviour is
 * tested without a browser; the page fetches what an event does not carry.
 */

import type { SessionSummary } from "./api";
import type { SortKey } from "./backoffice-api";
import type { LiveEvent, SessionStatus } from "./events";

export interface TableFilter {
  /** Empty: every status. */
  statuses: SessionStatus[];
  q: string;
  sort: SortKey;
}

/** What the search box looks at (the server searches the same fields). */
function haystack(item: SessionSummary): string {
  return [
    String(item.number),
    item.title,
    item.reason,
    item.requester_name,
    item.device?.name ?? "",
    ...item.responsible.map((r) => r.name),
  ]
    .join(" ")
    .toLowerCase();
}

export function matchesFilter(item: SessionSummary, filter: TableFilter): boolean {
  if (filter.statuses.length > 0 && !filter.statuses.includes(item.status)) {
    return false;
  }
  const words = filter.q.trim().toLowerCase().split(/\s+/).filter(Boolean);
  const text = haystack(item);
  return words.every((word) => text.includes(word));
}

function sortValue(item: SessionSummary, key: string): number {
  switch (key) {
    case "number":
      return item.number;
    case "updated_at":
      return Date.parse(item.updated_at);
    default:
      return Date.parse(item.created_at);
  }
}

/** Ordered like the server orders the same sort key (ties by id). */
export function sortItems(items: SessionSummary[], sort: SortKey): SessionSummary[] {
  const descending = sort.startsWith("-");
  const key = sort.replace(/^-/, "");
  const sign = descending ? -1 : 1;
  return [...items].sort((a, b) => sign * (sortValue(a, key) - sortValue(b, key) || a.id - b.id));
}

/** Put fresher details of one session into the rows (or drop it when it no longer matches). */
export function upsertItem(items: SessionSummary[], item: SessionSummary, filter: TableFilter): SessionSummary[] {
  const current = items.find((i) => i.id === item.id);
  if (current && current.version > item.version) {
    return items;
  }
  const others = items.filter((i) => i.id !== item.id);
  return matchesFilter(item, filter) ? sortItems([...others, item], filter.sort) : others;
}

export interface EventOutcome {
  items: SessionSummary[];
  /** A session whose details the page should fetch and `upsertItem` (null: nothing to fetch). */
  fetchId: number | null;
}

/**
 * Merge one live event. Status, title, visibility and version come with the event;
 * a session the table does not hold yet, or a change of fields the event does not
 * carry (responsible employees, device, reason), asks for a fetch.
 */
export function applyTableEvent(items: SessionSummary[], event: LiveEvent, filter: TableFilter): EventOutcome {
  const ref = event.payload.session;
  const current = items.find((i) => i.id === ref.id);
  if (!current) {
    return { items, fetchId: ref.id };
  }
  if (ref.version < current.version) {
    return { items, fetchId: null };
  }
  const updated: SessionSummary = {
    ...current,
    status: ref.status,
    title: ref.title,
    version: ref.version,
    updated_at: event.occurred_at,
    visibility: "visibility" in ref ? ref.visibility : current.visibility,
  };
  const next = upsertItem(items, updated, filter);
  const needsMore = event.type === "session.updated" && ref.version > current.version;
  return { items: next, fetchId: needsMore ? ref.id : null };
}
