/**
 * The minimal employee page at /app (and /m): log in, the open sessions with live
 * status, confirm, START, and the call. The full back office is the web issue's.
 */

import { ApiError, EmployeeApi, type MeOut } from "../lib/api";
import { isCallable, rowFromSummary, type SessionRow } from "../lib/sessions";
import { setLanguage, t } from "../i18n";
import { CallController, errorText } from "../ui/call-controller";
import { clear, h, toast } from "../ui/dom";
import { LiveSessions } from "../ui/live-sessions";
import { askForNotifications, showNotification } from "../ui/notify";
import { sessionList } from "../ui/session-list";

export async function employeePage(root: HTMLElement): Promise<void> {
  const api = new EmployeeApi((input, init) => fetch(input, init));
  let me: MeOut | null;
  try {
    me = await api.me();
  } catch (error) {
    root.replaceChildren(h("main", { class: "page" }, h("p", { class: "error", role: "alert" }, errorText(error))));
    return;
  }
  if (me === null) {
    loginForm(root, api);
    return;
  }
  signedIn(root, api, me);
}

function loginForm(root: HTMLElement, api: EmployeeApi): void {
  const email = h("input", { type: "email", name: "email", autocomplete: "username", required: true, "data-testid": "login-email" });
  const password = h("input", { type: "password", name: "password", autocomplete: "current-password", required: true, "data-testid": "login-password" });
  const failure = h("p", { class: "error", role: "alert", hidden: true, "data-testid": "login-error" });
  const submit = h("button", { type: "submit", class: "primary", "data-testid": "login-submit" }, t("login.submit"));
  const form = h(
    "form",
    { class: "login", "data-testid": "login-form" },
    h("h1", {}, t("login.title")),
    h("label", {}, t("login.email"), email),
    h("label", {}, t("login.password"), password),
    failure,
    submit,
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    submit.disabled = true;
    api
      .login(email.value, password.value)
      .then((me) => {
        signedIn(root, api, me);
      })
      .catch((error: unknown) => {
        failure.hidden = false;
        failure.textContent = error instanceof ApiError && error.status < 500 ? t("login.failed") : errorText(error);
      })
      .finally(() => {
        submit.disabled = false;
      });
  });
  root.replaceChildren(h("main", { class: "page narrow" }, form));
  email.focus();
}

function signedIn(root: HTMLElement, api: EmployeeApi, me: MeOut): void {
  setLanguage(me.employee.language);
  document.documentElement.lang = me.employee.language;
  const listBox = h("div", {});
  const calls = new CallController({ calls: api.calls, side: "employee", cameraOn: false, facingMode: "user", mount: document.body });

  const confirm = (row: SessionRow) => {
    api
      .confirm(row.id, row.version)
      .then((details) => {
        const fresh = rowFromSummary(details);
        if (fresh) {
          live.put(fresh);
        }
      })
      .catch((error: unknown) => {
        toast(errorText(error), "confirm-error");
      });
  };

  const render = (rows: SessionRow[]) => {
    clear(listBox);
    listBox.append(
      sessionList(
        rows,
        (row) => {
          const actions: Node[] = [];
          if (row.status === "REQUESTED") {
            actions.push(h("button", { type: "button", "data-testid": "confirm", onclick: () => { confirm(row); } }, t("sessions.confirm")));
          }
          if (isCallable(row.status)) {
            actions.push(
              h("button", { type: "button", class: "primary", "data-testid": "start-call", onclick: () => void calls.start(row.id) }, row.status === "RUNNING" ? t("sessions.rejoin") : t("sessions.start")),
            );
          }
          return actions;
        },
        t("sessions.none"),
      ),
    );
  };

  const logout = h("button", { type: "button", class: "link", "data-testid": "logout" }, t("login.logout"));
  const live = new LiveSessions({
    token: null,
    render,
    onEvent: (event, unknown) => {
      if (unknown) {
        // A new session: fetch what the event does not carry (device, requester).
        void api
          .session(event.payload.session.id)
          .then((details) => {
            const row = rowFromSummary(details);
            if (row) {
              live.put(row);
            }
          })
          .catch(() => undefined);
      }
      calls.onEvent(event);
    },
    onNotification: showNotification,
  });
  document.addEventListener("click", askForNotifications, { once: true });
  logout.addEventListener("click", () => {
    live.stop();
    void api.logout().finally(() => {
      loginForm(root, api);
    });
  });
  root.replaceChildren(
    h(
      "main",
      { class: "page" },
      h("header", { class: "bar" }, h("h1", {}, t("sessions.title")), h("span", { class: "muted", "data-testid": "employee-name" }, `${me.employee.name} · ${me.organisation_name}`), logout),
      live.offline,
      listBox,
    ),
  );
  render([]);
  live.start();
  void calls.resume();
}
