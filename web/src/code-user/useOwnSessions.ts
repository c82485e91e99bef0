/**
 * The code user's own sessions, live: rows for the list, the full sessions (rating,
 * recordings, screenshots) refreshed when an event touches one, and the call flow.
 * Shared by the device page (/d/<code>) and the invite page (/i/<token>).
 */

import { useCallback, useEffect, useMemo, useState } from "preact/hooks";
import type { CodeUserApi, CodeUserSession } from "../lib/api";
import type { LiveEvent } from "../lib/events";
import { isCallable, rowFromSummary, type SessionRow } from "../lib/sessions";
import type { SocketStatus } from "../lib/socket";
import { statusLabel, t } from "../i18n";
import { CallController } from "../ui/call-controller";
import { useLiveSessions } from "../ui/components/useLiveSessions";

export interface OwnSessions {
  rows: SessionRow[];
  status: SocketStatus;
  details: ReadonlyMap<number, CodeUserSession>;
  /** The session whose call just ended while the page looked on (asks for a rating). */
  justFinished: number | null;
  /** The last status change in words, for screen readers (an aria-live region). */
  announcement: string;
  calls: CallController;
  /** A session from a REST answer (a request just made, a withdrawal, a rating). */
  put: (session: CodeUserSession) => void;
}

function isSession(value: unknown): value is CodeUserSession {
  return typeof value === "object" && value !== null && typeof (value as { id?: unknown }).id === "number";
}

/** Events after which the session's details may have changed (calls ring often; skip those). */
function changesDetails(event: LiveEvent): boolean {
  return !event.type.startsWith("call.") || event.type === "call.ended";
}

export function useOwnSessions(api: CodeUserApi): OwnSessions {
  const calls = useMemo(
    () => new CallController({ calls: api.calls, side: "code_user", cameraOn: true, facingMode: "environment", mount: document.body }),
    [api],
  );
  const [details, setDetails] = useState<ReadonlyMap<number, CodeUserSession>>(new Map());
  const [justFinished, setJustFinished] = useState<number | null>(null);
  const [announcement, setAnnouncement] = useState("");

  const keep = useCallback((session: CodeUserSession) => {
    setDetails((known) => new Map(known).set(session.id, session));
  }, []);

  const live = useLiveSessions(api.token(), {
    onSnapshot: (rows, raw) => {
      setDetails(new Map(raw.filter(isSession).map((session) => [session.id, session])));
      void calls.checkRinging(rows.filter((row) => isCallable(row.status)).map((row) => row.id));
    },
    onEvent: (event) => {
      calls.onEvent(event);
      const session = event.payload.session;
      if (session.status === "DONE" && event.payload.previous_status === "RUNNING") {
        setJustFinished(session.id);
      }
      if (event.payload.previous_status !== null && event.payload.previous_status !== session.status) {
        setAnnouncement(`${t("sessions.number", { number: session.number })}: ${statusLabel(session.status)}`);
      }
      if (changesDetails(event)) {
        api.session(session.id).then(keep, () => undefined);
      }
    },
  });

  useEffect(() => {
    void calls.resume();
  }, [calls]);

  const { put: putRow } = live;
  const put = useCallback(
    (session: CodeUserSession) => {
      keep(session);
      const row = rowFromSummary(session);
      if (row) {
        putRow(row);
      }
    },
    [keep, putRow],
  );
  return { rows: live.rows, status: live.status, details, justFinished, announcement, calls, put };
}
