/**
 * The device's assistant: its action buttons as the organisation configured them.
 * `request_session` opens the request flow, or says whom to contact when the
 * organisation does not let code users request.
 */

import { useState } from "preact/hooks";
import type { AssistantButton, OpenedDevice } from "../lib/api";
import { language, t } from "../i18n";

export interface AssistantProps {
  opened: OpenedDevice;
  requestOpen: boolean;
  onRequest: () => void;
}

function label(button: AssistantButton): string {
  return language() === "en" ? button.label_en : button.label_de;
}

function TextButton({ button }: { button: AssistantButton }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" class="action" aria-expanded={open} onClick={() => { setOpen(!open); }}>
        {label(button)}
      </button>
      {open && <p class="card assistant-text">{button.target}</p>}
    </>
  );
}

export function Assistant({ opened, requestOpen, onRequest }: AssistantProps) {
  const flow = opened.request_flow;
  const buttons = opened.device.assistant;
  return (
    <nav class="assistant" aria-label={t("device.assistant")}>
      {buttons.map((button, index) => {
        const key = `${button.action}-${index}`;
        switch (button.action) {
          case "request_session":
            return flow.may_request ? (
              <button key={key} type="button" class="action primary" aria-expanded={requestOpen} data-testid="assistant-request" onClick={onRequest}>
                {label(button)}
              </button>
            ) : (
              <p key={key} class="notice" data-testid="request-not-allowed">
                {t("request.notAllowed", { hint: flow.contact_hint || t("request.contactOperator") })}
              </p>
            );
          case "open_url":
            return (
              <a key={key} class="button action" href={button.target} target="_blank" rel="noopener noreferrer">
                {label(button)}
              </a>
            );
          case "call_phone":
            return (
              <a key={key} class="button action" href={`tel:${button.target.replace(/[^\d+]/g, "")}`}>
                {label(button)}
              </a>
            );
          case "show_text":
            return <TextButton key={key} button={button} />;
          default:
            return null;
        }
      })}
    </nav>
  );
}
