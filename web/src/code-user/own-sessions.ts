/**
 * The code user's own sessions with live status and the call: shared by the device
 * page (/d/<code>) and the invite page (/i/<token>).
 */

import type { CodeUserApi } from "../lib/api";
import { isCallable, type SessionRow } from "../lib/sessions";
import { t } from "../i18n";
import { CallController } from "../ui/call-controller";
import { clear, h } from "../ui/dom";
import { LiveSessions } from "../ui/live-sessions";
import { sessionList } from "../ui/session-list";

export interface OwnSessions {
  /** The list section to place on the page. */
  readonly element: HTMLElement;
  /** The live connection's "offline" notice. */
  readonly offline: HTMLElement;
  /** Show a session at once (a request just made), before its event arrives. */
  put(row: SessionRow): void;
  /** Connect the live updates and pick up a call that was ringing or running. */
  start(): Promise<void>;
}

export function ownSessions(api: CodeUserApi): OwnSessions {
  const listBox = h("div", {});
  const calls = new CallController({ calls: api.calls, side: "code_user", cameraOn: true, facingMode: "environment", mount: document.body });

  const render = (rows: SessionRow[]) => {
    clear(listBox);
    listBox.append(
      sessionList(
        rows,
        (row) =>
          isCallable(row.status)
            ? [
                h(
                  "button",
                  { type: "button", class: "primary", "data-testid": "start-call", onclick: () => void calls.start(row.id) },
                  row.status === "RUNNING" ? t("sessions.rejoin") : t("sessions.start"),
                ),
              ]
            : [],
        t("sessions.none"),
      ),
    );
  };

  const live = new LiveSessions({
    token: api.token(),
    render,
    onSnapshot: (rows) => {
      void calls.checkRinging(rows.filter((row) => isCallable(row.status)).map((row) => row.id));
    },
    onEvent: (event) => {
      calls.onEvent(event);
    },
  });
  render([]);
  return {
    element: h("section", {}, h("h2", {}, t("sessions.own")), listBox),
    offline: live.offline,
    put: (row) => {
      live.put(row);
    },
    start: async () => {
      live.start();
      await calls.resume();
    },
  };
}
