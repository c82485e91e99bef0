/**
 * Hands the code user an invitation link to a session: copy it, send it by e-mail,
 * or let them scan its QR code from the screen.
 */

import { useRef, useState } from "preact/hooks";
import type { Invite } from "../lib/backoffice-api";
import { t } from "../i18n";
import { ProblemAlert } from "../ui/components/ProblemAlert";
import { dateTime } from "../ui/format";
import { useBackOffice } from "./context";
import { useAction } from "./hooks";

export function mailtoHref(invite: Invite, number: number): string {
  const expires = dateTime(invite.expires_at);
  const subject = t("bo.invite.emailSubject", { number });
  const body = t("bo.invite.emailBody", { url: invite.url, expires });
  return `mailto:?subject=${encodeURIComponent(subject)}&body=${encodeURIComponent(body)}`;
}

export function InvitePanel({ sessionId, number }: { sessionId: number; number: number }) {
  const bo = useBackOffice();
  const [invite, setInvite] = useState<Invite | null>(null);
  const [copied, setCopied] = useState<string | null>(null);
  const action = useAction();
  const urlRef = useRef<HTMLInputElement>(null);

  const create = () => {
    void action.run(async () => {
      setInvite(await bo.api.invite(sessionId));
      setCopied(null);
    });
  };

  const copy = () => {
    if (!invite) return;
    navigator.clipboard
      .writeText(invite.url)
      .then(() => {
        setCopied(t("bo.invite.copied"));
      })
      .catch(() => {
        urlRef.current?.select();
        setCopied(t("bo.invite.copyFailed"));
      });
  };

  return (
    <section class="invite" aria-labelledby={`invite-${sessionId}`} data-testid="invite-panel">
      <h2 id={`invite-${sessionId}`}>{t("bo.invite.title")}</h2>
      <button type="button" onClick={create} disabled={action.busy} aria-busy={action.busy} data-testid="invite-create">
        {action.busy ? t("bo.loading") : t(invite ? "bo.invite.again" : "bo.invite.create")}
      </button>
      <ProblemAlert error={action.error} />
      {invite && (
        <div class="invite-body">
          <div class="invite-text">
            <label>
              {t("bo.invite.link")}
              <input ref={urlRef} type="text" readOnly value={invite.url} data-testid="invite-url" onFocus={(e) => { e.currentTarget.select(); }} />
            </label>
            <div class="button-row">
              <button type="button" onClick={copy} data-testid="invite-copy">
                {t("bo.invite.copy")}
              </button>
              <a class="button" href={mailtoHref(invite, number)} data-testid="invite-email">
                {t("bo.invite.email")}
              </a>
            </div>
            {copied && (
              <p role="status" class="small">
                {copied}
              </p>
            )}
            <p class="muted small">{t("bo.invite.expires", { expires: dateTime(invite.expires_at) })}</p>
          </div>
          <img class="qr" src={invite.qr_data_url} alt={t("bo.invite.qr")} width={220} height={220} data-testid="invite-qr" />
        </div>
      )}
    </section>
  );
}
