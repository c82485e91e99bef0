/** Create or edit a device: name, location, picture, responsible employees and teams, assistant buttons. */

import { useState } from "preact/hooks";
import type { AssistantButton, EmployeeOut } from "../lib/api";
import type { Device, DeviceIn, Team } from "../lib/backoffice-api";
import { t, type MessageKey } from "../i18n";
import { useBackOffice } from "./context";
import { FormEnd } from "./FormEnd";
import { useAction } from "./hooks";

const ACTIONS = ["request_session", "open_url", "call_phone", "show_text"] as const;

interface Props {
  device: Device | null;
  employees: EmployeeOut[];
  teams: Team[];
  onSaved: (device: Device) => void;
}

function toggle(ids: number[], id: number, on: boolean): number[] {
  return on ? [...ids.filter((x) => x !== id), id] : ids.filter((x) => x !== id);
}

export function DeviceForm({ device, employees, teams, onSaved }: Props) {
  const bo = useBackOffice();
  const [name, setName] = useState(device?.name ?? "");
  const [location, setLocation] = useState(device?.location ?? "");
  const [picture, setPicture] = useState(device?.picture_url ?? "");
  const [people, setPeople] = useState<number[]>(device?.responsible_employee_ids ?? []);
  const [groups, setGroups] = useState<number[]>(device?.responsible_team_ids ?? []);
  const [buttons, setButtons] = useState<AssistantButton[]>(
    device?.assistant ?? [{ label_de: "Videositzung anfragen", label_en: "Request a video session", action: "request_session", target: "" }],
  );
  const action = useAction();

  const setButton = (index: number, patch: Partial<AssistantButton>) => {
    setButtons(buttons.map((b, i) => (i === index ? { ...b, ...patch } : b)));
  };
  const move = (index: number, step: number) => {
    const next = [...buttons];
    const [item] = next.splice(index, 1);
    if (item) {
      next.splice(index + step, 0, item);
      setButtons(next);
    }
  };

  const submit = (event: Event) => {
    event.preventDefault();
    const body: DeviceIn = {
      name,
      location,
      picture_url: picture,
      assistant: buttons,
      responsible_employee_ids: people,
      responsible_team_ids: groups,
    };
    void action.run(async () => {
      onSaved(device ? await bo.api.updateDevice(device.id, body) : await bo.api.createDevice(body));
    });
  };

  return (
    <form onSubmit={submit} aria-busy={action.busy} data-testid="device-form">
      <label>
        {t("bo.devices.name")}
        <input type="text" required maxLength={200} value={name} onInput={(e) => { setName(e.currentTarget.value); }} data-testid="device-name-input" />
      </label>
      <label>
        {t("bo.devices.location")}
        <input type="text" maxLength={300} value={location} onInput={(e) => { setLocation(e.currentTarget.value); }} data-testid="device-location" />
      </label>
      <label>
        {t("bo.devices.picture")}
        <input type="url" maxLength={1000} value={picture} onInput={(e) => { setPicture(e.currentTarget.value); }} />
      </label>
      <fieldset>
        <legend>{t("bo.devices.responsibleEmployees")}</legend>
        {employees
          .filter((e) => e.active)
          .map((e) => (
            <label class="inline" key={e.id}>
              <input
                type="checkbox"
                checked={people.includes(e.id)}
                onChange={(ev) => { setPeople(toggle(people, e.id, ev.currentTarget.checked)); }}
                data-testid={`device-employee-${e.id}`}
              />
              {e.name}
            </label>
          ))}
      </fieldset>
      <fieldset>
        <legend>{t("bo.devices.responsibleTeams")}</legend>
        {teams.length === 0 && <p class="muted small">{t("bo.none")}</p>}
        {teams.map((team) => (
          <label class="inline" key={team.id}>
            <input type="checkbox" checked={groups.includes(team.id)} onChange={(ev) => { setGroups(toggle(groups, team.id, ev.currentTarget.checked)); }} />
            {team.name}
          </label>
        ))}
      </fieldset>
      <fieldset data-testid="assistant-buttons">
        <legend>{t("bo.devices.assistant")}</legend>
        {buttons.map((b, index) => (
          <fieldset key={index} class="assistant-button">
            <legend>{t("bo.devices.buttonN", { n: index + 1 })}</legend>
            <label>
              {t("bo.devices.labelDe")}
              <input type="text" required maxLength={80} value={b.label_de} onInput={(e) => { setButton(index, { label_de: e.currentTarget.value }); }} />
            </label>
            <label>
              {t("bo.devices.labelEn")}
              <input type="text" required maxLength={80} value={b.label_en} onInput={(e) => { setButton(index, { label_en: e.currentTarget.value }); }} />
            </label>
            <label>
              {t("bo.devices.action")}
              <select value={b.action} onChange={(e) => { setButton(index, { action: e.currentTarget.value as AssistantButton["action"] }); }}>
                {ACTIONS.map((a) => (
                  <option key={a} value={a}>
                    {t(`bo.devices.action.${a}` as MessageKey)}
                  </option>
                ))}
              </select>
            </label>
            {b.action !== "request_session" && (
              <label>
                {t("bo.devices.target")}
                <input type="text" maxLength={2000} value={b.target} onInput={(e) => { setButton(index, { target: e.currentTarget.value }); }} />
              </label>
            )}
            <div class="button-row">
              <button type="button" disabled={index === 0} onClick={() => { move(index, -1); }}>
                {t("bo.devices.moveUp")}
              </button>
              <button type="button" disabled={index === buttons.length - 1} onClick={() => { move(index, 1); }}>
                {t("bo.devices.moveDown")}
              </button>
              <button type="button" onClick={() => { setButtons(buttons.filter((_, i) => i !== index)); }}>
                {t("bo.remove")}
              </button>
            </div>
          </fieldset>
        ))}
        <button
          type="button"
          onClick={() => { setButtons([...buttons, { label_de: "", label_en: "", action: "show_text", target: "" }]); }}
          data-testid="add-assistant-button"
        >
          {t("bo.devices.addButton")}
        </button>
      </fieldset>
      <FormEnd action={action} testId="device-save" />
    </form>
  );
}
