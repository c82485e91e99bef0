/** The code user's own sessions: status, withdraw, the call, rating, recordings. */

import { useEffect, useRef, useState } from "preact/hooks";
import type { CodeUserApi } from "../lib/api";
import { isCallable, type SessionRow } from "../lib/sessions";
import { t } from "../i18n";
import { SessionHead } from "../ui/components/SessionHead";
import { StartCallButton } from "../ui/components/StartCallButton";
import { toast } from "../ui/dom";
import { problemText } from "../ui/problem-text";
import { Artifacts } from "./Artifacts";
import { RatingForm } from "./RatingForm";
import type { OwnSessions } from "./useOwnSessions";

function Withdraw({ api, row, own }: { api: CodeUserApi; row: SessionRow; own: OwnSessions }) {
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  const keep = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    // The question replaces the button that had the focus: the safe answer takes it.
    if (asking) {
      keep.current?.focus();
    }
  }, [asking]);
  if (!asking) {
    return (
      <button type="button" data-testid="withdraw" onClick={() => { setAsking(true); }}>
        {t("sessions.withdraw")}
      </button>
    );
  }
  const withdraw = () => {
    setBusy(true);
    api
      .withdraw(row.id, row.version)
      .then((session) => {
        own.put(session);
        toast(t("sessions.withdrawn"), "withdrawn");
      })
      .catch((error: unknown) => {
        toast(problemText(error), "withdraw-error");
        setBusy(false);
        setAsking(false);
      });
  };
  return (
    <div class="confirm-inline" role="group" aria-label={t("sessions.withdrawConfirm")}>
      <span>{t("sessions.withdrawConfirm")}</span>
      <button type="button" class="danger" disabled={busy} aria-busy={busy} data-testid="withdraw-yes" onClick={withdraw}>
        {t("sessions.withdrawYes")}
      </button>
      <button ref={keep} type="button" disabled={busy} data-testid="withdraw-no" onClick={() => { setAsking(false); }}>
        {t("sessions.withdrawNo")}
      </button>
    </div>
  );
}

function Card({ api, row, own }: { api: CodeUserApi; row: SessionRow; own: OwnSessions }) {
  const session = own.details.get(row.id);
  return (
    <li class="session card" data-testid="session" data-session-id={row.id} data-status={row.status}>
      <SessionHead row={row} details={[row.reason]} />
      <div class="session-actions">
        {row.status === "REQUESTED" && <Withdraw api={api} row={row} own={own} />}
        {isCallable(row.status) && <StartCallButton row={row} calls={own.calls} />}
      </div>
      {row.status === "DONE" && session && session.rating === null && (
        <RatingForm api={api} sessionId={row.id} prompt={own.justFinished === row.id} onRated={(rated) => {
          own.put(rated);
          toast(t("rating.thanks"), "rating-thanks");
        }} />
      )}
      {session?.rating && (
        <p class="muted small" data-testid="rating-given">
          {t("rating.given", { stars: session.rating.stars })}
        </p>
      )}
      {session && <Artifacts api={api} sessionId={row.id} artifacts={session.artifacts} />}
    </li>
  );
}

export function OwnSessionList({ api, own }: { api: CodeUserApi; own: OwnSessions }) {
  return (
    <section aria-labelledby="own-sessions-title">
      <h2 id="own-sessions-title">{t("sessions.own")}</h2>
      <p class="sr-only" aria-live="polite" data-testid="status-announcement">
        {own.announcement}
      </p>
      {own.rows.length === 0 ? (
        <p class="muted" data-testid="sessions-empty">
          {t("sessions.none")}
        </p>
      ) : (
        <ul class="sessions" data-testid="sessions">
          {own.rows.map((row) => (
            <Card key={row.id} api={api} row={row} own={own} />
          ))}
        </ul>
      )}
    </section>
  );
}
