/** Linked tickets: list, link another, unlink. */

import { useState } from "preact/hooks";
import type { SessionDetails } from "../lib/backoffice-api";
import { t } from "../i18n";
import { ProblemAlert } from "../ui/components/ProblemAlert";
import { useBackOffice } from "./context";
import { useLoad } from "./hooks";
import type { Change } from "./SessionPage";

interface Props {
  session: SessionDetails;
  change: Change;
  busy: boolean;
}

export function LinkedTicketsTab({ session: s, change, busy }: Props) {
  const bo = useBackOffice();
  const tickets = useLoad(() => bo.api.tickets(), []);
  const [pick, setPick] = useState("");
  const linked = new Set(s.tickets.map((ticket) => ticket.id));
  const candidates = (tickets.data ?? []).filter((ticket) => !linked.has(ticket.id));

  return (
    <section aria-labelledby="linked-title">
      <h2 id="linked-title">{t("bo.tickets.linked")}</h2>
      {s.tickets.length === 0 ? (
        <p class="muted">{t("bo.tickets.noLinked")}</p>
      ) : (
        <ul class="plain" data-testid="linked-tickets">
          {s.tickets.map((ticket) => (
            <li key={ticket.id} data-ticket-id={ticket.id}>
              {ticket.number} · {ticket.title}{" "}
              <button
                type="button"
                class="link"
                disabled={busy}
                aria-label={t("bo.tickets.unlinkNamed", { number: ticket.number })}
                onClick={() => void change(() => bo.api.unlinkTicket(s.id, ticket.id))}
              >
                {t("bo.remove")}
              </button>
            </li>
          ))}
        </ul>
      )}
      <form
        class="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          if (pick) {
            void change(() => bo.api.linkTicket(s.id, Number(pick))).then((ok) => {
              if (ok) setPick("");
            });
          }
        }}
      >
        <label>
          {t("bo.tickets.link")}
          <select value={pick} onChange={(e) => { setPick(e.currentTarget.value); }} data-testid="ticket-pick">
            <option value="">{t("bo.tickets.pick")}</option>
            {candidates.map((ticket) => (
              <option key={ticket.id} value={ticket.id}>
                {ticket.number} · {ticket.title}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" disabled={busy || !pick} data-testid="link-ticket">
          {t("bo.add")}
        </button>
      </form>
      <ProblemAlert error={tickets.error} />
    </section>
  );
}
