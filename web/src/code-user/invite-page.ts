/**
 * An invite link (/i/<token>) that an employee handed to a customer: joining makes
 * this browser a code user of the session. With a device, the customer continues on
 * the device page; without one, this page shows the session and its call.
 */

import { ApiError, CodeUserApi } from "../lib/api";
import { t } from "../i18n";
import { errorText } from "../ui/call-controller";
import { h } from "../ui/dom";
import { ownSessions } from "./own-sessions";

export async function invitePage(root: HTMLElement, inviteToken: string): Promise<void> {
  const api = new CodeUserApi(localStorage, (input, init) => fetch(input, init));
  root.replaceChildren(h("main", { class: "page narrow" }, h("p", { class: "muted" }, t("invite.loading"))));
  let accepted;
  try {
    accepted = await api.acceptInvite(inviteToken);
  } catch (error) {
    const text = error instanceof ApiError && [404, 409].includes(error.status) ? t("invite.invalid") : errorText(error);
    root.replaceChildren(h("main", { class: "page narrow" }, h("p", { class: "error", role: "alert", "data-testid": "page-error" }, text)));
    return;
  }
  if (accepted.device_code) {
    location.replace(`/d/${encodeURIComponent(accepted.device_code)}`);
    return;
  }
  const own = ownSessions(api);
  root.replaceChildren(
    h(
      "main",
      { class: "page narrow" },
      h("header", {}, h("h1", { "data-testid": "invite-title" }, accepted.session.title), h("p", { class: "muted" }, accepted.organisation_name)),
      own.offline,
      own.element,
    ),
  );
  await own.start();
}
