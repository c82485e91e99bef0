/**
 * An invite link (/i/<token>) that an employee handed to a customer: joining makes
 * this browser a code user of the session. With a device, the customer continues on
 * the device page; without one, this page shows the session and its call.
 */

import { render } from "preact";
import { useEffect, useMemo, useState } from "preact/hooks";
import { CodeUserApi, type AcceptedInvite } from "../lib/api";
import { ApiError } from "../lib/api-client";
import { t } from "../i18n";
import { OfflineBanner } from "../ui/components/OfflineBanner";
import { PageFrame } from "../ui/components/PageFrame";
import { problemText } from "../ui/problem-text";
import { OwnSessionList } from "./OwnSessionList";
import { useOwnSessions } from "./useOwnSessions";

type Loaded = { kind: "loading" } | { kind: "failed"; text: string } | { kind: "ready"; accepted: AcceptedInvite };

function Ready({ api, accepted }: { api: CodeUserApi; accepted: AcceptedInvite }) {
  const own = useOwnSessions(api);
  useEffect(() => {
    document.title = `${accepted.session.title} · Fernblick`;
  }, [accepted.session.title]);
  return (
    <>
      <header>
        <h1 data-testid="invite-title">{accepted.session.title}</h1>
        <p class="muted">{accepted.organisation_name}</p>
      </header>
      <OfflineBanner status={own.status} />
      <OwnSessionList api={api} own={own} />
    </>
  );
}

export function InvitePage({ inviteToken }: { inviteToken: string }) {
  const api = useMemo(() => new CodeUserApi(localStorage, (input, init) => fetch(input, init)), []);
  const [loaded, setLoaded] = useState<Loaded>({ kind: "loading" });

  useEffect(() => {
    api.acceptInvite(inviteToken).then(
      (accepted) => {
        if (accepted.device_code) {
          location.replace(`/d/${encodeURIComponent(accepted.device_code)}`);
          return;
        }
        setLoaded({ kind: "ready", accepted });
      },
      (error: unknown) => {
        const text = error instanceof ApiError && [404, 409].includes(error.status) ? t("invite.invalid") : problemText(error);
        setLoaded({ kind: "failed", text });
      },
    );
  }, [api, inviteToken]);

  return (
    <PageFrame
      class="code-user"
      loadingText={t("invite.loading")}
      failure={loaded.kind === "failed" ? loaded.text : null}
      content={loaded.kind === "ready" ? () => <Ready api={api} accepted={loaded.accepted} /> : null}
    />
  );
}

export function invitePage(root: HTMLElement, inviteToken: string): void {
  render(<InvitePage inviteToken={inviteToken} />, root);
}
