/** The end of a back-office form: what went wrong (in words), then the submit button with progress. */

import type { Action } from "./hooks";
import { t } from "../i18n";
import { ProblemAlert } from "../ui/components/ProblemAlert";

export function FormEnd({ action, label, testId }: { action: Action; label?: string; testId?: string }) {
  return (
    <>
      <ProblemAlert error={action.error} testId={testId ? `${testId}-problem` : "problem"} />
      <button type="submit" class="primary" disabled={action.busy} aria-busy={action.busy} data-testid={testId}>
        {action.busy ? t("bo.saving") : (label ?? t("bo.save"))}
      </button>
    </>
  );
}
