/** A page's live session list: the /api/ws snapshot and events, and an offline banner. */

import type { InAppNotification, LiveEvent } from "../lib/events";
import { applyEvent, rowsFromSnapshot, upsertRow, type SessionRow } from "../lib/sessions";
import { LiveSocket, socketUrl } from "../lib/socket";
import { t } from "../i18n";
import { h } from "./dom";

export interface LiveSessionsOptions {
  /** The code user's token; null for employees (cookie). */
  token: string | null;
  render: (rows: SessionRow[]) => void;
  /** After a snapshot (first connect, reconnect, resync): events may have been missed. */
  onSnapshot?: (rows: SessionRow[]) => void;
  /** After the rows took the event in; `unknown` when it named a session not yet listed. */
  onEvent: (event: LiveEvent, unknown: boolean) => void;
  /** The notifier's in-app messages (employees only). */
  onNotification?: (notification: InAppNotification) => void;
}

export class LiveSessions {
  readonly offline: HTMLElement;
  private rows: SessionRow[] = [];
  private readonly socket: LiveSocket;
  private readonly options: LiveSessionsOptions;

  constructor(options: LiveSessionsOptions) {
    this.options = options;
    this.offline = h("div", { class: "offline", hidden: true, "data-testid": "offline" }, t("app.offline"));
    this.socket = new LiveSocket({
      url: socketUrl(location.origin, options.token),
      open: (url) => new WebSocket(url),
      onStatus: (status) => {
        this.offline.hidden = status !== "offline";
      },
      onSnapshot: (sessions) => {
        this.rows = rowsFromSnapshot(sessions);
        options.render(this.rows);
        options.onSnapshot?.(this.rows);
      },
      onEvent: (event) => {
        const applied = applyEvent(this.rows, event);
        this.rows = applied.rows;
        options.render(this.rows);
        options.onEvent(event, applied.unknown);
      },
      onNotification: (notification) => {
        options.onNotification?.(notification);
      },
    });
  }

  start(): void {
    this.socket.start();
  }

  stop(): void {
    this.socket.stop();
  }

  /** Fresher details of one session (from a REST answer). */
  put(row: SessionRow): void {
    this.rows = upsertRow(this.rows, row);
    this.options.render(this.rows);
  }
}
