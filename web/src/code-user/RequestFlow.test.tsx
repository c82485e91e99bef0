import { afterEach, describe, expect, it } from "vitest";
import { render } from "preact-render-to-string";
import { CodeUserApi, type OpenedDevice } from "../lib/api";
import { setLanguage } from "../i18n";
import { Assistant } from "./Assistant";
import { RequestForm } from "./RequestForm";

function opened(flow: Partial<OpenedDevice["request_flow"]> = {}): OpenedDevice {
  return {
    device: {
      id: 1,
      name: "Press P-1",
      location: "Hall 1",
      picture_url: "",
      assistant: [
        { label_de: "Videositzung anfragen", label_en: "Request a video session", action: "request_session", target: "" },
        { label_de: "Anleitung", label_en: "Manual", action: "open_url", target: "https://example.org/m.pdf" },
        { label_de: "Hotline", label_en: "Hotline", action: "call_phone", target: "+49 30 123" },
      ],
    },
    organisation_name: "Org",
    code_user_id: 1,
    token: null,
    request_flow: { may_request: true, steps: ["reason", "contact", "consent"], labels: [], recording_allowed: true, contact_hint: "", ...flow },
  };
}

const api = new CodeUserApi(new Map() as unknown as Storage, () => Promise.reject(new Error("offline")));
const noop = () => undefined;

afterEach(() => {
  setLanguage("de");
});

describe("Assistant", () => {
  it("shows the organisation's buttons in the page's language", () => {
    setLanguage("en");
    const html = render(<Assistant opened={opened()} requestOpen={false} onRequest={noop} />);
    expect(html).toContain("Request a video session");
    expect(html).toContain('href="https://example.org/m.pdf"');
    expect(html).toContain('href="tel:+4930123"');
  });

  it("says whom to contact when code users may not request", () => {
    const html = render(<Assistant opened={opened({ may_request: false, contact_hint: "Hotline +49 30 1234567" })} requestOpen={false} onRequest={noop} />);
    expect(html).toContain("request-not-allowed");
    expect(html).toContain("Hotline +49 30 1234567");
    expect(html).not.toContain("assistant-request");
  });
});

describe("RequestForm", () => {
  it("asks the configured steps in their order", () => {
    const html = render(<RequestForm api={api} opened={opened({ steps: ["contact", "labels", "reason"], labels: ["Wartung"] })} onSent={noop} onClose={noop} />);
    const order = ["request-contact", "request-label", "request-reason"].map((id) => html.indexOf(id));
    expect(order.every((at) => at >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(html).not.toContain("request-consent");
  });

  it("asks for consent only where the organisation records", () => {
    expect(render(<RequestForm api={api} opened={opened()} onSent={noop} onClose={noop} />)).toContain("request-consent");
    expect(render(<RequestForm api={api} opened={opened({ recording_allowed: false })} onSent={noop} onClose={noop} />)).not.toContain("request-consent");
  });
});
