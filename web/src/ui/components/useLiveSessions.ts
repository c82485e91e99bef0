/**
 * A component's live session list: the /api/ws snapshot merged with the events that
 * follow it (web/src/lib/sessions.ts), and whether the connection is live.
 */

import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import type { InAppNotification, LiveEvent } from "../../lib/events";
import { applyEvent, rowsFromSnapshot, upsertRow, type SessionRow } from "../../lib/sessions";
import { LiveSocket, socketUrl, type SocketStatus } from "../../lib/socket";

export interface LiveHandlers {
  /** After a snapshot (first connect, reconnect, resync); `raw` holds the full items. */
  onSnapshot?: (rows: SessionRow[], raw: unknown[]) => void;
  /** After the rows took the event in; `unknown` when it named a session not yet listed. */
  onEvent?: (event: LiveEvent, unknown: boolean) => void;
  /** The notifier's in-app messages (employees only). */
  onNotification?: (notification: InAppNotification) => void;
}

export interface LiveSessions {
  rows: SessionRow[];
  status: SocketStatus;
  /** Fresher details of one session (from a REST answer). */
  put: (row: SessionRow) => void;
}

/** `token`: the code user's token; null for employees (cookie). */
export function useLiveSessions(token: string | null, handlers: LiveHandlers): LiveSessions {
  const [rows, setRows] = useState<SessionRow[]>([]);
  const [status, setStatus] = useState<SocketStatus>("connecting");
  const current = useRef<SessionRow[]>([]);
  const latest = useRef(handlers);
  latest.current = handlers;

  useEffect(() => {
    const update = (next: SessionRow[]) => {
      current.current = next;
      setRows(next);
    };
    const socket = new LiveSocket({
      url: socketUrl(location.origin, token),
      open: (url) => new WebSocket(url),
      onStatus: setStatus,
      onSnapshot: (sessions) => {
        const next = rowsFromSnapshot(sessions);
        update(next);
        latest.current.onSnapshot?.(next, sessions);
      },
      onEvent: (event) => {
        const applied = applyEvent(current.current, event);
        update(applied.rows);
        latest.current.onEvent?.(event, applied.unknown);
      },
      onNotification: (notification) => {
        latest.current.onNotification?.(notification);
      },
    });
    socket.start();
    return () => {
      socket.stop();
    };
  }, [token]);

  const put = useCallback((row: SessionRow) => {
    current.current = upsertRow(current.current, row);
    setRows(current.current);
  }, []);
  return { rows, status, put };
}
