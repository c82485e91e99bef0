/** A session status as a coloured chip with the status's exact name in the current language. */

import type { SessionStatus } from "../../lib/events";
import { t } from "../../i18n";

export function StatusChip({ status }: { status: SessionStatus }) {
  return <span class={`status-chip status-${status.toLowerCase()}`} data-testid="status-chip" data-status={status}>{t(`status.${status}` as const)}</span>;
}
