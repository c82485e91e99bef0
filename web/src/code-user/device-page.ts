/**
 * The code user's device page at /d/<code> (what the device's QR code opens):
 * the device, the request form following the organisation's request flow, the own
 * sessions with live status, and the call.
 */

import { ApiError, CodeUserApi, type OpenedDevice, type RequestSessionIn } from "../lib/api";
import { rowFromSummary, type SessionRow } from "../lib/sessions";
import { language, t } from "../i18n";
import { errorText } from "../ui/call-controller";
import { h, toast } from "../ui/dom";
import { ownSessions } from "./own-sessions";

export async function devicePage(root: HTMLElement, code: string): Promise<void> {
  const api = new CodeUserApi(localStorage, (input, init) => fetch(input, init));
  const hadToken = api.token() !== null;
  root.replaceChildren(h("main", { class: "page narrow" }, h("p", { class: "muted" }, t("device.loading"))));
  let opened: OpenedDevice;
  try {
    opened = await api.open(code);
  } catch (error) {
    const text = error instanceof ApiError && error.status === 404 ? t("device.notFound") : errorText(error);
    root.replaceChildren(h("main", { class: "page narrow" }, h("p", { class: "error", role: "alert", "data-testid": "page-error" }, text)));
    return;
  }

  const own = ownSessions(api);
  const device = opened.device;
  const main = h(
    "main",
    { class: "page narrow" },
    h(
      "header",
      { class: "device" },
      device.picture_url ? h("img", { src: device.picture_url, alt: "", class: "device-picture" }) : null,
      h("div", {}, h("h1", { "data-testid": "device-name" }, device.name), h("p", { class: "muted" }, [device.location, opened.organisation_name].filter(Boolean).join(" · "))),
    ),
    own.offline,
    !hadToken && opened.token ? h("p", { class: "notice small" }, t("device.newIdentity")) : null,
    requestSection(opened, api, (row) => {
      own.put(row);
    }),
    own.element,
  );
  root.replaceChildren(main);
  await own.start();
}

function requestSection(opened: OpenedDevice, api: CodeUserApi, added: (row: SessionRow) => void): HTMLElement {
  const flow = opened.request_flow;
  if (!flow.may_request) {
    return h("p", { class: "notice", "data-testid": "request-not-allowed" }, t("request.notAllowed", { hint: flow.contact_hint }));
  }
  const fields: Node[] = [];
  const reason = h("textarea", { name: "reason", rows: 3, maxlength: 5000, "data-testid": "request-reason" });
  const contact = h("input", { name: "contact", type: "text", maxlength: 300, autocomplete: "tel", "data-testid": "request-contact" });
  const consent = h("input", { name: "consent", type: "checkbox", "data-testid": "request-consent" });
  const labelBoxes: HTMLInputElement[] = [];
  for (const step of flow.steps) {
    if (step === "reason") {
      fields.push(h("label", {}, t("request.reason"), reason));
    } else if (step === "contact") {
      fields.push(h("label", {}, t("request.contact"), contact));
    } else if (step === "labels" && flow.labels.length > 0) {
      fields.push(
        h(
          "fieldset",
          {},
          h("legend", {}, t("request.labels")),
          ...flow.labels.map((label) => {
            const box = h("input", { type: "checkbox", value: label });
            labelBoxes.push(box);
            return h("label", { class: "inline" }, box, label);
          }),
        ),
      );
    } else if (step === "consent" && flow.recording_allowed) {
      fields.push(h("label", { class: "inline" }, consent, t("request.consent")));
    }
  }
  const submit = h("button", { type: "submit", class: "primary", "data-testid": "request-submit" }, t("request.submit"));
  const form = h("form", { class: "request", "data-testid": "request-form" }, ...fields, submit);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    submit.disabled = true;
    const body: RequestSessionIn = {
      device_id: opened.device.id,
      reason: reason.value,
      contact: contact.value,
      labels: labelBoxes.filter((box) => box.checked).map((box) => box.value),
      recording_consent: consent.checked,
    };
    api
      .request(body)
      .then((session) => {
        const row = rowFromSummary(session);
        if (row) {
          added(row);
        }
        form.reset();
        toast(t("request.sent"), "request-sent");
      })
      .catch((error: unknown) => {
        toast(errorText(error), "request-error");
      })
      .finally(() => {
        submit.disabled = false;
      });
  });
  return h("section", { lang: language() }, h("h2", {}, t("request.title")), form);
}
