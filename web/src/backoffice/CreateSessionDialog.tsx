/**
 * Create a session (CONFIRMED at once) from the table, a device or a ticket, then
 * hand the customer its invitation.
 */

import { useEffect, useState } from "preact/hooks";
import type { SessionDetails } from "../lib/backoffice-api";
import type { Visibility } from "../lib/events";
import { t } from "../i18n";
import { Dialog } from "../ui/components/Dialog";
import { ProblemAlert } from "../ui/components/ProblemAlert";
import { useBackOffice } from "./context";
import { FormEnd } from "./FormEnd";
import { useAction, useLoad } from "./hooks";
import { InvitePanel } from "./InvitePanel";

export interface CreateSessionProps {
  deviceId?: number | null;
  ticketId?: number | null;
  onClose: () => void;
}

function optionalId(value: string): number | null {
  return value ? Number(value) : null;
}

export function CreateSessionDialog({ deviceId = null, ticketId = null, onClose }: CreateSessionProps) {
  const bo = useBackOffice();
  const devices = useLoad(() => bo.api.devices(), []);
  const tickets = useLoad(() => bo.api.tickets(), []);
  const [title, setTitle] = useState("");
  const [reason, setReason] = useState("");
  const [device, setDevice] = useState<number | null>(deviceId);
  const [ticket, setTicket] = useState<number | null>(ticketId);
  const [visibility, setVisibility] = useState<Visibility>("public");
  const [created, setCreated] = useState<SessionDetails | null>(null);
  const action = useAction();

  const chooseTicket = (id: number | null) => {
    setTicket(id);
    const picked = tickets.data?.find((candidate) => candidate.id === id);
    if (picked) {
      if (!title) setTitle(picked.title);
      if (picked.device_id !== null && device === null) setDevice(picked.device_id);
    }
  };

  // From a ticket: its title and device are the starting point.
  useEffect(() => {
    if (ticketId !== null && tickets.data) {
      chooseTicket(ticketId);
    }
    // Once, when the tickets arrive.
  }, [tickets.data]);

  const submit = (event: Event) => {
    event.preventDefault();
    void action.run(async () => {
      setCreated(
        await bo.api.createSession({ title, reason, device_id: device, ticket_id: ticket, visibility }),
      );
    });
  };

  return (
    <Dialog title={t("bo.create.title")} onClose={onClose} testId="create-session-dialog">
      {created ? (
        <div data-testid="session-created" data-session-id={created.id}>
          <p role="status">{t("bo.create.done", { number: created.number })}</p>
          <InvitePanel sessionId={created.id} number={created.number} />
          <div class="button-row">
            <button
              type="button"
              class="primary"
              data-testid="open-created"
              onClick={() => {
                onClose();
                bo.navigate({ name: "session", id: created.id, tab: "general" });
              }}
            >
              {t("bo.create.openSession")}
            </button>
          </div>
        </div>
      ) : (
        <form onSubmit={submit} aria-busy={action.busy}>
          <label>
            {t("bo.create.name")}
            <input type="text" value={title} maxLength={300} onInput={(e) => { setTitle(e.currentTarget.value); }} data-testid="create-title" />
          </label>
          <label>
            {t("bo.create.reason")}
            <textarea value={reason} maxLength={5000} rows={3} onInput={(e) => { setReason(e.currentTarget.value); }} data-testid="create-reason" />
          </label>
          <label>
            {t("bo.create.device")}
            <select value={device ?? ""} onChange={(e) => { setDevice(optionalId(e.currentTarget.value)); }} data-testid="create-device">
              <option value="">{t("bo.create.noDevice")}</option>
              {(devices.data ?? []).map((d) => (
                <option key={d.id} value={d.id}>
                  {d.name}
                  {d.location ? ` (${d.location})` : ""}
                </option>
              ))}
            </select>
          </label>
          <label>
            {t("bo.create.ticket")}
            <select value={ticket ?? ""} onChange={(e) => { chooseTicket(optionalId(e.currentTarget.value)); }} data-testid="create-ticket">
              <option value="">{t("bo.create.noTicket")}</option>
              {(tickets.data ?? []).map((candidate) => (
                <option key={candidate.id} value={candidate.id}>
                  {candidate.number} · {candidate.title}
                </option>
              ))}
            </select>
          </label>
          <label>
            {t("bo.create.visibility")}
            <select value={visibility} onChange={(e) => { setVisibility(e.currentTarget.value as Visibility); }} data-testid="create-visibility">
              <option value="public">{t("bo.visibility.public")}</option>
              <option value="internal">{t("bo.visibility.internal")}</option>
            </select>
          </label>
          <ProblemAlert error={devices.error ?? tickets.error} />
          <FormEnd action={action} label={t("bo.create.submit")} testId="create-submit" />
        </form>
      )}
    </Dialog>
  );
}
