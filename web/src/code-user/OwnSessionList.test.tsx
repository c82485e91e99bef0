import { afterEach, describe, expect, it } from "vitest";
import { render } from "preact-render-to-string";
import { CodeUserApi, type CodeUserSession } from "../lib/api";
import type { SessionStatus } from "../lib/events";
import { rowFromSummary, type SessionRow } from "../lib/sessions";
import { setLanguage } from "../i18n";
import { CallController } from "../ui/call-controller";
import { OwnSessionList } from "./OwnSessionList";
import type { OwnSessions } from "./useOwnSessions";

const api = new CodeUserApi(new Map() as unknown as Storage, () => Promise.reject(new Error("offline")));

function session(id: number, status: SessionStatus, extra: Partial<CodeUserSession> = {}): CodeUserSession {
  return {
    id,
    number: id,
    title: "Press P-1",
    status,
    device: { id: 1, name: "Press P-1" },
    reason: "Leaks oil",
    recording_consent: true,
    created_at: "2026-11-25T10:00:00Z",
    updated_at: "2026-11-25T10:00:00Z",
    version: 1,
    rating: null,
    artifacts: [],
    recording: null,
    recording_allowed: true,
    ...extra,
  };
}

function own(sessions: CodeUserSession[]): OwnSessions {
  return {
    rows: sessions.map(rowFromSummary).filter((row): row is SessionRow => row !== null),
    status: "live",
    details: new Map(sessions.map((s) => [s.id, s])),
    justFinished: null,
    announcement: "",
    // Never called here: rendering to a string starts no call.
    calls: new CallController({ calls: api.calls, side: "code_user", cameraOn: true, facingMode: "environment", mount: null as unknown as HTMLElement }),
    put: () => undefined,
  };
}

/** The HTML of one session's card. */
function card(s: CodeUserSession): string {
  const html = render(<OwnSessionList api={api} own={own([s])} />);
  return html.slice(html.indexOf('data-testid="session"'));
}

afterEach(() => {
  setLanguage("de");
});

describe("the code user's session cards", () => {
  it("offer what each status allows", () => {
    expect(card(session(1, "REQUESTED"))).toContain('data-testid="withdraw"');
    expect(card(session(1, "REQUESTED"))).not.toContain("start-call");
    expect(card(session(2, "CONFIRMED"))).toContain('data-testid="start-call"');
    expect(card(session(2, "CONFIRMED"))).not.toContain("withdraw");
    expect(card(session(3, "CANCELLED"))).not.toMatch(/withdraw|start-call|rating-form/);
  });

  it("ask for a rating once the session is done, and show it after", () => {
    expect(card(session(4, "DONE"))).toContain('data-testid="rating-form"');
    const rated = card(session(4, "DONE", { rating: { stars: 4, comment: "", created_at: "2026-11-25T11:00:00Z" } }));
    expect(rated).not.toContain("rating-form");
    expect(rated).toContain("Ihre Bewertung: 4 von 5");
  });

  it("list the recordings with a way to open them", () => {
    setLanguage("en");
    const html = card(
      session(5, "DONE", {
        artifacts: [{ id: 9, kind: "recording", content_type: "video/webm", size_bytes: 2_500_000, duration_ms: 4000, state: "stored", upload_attempts: 0, created_at: "2026-11-25T11:00:00Z" }],
      }),
    );
    expect(html).toContain("Recordings and screenshots");
    expect(html).toContain('data-testid="artifact-open"');
    expect(html).toContain("2.5 MB");
  });

  it("say so when there is nothing yet", () => {
    expect(render(<OwnSessionList api={api} own={own([])} />)).toContain('data-testid="sessions-empty"');
  });
});
