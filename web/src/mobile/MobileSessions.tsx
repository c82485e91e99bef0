/** The signed-in mobile view: the session cards, the bottom bar, notifications, the call. */

import { useEffect, useMemo, useState } from "preact/hooks";
import type { EmployeeApi, MeOut, SessionSummary } from "../lib/api";
import type { InAppNotification } from "../lib/events";
import { isCallable, rowFromSummary, type SessionRow } from "../lib/sessions";
import { t, type Language } from "../i18n";
import { CallController } from "../ui/call-controller";
import { chime } from "../ui/chime";
import { LanguageSwitch } from "../ui/components/LanguageSwitch";
import { OfflineBanner } from "../ui/components/OfflineBanner";
import { SessionHead } from "../ui/components/SessionHead";
import { StartCallButton } from "../ui/components/StartCallButton";
import { useLiveSessions } from "../ui/components/useLiveSessions";
import { toast } from "../ui/dom";
import { showNotification } from "../ui/notify";
import { problemText } from "../ui/problem-text";
import { NotificationButton } from "./NotificationButton";

type Tab = "mine" | "all";

export interface MobileSessionsProps {
  api: EmployeeApi;
  me: MeOut;
  onLanguage: (next: Language) => void;
  onLoggedOut: () => void;
}

function responsibleOf(item: unknown): [number, number[]] | null {
  const s = item as Partial<SessionSummary> | null;
  if (!s || typeof s.id !== "number" || !Array.isArray(s.responsible)) {
    return null;
  }
  return [s.id, s.responsible.map((ref) => ref.id)];
}

function Card({ row, busy, calls, onConfirm }: { row: SessionRow; busy: boolean; calls: CallController; onConfirm: () => void }) {
  return (
    <li class="session card" data-testid="session" data-session-id={row.id} data-status={row.status}>
      <SessionHead row={row} details={[row.deviceName, row.requesterName, row.reason]} />
      <div class="session-actions thumb">
        {row.status === "REQUESTED" && (
          <button type="button" class="primary" disabled={busy} aria-busy={busy} data-testid="confirm" onClick={onConfirm}>
            {busy ? t("mobile.confirming") : t("sessions.confirm")}
          </button>
        )}
        {isCallable(row.status) && <StartCallButton row={row} calls={calls} />}
      </div>
    </li>
  );
}

export function MobileSessions({ api, me, onLanguage, onLoggedOut }: MobileSessionsProps) {
  const calls = useMemo(
    () => new CallController({ calls: api.calls, side: "employee", cameraOn: false, facingMode: "environment", mount: document.body }),
    [api],
  );
  const [tab, setTab] = useState<Tab>("mine");
  const [responsible, setResponsible] = useState<ReadonlyMap<number, number[]>>(new Map());
  const [confirming, setConfirming] = useState<number | null>(null);

  const keepResponsible = (entries: [number, number[]][]) => {
    setResponsible((known) => {
      const next = new Map(known);
      for (const [id, ids] of entries) {
        next.set(id, ids);
      }
      return next;
    });
  };

  const remember = (details: SessionSummary) => {
    keepResponsible([[details.id, details.responsible.map((ref) => ref.id)]]);
    const row = rowFromSummary(details);
    if (row) {
      live.put(row);
    }
  };

  const live = useLiveSessions(null, {
    onSnapshot: (_rows, raw) => {
      setResponsible(new Map(raw.map(responsibleOf).filter((entry): entry is [number, number[]] => entry !== null)));
    },
    onEvent: (event, unknown) => {
      const session = event.payload.session;
      if ("responsible_ids" in session) {
        keepResponsible([[session.id, session.responsible_ids]]);
      }
      if (unknown) {
        // A new session: fetch what the event does not carry (device, requester).
        api.session(session.id).then(remember, () => undefined);
      }
      calls.onEvent(event);
    },
    onNotification: (notification: InAppNotification) => {
      toast(notification.title, "notification-toast");
      if (notification.kind === "session.requested") {
        chime();
      }
      // A tap on the browser's notification opens this view, not the desktop back office.
      showNotification({ ...notification, url: "/m" });
    },
  });

  useEffect(() => {
    void calls.resume();
  }, [calls]);

  useEffect(() => {
    document.title = `${t("sessions.title")} · Fernblick`;
  });

  const confirm = (row: SessionRow) => {
    setConfirming(row.id);
    api
      .confirm(row.id, row.version)
      .then(remember)
      .catch((error: unknown) => {
        toast(problemText(error), "confirm-error");
      })
      .finally(() => {
        setConfirming(null);
      });
  };

  const logout = () => {
    api.logout().then(onLoggedOut, (error: unknown) => {
      toast(problemText(error));
    });
  };

  const mine = live.rows.filter((row) => responsible.get(row.id)?.includes(me.employee.id));
  const shown = tab === "mine" ? mine : live.rows;
  return (
    <div class="mobile">
      <header class="mobile-top">
        <div>
          <h1>{t("sessions.title")}</h1>
          <p class="muted small" data-testid="employee-name">
            {me.employee.name} · {me.organisation_name}
          </p>
        </div>
        <LanguageSwitch onChange={onLanguage} />
        <button type="button" class="link" data-testid="logout" onClick={logout}>
          {t("login.logout")}
        </button>
      </header>
      <main class="mobile-main" id="mobile-main">
        <OfflineBanner status={live.status} />
        {shown.length === 0 ? (
          <p class="muted" data-testid="sessions-empty">
            {tab === "mine" ? t("mobile.noneMine") : t("sessions.none")}
          </p>
        ) : (
          <ul class="sessions" data-testid="sessions" aria-label={tab === "mine" ? t("mobile.mine") : t("mobile.open")}>
            {shown.map((row) => (
              <Card
                key={row.id}
                row={row}
                busy={confirming === row.id}
                calls={calls}
                onConfirm={() => {
                  confirm(row);
                }}
              />
            ))}
          </ul>
        )}
      </main>
      <nav class="bottom-bar" aria-label={t("sessions.title")}>
        <NotificationButton />
        <div class="tabs" role="tablist">
          {(["mine", "all"] as const).map((name) => (
            <button
              key={name}
              type="button"
              role="tab"
              aria-selected={tab === name}
              aria-controls="mobile-main"
              data-testid={`tab-${name}`}
              onClick={() => {
                setTab(name);
              }}
            >
              {name === "mine" ? t("mobile.mine") : t("mobile.open")} ({name === "mine" ? mine.length : live.rows.length})
            </button>
          ))}
        </div>
      </nav>
    </div>
  );
}
