/**
 * The request flow: the organisation's steps in its order (reason, contact, labels,
 * consent to recording where the module allows it), then the request.
 */

import { useEffect, useRef, useState } from "preact/hooks";
import type { CodeUserApi, CodeUserSession, OpenedDevice, RequestStep } from "../lib/api";
import { ApiError } from "../lib/api-client";
import { t } from "../i18n";
import { problemText } from "../ui/problem-text";

export interface RequestFormProps {
  api: CodeUserApi;
  opened: OpenedDevice;
  onSent: (session: CodeUserSession) => void;
  onClose: () => void;
}

export function RequestForm({ api, opened, onSent, onClose }: RequestFormProps) {
  const flow = opened.request_flow;
  const [reason, setReason] = useState("");
  const [contact, setContact] = useState("");
  const [labels, setLabels] = useState<string[]>([]);
  const [consent, setConsent] = useState(false);
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<{ text: string; field: string | null } | null>(null);
  const first = useRef<HTMLFormElement>(null);

  useEffect(() => {
    first.current?.querySelector<HTMLElement>("textarea, input")?.focus();
  }, []);

  const shown = flow.steps.filter(
    (step: RequestStep) => (step !== "labels" || flow.labels.length > 0) && (step !== "consent" || flow.recording_allowed),
  );

  const submit = (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setFailure(null);
    api
      .request({ device_id: opened.device.id, reason, contact, labels, recording_consent: consent })
      .then(onSent)
      .catch((error: unknown) => {
        setFailure({ text: problemText(error), field: error instanceof ApiError ? error.field : null });
        setBusy(false);
      });
  };

  const fieldError = (field: string) =>
    failure?.field === field ? (
      <span class="error" role="alert" id={`${field}-error`}>
        {failure.text}
      </span>
    ) : null;

  return (
    <form ref={first} class="request card" data-testid="request-form" onSubmit={submit} aria-busy={busy} aria-labelledby="request-title">
      <h2 id="request-title">{t("request.title")}</h2>
      {shown.map((step) => {
        switch (step) {
          case "reason":
            return (
              <label key={step}>
                {t("request.reason")}
                <textarea
                  name="reason"
                  rows={3}
                  maxLength={5000}
                  required
                  value={reason}
                  aria-invalid={failure?.field === "reason"}
                  aria-describedby={failure?.field === "reason" ? "reason-error" : undefined}
                  data-testid="request-reason"
                  onInput={(e) => { setReason(e.currentTarget.value); }}
                />
                {fieldError("reason")}
              </label>
            );
          case "contact":
            return (
              <label key={step}>
                {t("request.contact")}
                <input
                  name="contact"
                  type="text"
                  maxLength={300}
                  autocomplete="tel"
                  required
                  value={contact}
                  aria-invalid={failure?.field === "contact"}
                  aria-describedby={failure?.field === "contact" ? "contact-error" : undefined}
                  data-testid="request-contact"
                  onInput={(e) => { setContact(e.currentTarget.value); }}
                />
                {fieldError("contact")}
              </label>
            );
          case "labels":
            return (
              <fieldset key={step}>
                <legend>{t("request.labels")}</legend>
                <div class="label-choices">
                  {flow.labels.map((label) => (
                    <label key={label} class="inline choice">
                      <input
                        type="checkbox"
                        value={label}
                        checked={labels.includes(label)}
                        data-testid="request-label"
                        onChange={(e) => {
                          const on = e.currentTarget.checked;
                          setLabels((picked) => (on ? [...picked, label] : picked.filter((l) => l !== label)));
                        }}
                      />
                      {label}
                    </label>
                  ))}
                </div>
              </fieldset>
            );
          case "consent":
            return (
              <label key={step} class="inline choice">
                <input
                  name="consent"
                  type="checkbox"
                  checked={consent}
                  data-testid="request-consent"
                  onChange={(e) => { setConsent(e.currentTarget.checked); }}
                />
                {t("request.consent")}
              </label>
            );
        }
      })}
      {failure !== null && failure.field === null && (
        <p class="error" role="alert" data-testid="request-error">
          {failure.text}
        </p>
      )}
      <div class="form-actions">
        <button type="button" onClick={onClose} disabled={busy}>
          {t("request.close")}
        </button>
        <button type="submit" class="primary" disabled={busy} data-testid="request-submit">
          {busy ? t("request.sending") : t("request.submit")}
        </button>
      </div>
    </form>
  );
}
