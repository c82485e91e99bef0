/** The sessions list both pages show: number, title, status chip and actions. */

import type { SessionRow } from "../lib/sessions";
import { statusLabel, t } from "../i18n";
import { h } from "./dom";

export function statusChip(row: SessionRow): HTMLElement {
  return h(
    "span",
    { class: `chip chip-${row.status.toLowerCase()}`, "data-testid": "status-chip", "data-status": row.status },
    statusLabel(row.status),
  );
}

export function sessionList(rows: SessionRow[], actions: (row: SessionRow) => Node[], emptyText: string): HTMLElement {
  if (rows.length === 0) {
    return h("p", { class: "muted", "data-testid": "sessions-empty" }, emptyText);
  }
  return h(
    "ul",
    { class: "sessions", "data-testid": "sessions" },
    ...rows.map((row) =>
      h(
        "li",
        { class: "session", "data-testid": "session", "data-session-id": row.id, "data-status": row.status },
        h(
          "div",
          { class: "session-main" },
          h("div", { class: "session-title" }, h("span", { class: "muted" }, t("sessions.number", { number: row.number })), " ", row.title),
          h("div", { class: "muted small" }, [row.deviceName, row.requesterName, row.reason].filter(Boolean).join(" · ")),
        ),
        statusChip(row),
        h("div", { class: "session-actions" }, ...actions(row)),
      ),
    ),
  );
}
