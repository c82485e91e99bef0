/**
 * Devices: the list with QR codes, create and edit (responsible employees and
 * teams, the assistant's buttons), the printable QR sheet, and a new session from
 * a device.
 */

import { useState } from "preact/hooks";
import type { Device } from "../lib/backoffice-api";
import { t } from "../i18n";
import { Dialog } from "../ui/components/Dialog";
import { ProblemAlert } from "../ui/components/ProblemAlert";
import { useBackOffice } from "./context";
import { CreateSessionDialog } from "./CreateSessionDialog";
import { DeviceForm } from "./DeviceForm";
import { useAction, useLoad } from "./hooks";

type Editing = { kind: "new" } | { kind: "edit"; device: Device } | { kind: "session"; device: Device } | null;

export function DevicesPage() {
  const bo = useBackOffice();
  const devices = useLoad(() => bo.api.devices(), []);
  const employees = useLoad(() => bo.api.employees(), []);
  const teams = useLoad(() => bo.api.teams(), []);
  const [editing, setEditing] = useState<Editing>(null);
  const close = () => {
    setEditing(null);
  };
  const names = new Map((employees.data ?? []).map((e) => [e.id, e.name]));
  const teamNames = new Map((teams.data ?? []).map((team) => [team.id, team.name]));

  return (
    <section aria-labelledby="devices-title">
      <div class="bo-title">
        <h1 id="devices-title">{t("bo.devices.title")}</h1>
        <a class="button" href={bo.api.qrSheetUrl} target="_blank" rel="noopener" data-testid="qr-sheet">
          {t("bo.devices.printSheet")}
        </a>
        <button type="button" class="primary" onClick={() => { setEditing({ kind: "new" }); }} data-testid="new-device">
          {t("bo.devices.new")}
        </button>
      </div>
      <ProblemAlert error={devices.error ?? employees.error ?? teams.error} />
      {devices.loading && !devices.data && <p class="muted">{t("bo.loading")}</p>}
      {devices.data?.length === 0 && <p class="muted">{t("bo.devices.empty")}</p>}
      <ul class="cards" data-testid="devices">
        {(devices.data ?? []).map((device) => (
          <li key={device.id} class="card" data-testid="device" data-device-id={device.id} data-code={device.code}>
            <img class="qr-small" src={bo.api.deviceQrUrl(device.id)} alt={t("bo.devices.qrOf", { name: device.name })} width={96} height={96} loading="lazy" />
            <div class="card-main">
              <h2 class="card-title">{device.name}</h2>
              <p class="muted small">
                {device.location}
                {device.location ? " · " : ""}
                {t("bo.devices.code")}: <code>{device.code}</code>
              </p>
              <p class="small">
                {t("bo.devices.responsibleEmployees")}:{" "}
                {device.responsible_employee_ids.map((id) => names.get(id) ?? `#${id}`).join(", ") || t("bo.none")}
                <br />
                {t("bo.devices.responsibleTeams")}:{" "}
                {device.responsible_team_ids.map((id) => teamNames.get(id) ?? `#${id}`).join(", ") || t("bo.none")}
              </p>
              <div class="button-row">
                <button type="button" class="primary" onClick={() => { setEditing({ kind: "session", device }); }} data-testid="device-new-session">
                  {t("bo.devices.newSession")}
                </button>
                <button type="button" onClick={() => { setEditing({ kind: "edit", device }); }} data-testid="edit-device">
                  {t("bo.edit")}
                </button>
                <a class="button" href={device.page_url} target="_blank" rel="noopener">
                  {t("bo.devices.page")}
                </a>
              </div>
            </div>
          </li>
        ))}
      </ul>
      {editing?.kind === "session" && <CreateSessionDialog deviceId={editing.device.id} onClose={close} />}
      {(editing?.kind === "new" || editing?.kind === "edit") && (
        <Dialog title={editing.kind === "new" ? t("bo.devices.new") : editing.device.name} onClose={close} testId="device-dialog">
          <DeviceForm
            device={editing.kind === "edit" ? editing.device : null}
            employees={employees.data ?? []}
            teams={teams.data ?? []}
            onSaved={() => {
              close();
              devices.reload();
            }}
          />
          {editing.kind === "edit" && (
            <DeleteDevice
              device={editing.device}
              onDeleted={() => {
                close();
                devices.reload();
              }}
            />
          )}
        </Dialog>
      )}
    </section>
  );
}

/** Delete a device, after saying what happens to its sessions (they keep their history). */
function DeleteDevice({ device, onDeleted }: { device: Device; onDeleted: () => void }) {
  const bo = useBackOffice();
  const [asking, setAsking] = useState(false);
  const action = useAction();
  return (
    <section class="danger-zone" aria-labelledby="delete-device-title">
      <h3 id="delete-device-title">{t("bo.devices.delete")}</h3>
      {asking ? (
        <>
          <p role="alert">{t("bo.devices.deleteQuestion", { name: device.name })}</p>
          <div class="button-row">
            <button type="button" onClick={() => { setAsking(false); }}>
              {t("bo.cancelEdit")}
            </button>
            <button
              type="button"
              class="danger"
              disabled={action.busy}
              data-testid="delete-device-confirm"
              onClick={() => {
                void action.run(async () => {
                  await bo.api.deleteDevice(device.id);
                  onDeleted();
                });
              }}
            >
              {t("bo.devices.deleteYes")}
            </button>
          </div>
        </>
      ) : (
        <button type="button" class="danger" onClick={() => { setAsking(true); }} data-testid="delete-device">
          {t("bo.devices.delete")}
        </button>
      )}
      <ProblemAlert error={action.error} />
    </section>
  );
}
