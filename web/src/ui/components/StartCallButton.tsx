/**
 * START (or rejoin): busy from the tap until the call screen is up, since the API
 * call and the call code's first load can take a moment on a phone.
 */

import { useState } from "preact/hooks";
import type { SessionRow } from "../../lib/sessions";
import { t } from "../../i18n";
import type { CallController } from "../call-controller";

export function StartCallButton({ row, calls }: { row: SessionRow; calls: CallController }) {
  const [starting, setStarting] = useState(false);
  const start = () => {
    setStarting(true);
    void calls.start(row.id).finally(() => {
      setStarting(false);
    });
  };
  return (
    <button type="button" class="primary" disabled={starting} aria-busy={starting} data-testid="start-call" onClick={start}>
      {starting ? t("sessions.starting") : row.status === "RUNNING" ? t("sessions.rejoin") : t("sessions.start")}
    </button>
  );
}
