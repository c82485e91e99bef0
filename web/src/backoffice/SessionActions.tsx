/** The session's actions: confirm, START, cancel, reopen, set status, visibility. */

import { useState } from "preact/hooks";
import type { SessionDetails } from "../lib/backoffice-api";
import type { SessionStatus, Visibility } from "../lib/events";
import { isCallable } from "../lib/sessions";
import { statusLabel, t } from "../i18n";
import { Dialog } from "../ui/components/Dialog";
import { useBackOffice } from "./context";
import type { Change } from "./SessionPage";

interface Props {
  session: SessionDetails;
  change: Change;
  busy: boolean;
}

export function SessionActions({ session: s, change, busy }: Props) {
  const bo = useBackOffice();
  const [dialog, setDialog] = useState<"cancel" | "status" | null>(null);
  const allowed = new Set(s.allowed_actions);
  const close = () => {
    setDialog(null);
  };

  return (
    <div class="button-row actions" role="group" aria-label={t("bo.actions.label")}>
      {allowed.has("confirm") && (
        <button type="button" disabled={busy} onClick={() => void change(() => bo.api.confirm(s))} data-testid="confirm">
          {t("bo.actions.confirm")}
        </button>
      )}
      {isCallable(s.status) && (
        <button type="button" class="primary" onClick={() => { bo.startCall(s.id); }} data-testid="start-call">
          {s.status === "RUNNING" ? t("sessions.rejoin") : t("sessions.start")}
        </button>
      )}
      {allowed.has("reopen") && (
        <button type="button" disabled={busy} onClick={() => void change(() => bo.api.reopen(s))} data-testid="reopen">
          {t("bo.actions.reopen")}
        </button>
      )}
      {s.manual_targets.length > 0 && (
        <button type="button" disabled={busy} onClick={() => { setDialog("status"); }} data-testid="set-status">
          {t("bo.actions.setStatus")}
        </button>
      )}
      {allowed.has("cancel") && (
        <button type="button" class="danger" disabled={busy} onClick={() => { setDialog("cancel"); }} data-testid="cancel-session">
          {t("bo.actions.cancel")}
        </button>
      )}
      <label class="inline-select">
        {t("bo.actions.visibility")}
        <select
          value={s.visibility}
          disabled={busy}
          data-testid="visibility"
          onChange={(e) => {
            const visibility = e.currentTarget.value as Visibility;
            void change(() => bo.api.setVisibility(s, visibility));
          }}
        >
          <option value="public">{t("bo.visibility.public")}</option>
          <option value="internal">{t("bo.visibility.internal")}</option>
        </select>
      </label>
      {dialog === "cancel" && <CancelDialog session={s} change={change} onClose={close} />}
      {dialog === "status" && <StatusDialog session={s} change={change} onClose={close} />}
    </div>
  );
}

function CancelDialog({ session: s, change, onClose }: { session: SessionDetails; change: Change; onClose: () => void }) {
  const bo = useBackOffice();
  const [reason, setReason] = useState("");
  const [sending, setSending] = useState(false);
  return (
    <Dialog title={t("bo.actions.cancelTitle")} onClose={onClose} testId="cancel-dialog">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          setSending(true);
          void change(() => bo.api.cancel(s, reason)).then(() => {
            setSending(false);
            onClose();
          });
        }}
      >
        <label>
          {t("bo.actions.cancelReason")}
          <textarea rows={3} maxLength={5000} value={reason} onInput={(e) => { setReason(e.currentTarget.value); }} data-testid="cancel-reason" />
        </label>
        <div class="button-row">
          <button type="button" onClick={onClose}>
            {t("bo.cancelEdit")}
          </button>
          <button type="submit" class="danger" disabled={sending} data-testid="cancel-confirm">
            {t("bo.actions.cancelYes")}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

function StatusDialog({ session: s, change, onClose }: { session: SessionDetails; change: Change; onClose: () => void }) {
  const bo = useBackOffice();
  const [status, setStatus] = useState<SessionStatus>(s.manual_targets[0] ?? s.status);
  const [reason, setReason] = useState("");
  const [sending, setSending] = useState(false);
  return (
    <Dialog title={t("bo.actions.setStatusTitle")} onClose={onClose} testId="status-dialog">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          setSending(true);
          void change(() => bo.api.setStatus(s, status, reason)).then(() => {
            setSending(false);
            onClose();
          });
        }}
      >
        <label>
          {t("bo.actions.newStatus")}
          <select value={status} onChange={(e) => { setStatus(e.currentTarget.value as SessionStatus); }} data-testid="status-target">
            {s.manual_targets.map((target) => (
              <option key={target} value={target}>
                {statusLabel(target)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t("bo.actions.statusReason")}
          <textarea rows={2} maxLength={5000} value={reason} onInput={(e) => { setReason(e.currentTarget.value); }} data-testid="status-reason" />
        </label>
        <div class="button-row">
          <button type="button" onClick={onClose}>
            {t("bo.cancelEdit")}
          </button>
          <button type="submit" class="primary" disabled={sending} data-testid="status-confirm">
            {t("bo.actions.setStatus")}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
