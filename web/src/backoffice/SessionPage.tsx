/**
 * One session: header with status and actions, and the tabs General, Employees and
 * Linked tickets. Live events of this session reload it; every change sends the
 * version the page shows (If-Match), and a conflict reloads the current state.
 */

import { useEffect, useRef } from "preact/hooks";
import { ApiError } from "../lib/api-client";
import type { SessionDetails } from "../lib/backoffice-api";
import { SESSION_TABS, type SessionTab } from "../lib/backoffice-routes";
import { t, type MessageKey } from "../i18n";
import { ProblemAlert } from "../ui/components/ProblemAlert";
import { StatusChip } from "../ui/components/StatusChip";
import { useBackOffice } from "./context";
import { useAction, useLoad } from "./hooks";
import { SessionActions } from "./SessionActions";
import { EmployeesTab } from "./EmployeesTab";
import { GeneralTab } from "./GeneralTab";
import { LinkedTicketsTab } from "./LinkedTicketsTab";

/** Change the session with `work`; show the answer, or the problem (and reload after a conflict). */
export type Change = (work: () => Promise<SessionDetails>) => Promise<boolean>;

export function SessionPage({ id, tab }: { id: number; tab: SessionTab }) {
  const bo = useBackOffice();
  const session = useLoad(() => bo.api.session(id), [id]);
  const action = useAction();
  const tabRefs = useRef<Partial<Record<SessionTab, HTMLButtonElement | null>>>({});

  useEffect(
    () =>
      bo.subscribe((event) => {
        if (event === null || event.payload.session.id === id) {
          session.reload();
        }
      }),
    [bo, id, session.reload],
  );

  const change: Change = async (work) => {
    const ok = await action.run(async () => {
      session.set(await work());
    });
    if (!ok) {
      session.reload();
    }
    return ok;
  };

  const s = session.data;
  if (s === null) {
    return (
      <section aria-busy={session.loading}>
        <BackLink />
        {session.loading ? <p class="muted">{t("bo.loading")}</p> : <ProblemAlert error={session.error} testId="page-error" />}
      </section>
    );
  }

  const select = (next: SessionTab) => {
    bo.navigate({ name: "session", id, tab: next });
    tabRefs.current[next]?.focus();
  };
  const onTabKey = (event: KeyboardEvent) => {
    const index = SESSION_TABS.indexOf(tab);
    const step = event.key === "ArrowRight" ? 1 : event.key === "ArrowLeft" ? -1 : 0;
    if (step !== 0) {
      event.preventDefault();
      const next = SESSION_TABS[(index + step + SESSION_TABS.length) % SESSION_TABS.length];
      if (next) select(next);
    }
  };

  const stale = session.error instanceof ApiError ? session.error : null;
  return (
    <section aria-labelledby="session-title" data-testid="session-details" data-session-id={s.id} data-status={s.status} data-version={s.version}>
      <BackLink />
      <div class="bo-title left">
        <h1 id="session-title">
          {t("bo.details.title", { number: s.number })}
          {s.title ? ` · ${s.title}` : ""}
        </h1>
        <StatusChip status={s.status} />
        <span class="muted small" data-testid="visibility-label">
          {t(s.visibility === "public" ? "bo.visibility.public" : "bo.visibility.internal")}
        </span>
      </div>
      <SessionActions session={s} change={change} busy={action.busy} />
      <ProblemAlert error={action.error} testId="action-problem" />
      {stale && <ProblemAlert error={stale} />}
      <div role="tablist" aria-label={t("bo.details.tabs")} class="bo-tabs" onKeyDown={onTabKey}>
        {SESSION_TABS.map((name) => (
          <button
            key={name}
            type="button"
            role="tab"
            id={`tab-${name}`}
            ref={(el) => {
              tabRefs.current[name] = el;
            }}
            aria-selected={tab === name}
            aria-controls={`panel-${name}`}
            tabIndex={tab === name ? 0 : -1}
            data-testid={`tab-${name}`}
            onClick={() => { select(name); }}
          >
            {t(`bo.tab.${name}` as MessageKey)}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`} class="tab-panel" tabIndex={0}>
        {tab === "general" && <GeneralTab session={s} />}
        {tab === "employees" && <EmployeesTab session={s} change={change} busy={action.busy} />}
        {tab === "tickets" && <LinkedTicketsTab session={s} change={change} busy={action.busy} />}
      </div>
    </section>
  );
}

function BackLink() {
  const bo = useBackOffice();
  return (
    <a
      href="/app"
      class="back"
      data-testid="back-to-sessions"
      onClick={(e) => {
        e.preventDefault();
        bo.navigate({ name: "sessions" });
      }}
    >
      ← {t("bo.details.back")}
    </a>
  );
}
