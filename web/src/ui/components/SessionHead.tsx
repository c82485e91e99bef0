/** A session card's head: number, title, a line of details, and the status chip. */

import type { SessionRow } from "../../lib/sessions";
import { t } from "../../i18n";
import { StatusChip } from "./StatusChip";

export function SessionHead({ row, details }: { row: SessionRow; details: string[] }) {
  const line = details.filter(Boolean).join(" · ");
  return (
    <div class="session-head">
      <div class="session-main">
        <div class="session-title">
          <span class="muted">{t("sessions.number", { number: row.number })}</span> {row.title}
        </div>
        {line && <div class="muted small">{line}</div>}
      </div>
      <StatusChip status={row.status} />
    </div>
  );
}
