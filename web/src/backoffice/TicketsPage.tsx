/** Tickets: list, create, close or reopen, link to a session, and a new session from a ticket. */

import { useState } from "preact/hooks";
import type { Ticket } from "../lib/backoffice-api";
import { t } from "../i18n";
import { Dialog } from "../ui/components/Dialog";
import { ProblemAlert } from "../ui/components/ProblemAlert";
import { toast } from "../ui/dom";
import { useBackOffice } from "./context";
import { CreateSessionDialog } from "./CreateSessionDialog";
import { FormEnd } from "./FormEnd";
import { useAction, useLoad } from "./hooks";

type Open = { kind: "new" } | { kind: "edit"; ticket: Ticket } | { kind: "session"; ticket: Ticket } | { kind: "link"; ticket: Ticket } | null;

export function TicketsPage() {
  const bo = useBackOffice();
  const tickets = useLoad(() => bo.api.tickets(), []);
  const devices = useLoad(() => bo.api.devices(), []);
  const [open, setOpen] = useState<Open>(null);
  const action = useAction();
  const deviceNames = new Map((devices.data ?? []).map((d) => [d.id, d.name]));
  const close = () => {
    setOpen(null);
  };

  const setStatus = (ticket: Ticket, status: Ticket["status"]) => {
    void action.run(async () => {
      await bo.api.updateTicket(ticket.id, { status });
      tickets.reload();
    });
  };

  return (
    <section aria-labelledby="tickets-title">
      <div class="bo-title">
        <h1 id="tickets-title">{t("bo.tickets.title")}</h1>
        <button type="button" class="primary" onClick={() => { setOpen({ kind: "new" }); }} data-testid="new-ticket">
          {t("bo.tickets.new")}
        </button>
      </div>
      <ProblemAlert error={tickets.error ?? devices.error} />
      <ProblemAlert error={action.error} testId="action-problem" />
      {tickets.data?.length === 0 && <p class="muted">{t("bo.tickets.empty")}</p>}
      {(tickets.data?.length ?? 0) > 0 && (
        <table class="bo-table" data-testid="tickets">
          <thead>
            <tr>
              <th scope="col">{t("bo.table.number")}</th>
              <th scope="col">{t("bo.tickets.name")}</th>
              <th scope="col">{t("bo.tickets.device")}</th>
              <th scope="col">{t("bo.tickets.status")}</th>
              <th scope="col">{t("bo.table.actions")}</th>
            </tr>
          </thead>
          <tbody>
            {(tickets.data ?? []).map((ticket) => (
              <tr key={ticket.id} data-testid="ticket" data-ticket-id={ticket.id}>
                <td data-label={t("bo.table.number")}>{ticket.number}</td>
                <td data-label={t("bo.tickets.name")}>
                  {ticket.title}
                  {ticket.description && <div class="muted small clamp">{ticket.description}</div>}
                </td>
                <td data-label={t("bo.tickets.device")}>{ticket.device_id !== null ? deviceNames.get(ticket.device_id) ?? "" : ""}</td>
                <td data-label={t("bo.tickets.status")}>{t(ticket.status === "open" ? "bo.tickets.status.open" : "bo.tickets.status.closed")}</td>
                <td class="row-actions">
                  <button type="button" class="primary" onClick={() => { setOpen({ kind: "session", ticket }); }} data-testid="ticket-new-session">
                    {t("bo.tickets.newSession")}
                  </button>
                  <button type="button" onClick={() => { setOpen({ kind: "edit", ticket }); }} data-testid="edit-ticket">
                    {t("bo.edit")}
                  </button>
                  <button type="button" onClick={() => { setOpen({ kind: "link", ticket }); }} data-testid="ticket-link">
                    {t("bo.tickets.linkTo")}
                  </button>
                  <button type="button" disabled={action.busy} onClick={() => { setStatus(ticket, ticket.status === "open" ? "closed" : "open"); }}>
                    {t(ticket.status === "open" ? "bo.tickets.close" : "bo.tickets.reopen")}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {open?.kind === "session" && <CreateSessionDialog ticketId={open.ticket.id} onClose={close} />}
      {(open?.kind === "new" || open?.kind === "edit") && (
        <TicketDialog
          ticket={open.kind === "edit" ? open.ticket : null}
          devices={(devices.data ?? []).map((d) => ({ id: d.id, name: d.name }))}
          onClose={close}
          onSaved={() => {
            close();
            tickets.reload();
          }}
        />
      )}
      {open?.kind === "link" && <LinkDialog ticket={open.ticket} onClose={close} />}
    </section>
  );
}

interface TicketDialogProps {
  /** Null: a new ticket. */
  ticket: Ticket | null;
  devices: { id: number; name: string }[];
  onClose: () => void;
  onSaved: () => void;
}

function TicketDialog({ ticket, devices, onClose, onSaved }: TicketDialogProps) {
  const bo = useBackOffice();
  const [title, setTitle] = useState(ticket?.title ?? "");
  const [description, setDescription] = useState(ticket?.description ?? "");
  const [device, setDevice] = useState(ticket?.device_id ? String(ticket.device_id) : "");
  const action = useAction();
  const save = async () => {
    const deviceId = device ? Number(device) : null;
    if (ticket) {
      // The API keeps a ticket's device when none is sent (it cannot be unset).
      await bo.api.updateTicket(ticket.id, deviceId === null ? { title, description } : { title, description, device_id: deviceId });
    } else {
      await bo.api.createTicket({ title, description, device_id: deviceId });
    }
    onSaved();
  };
  return (
    <Dialog title={ticket ? t("bo.tickets.editTitle", { number: ticket.number }) : t("bo.tickets.new")} onClose={onClose} testId="ticket-dialog">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void action.run(save);
        }}
      >
        <label>
          {t("bo.tickets.name")}
          <input type="text" required maxLength={300} value={title} onInput={(e) => { setTitle(e.currentTarget.value); }} data-testid="ticket-title" />
        </label>
        <label>
          {t("bo.tickets.description")}
          <textarea rows={3} maxLength={5000} value={description} onInput={(e) => { setDescription(e.currentTarget.value); }} data-testid="ticket-description" />
        </label>
        <label>
          {t("bo.tickets.device")}
          <select value={device} onChange={(e) => { setDevice(e.currentTarget.value); }} data-testid="ticket-device">
            <option value="">{t("bo.create.noDevice")}</option>
            {devices.map((d) => (
              <option key={d.id} value={d.id}>
                {d.name}
              </option>
            ))}
          </select>
        </label>
        <FormEnd action={action} testId="ticket-save" />
      </form>
    </Dialog>
  );
}

function LinkDialog({ ticket, onClose }: { ticket: Ticket; onClose: () => void }) {
  const bo = useBackOffice();
  const sessions = useLoad(() => bo.api.sessions({ statuses: [], q: "", sort: "-created_at" }), []);
  const [pick, setPick] = useState("");
  const action = useAction();
  return (
    <Dialog title={t("bo.tickets.linkTo")} onClose={onClose} testId="link-dialog">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void action.run(async () => {
            const session = await bo.api.linkTicket(Number(pick), ticket.id);
            toast(t("bo.tickets.linked.done", { ticket: ticket.number, session: session.number }));
            onClose();
          });
        }}
      >
        <label>
          {t("bo.tickets.linkSession")}
          <select required value={pick} onChange={(e) => { setPick(e.currentTarget.value); }} data-testid="link-session-pick">
            <option value="">{t("bo.tickets.linkSession")}</option>
            {(sessions.data?.items ?? []).map((s) => (
              <option key={s.id} value={s.id}>
                {s.number} · {s.title || s.reason}
              </option>
            ))}
          </select>
        </label>
        <ProblemAlert error={sessions.error ?? action.error} />
        <button type="submit" class="primary" disabled={action.busy || !pick} data-testid="link-save">
          {t("bo.add")}
        </button>
      </form>
    </Dialog>
  );
}
