/** Employees: who received the request, who is responsible; add and remove (moderators add themselves). */

import { useState } from "preact/hooks";
import type { SessionDetails } from "../lib/backoffice-api";
import { t } from "../i18n";
import { ProblemAlert } from "../ui/components/ProblemAlert";
import { dateTime } from "../ui/format";
import { isModerator, useBackOffice } from "./context";
import { useLoad } from "./hooks";
import type { Change } from "./SessionPage";

interface Props {
  session: SessionDetails;
  change: Change;
  busy: boolean;
}

export function EmployeesTab({ session: s, change, busy }: Props) {
  const bo = useBackOffice();
  const employees = useLoad(() => bo.api.employees(), []);
  const [pick, setPick] = useState("");
  const responsibleIds = new Set(s.responsible.map((r) => r.id));
  const candidates = (employees.data ?? []).filter((e) => e.active && !responsibleIds.has(e.id));
  const meId = bo.me.employee.id;

  return (
    <div class="columns">
      <section aria-labelledby="recipients-title">
        <h2 id="recipients-title">{t("bo.employees.recipients")}</h2>
        {s.recipients.length === 0 ? (
          <p class="muted">{t("bo.employees.noRecipients")}</p>
        ) : (
          <ul class="plain" data-testid="recipients">
            {s.recipients.map((r) => (
              <li key={r.employee.id}>
                {r.employee.name} <span class="muted small">{t("bo.employees.receivedAt", { at: dateTime(r.received_at) })}</span>
              </li>
            ))}
          </ul>
        )}
      </section>
      <section aria-labelledby="responsible-title">
        <h2 id="responsible-title">{t("bo.employees.responsible")}</h2>
        {s.responsible.length === 0 ? (
          <p class="muted">{t("bo.employees.noResponsible")}</p>
        ) : (
          <ul class="plain" data-testid="responsible">
            {s.responsible.map((r) => (
              <li key={r.id} data-employee-id={r.id}>
                {r.name} {r.id === meId && <span class="muted">{t("bo.staff.you")}</span>}{" "}
                <button
                  type="button"
                  class="link"
                  disabled={busy}
                  aria-label={t("bo.employees.removeNamed", { name: r.name })}
                  data-testid="remove-responsible"
                  onClick={() => void change(() => bo.api.removeResponsible(s, r.id))}
                >
                  {t("bo.remove")}
                </button>
              </li>
            ))}
          </ul>
        )}
        {isModerator(bo.me) && !responsibleIds.has(meId) && (
          <button type="button" disabled={busy} data-testid="add-me" onClick={() => void change(() => bo.api.addResponsible(s, meId))}>
            {t("bo.employees.addMe")}
          </button>
        )}
        <form
          class="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            if (pick) {
              void change(() => bo.api.addResponsible(s, Number(pick))).then((ok) => {
                if (ok) setPick("");
              });
            }
          }}
        >
          <label>
            {t("bo.employees.addOther")}
            <select value={pick} onChange={(e) => { setPick(e.currentTarget.value); }} data-testid="responsible-pick">
              <option value="">{t("bo.employees.pick")}</option>
              {candidates.map((e) => (
                <option key={e.id} value={e.id}>
                  {e.name}
                </option>
              ))}
            </select>
          </label>
          <button type="submit" disabled={busy || !pick} data-testid="add-responsible">
            {t("bo.add")}
          </button>
        </form>
        <ProblemAlert error={employees.error} />
      </section>
    </div>
  );
}
