import { describe, expect, it } from "vitest";
import { render } from "preact-render-to-string";
import { EmployeeApi, type MeOut } from "../lib/api";
import { ApiClient } from "../lib/api-client";
import { BackOfficeApi, type SessionDetails } from "../lib/backoffice-api";
import { setLanguage } from "../i18n";
import { BackOfficeContext, type BackOffice } from "./context";
import { SessionActions } from "./SessionActions";

const offline = () => Promise.reject(new Error("no network in this test"));
const me: MeOut = {
  employee: { id: 1, name: "Anna", email: "a@x", role: "employee", language: "en", active: true, team_ids: [] },
  organisation_id: 1,
  organisation_name: "Demo",
  csrf_token: "t",
};
const context: BackOffice = {
  auth: new EmployeeApi(offline),
  api: new BackOfficeApi(new ApiClient({ kind: "employee", csrfToken: null }, offline)),
  me,
  navigate: () => undefined,
  subscribe: () => () => undefined,
  startCall: () => undefined,
  signedOut: () => undefined,
};

function session(extra: Partial<SessionDetails>): SessionDetails {
  return { id: 5, version: 3, visibility: "public", status: "REQUESTED", allowed_actions: [], manual_targets: [], ...extra } as SessionDetails;
}

function buttons(s: SessionDetails): string[] {
  const html = render(
    <BackOfficeContext.Provider value={context}>
      <SessionActions session={s} change={() => Promise.resolve(true)} busy={false} />
    </BackOfficeContext.Provider>,
  );
  return [...html.matchAll(/data-testid="([\w-]+)"/g)].map((m) => m[1] ?? "").filter((id) => id !== "visibility");
}

describe("the session's actions", () => {
  it.each<[Partial<SessionDetails>, string[]]>([
    [{ status: "REQUESTED", allowed_actions: ["confirm", "cancel"], manual_targets: ["CONFIRMED", "CANCELLED"] }, ["confirm", "set-status", "cancel-session"]],
    [{ status: "CONFIRMED", allowed_actions: ["cancel"], manual_targets: ["RUNNING", "CANCELLED"] }, ["start-call", "set-status", "cancel-session"]],
    [{ status: "RUNNING", allowed_actions: ["cancel"], manual_targets: ["DONE", "CANCELLED"] }, ["start-call", "set-status", "cancel-session"]],
    [{ status: "DONE", allowed_actions: ["reopen", "cancel"], manual_targets: ["CONFIRMED", "CANCELLED"] }, ["reopen", "set-status", "cancel-session"]],
    [{ status: "CANCELLED", allowed_actions: [], manual_targets: [] }, []],
  ])("%j offers %j", (extra, expected) => {
    setLanguage("en");
    expect(buttons(session(extra))).toEqual(expected);
  });

  it("names the call button after the status", () => {
    setLanguage("de");
    const html = render(
      <BackOfficeContext.Provider value={context}>
        <SessionActions session={session({ status: "RUNNING" })} change={() => Promise.resolve(true)} busy={false} />
      </BackOfficeContext.Provider>,
    );
    expect(html).toContain("Anruf wieder beitreten");
  });
});
