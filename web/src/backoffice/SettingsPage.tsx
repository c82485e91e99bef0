/**
 * Settings: the organisation's (recording module, who may request, the request
 * form's steps and topics; administrators change them) and my own notifications.
 */

import { useEffect, useState } from "preact/hooks";
import type { RequestStep } from "../lib/api";
import type { NotificationPreferences, Organisation, OrganisationSettings } from "../lib/backoffice-api";
import { t, type MessageKey } from "../i18n";
import { ProblemAlert } from "../ui/components/ProblemAlert";
import { PushToggle } from "../ui/components/PushToggle";
import { isAdministrator, useBackOffice } from "./context";
import { useAction, useLoad } from "./hooks";

const STEPS: RequestStep[] = ["reason", "contact", "labels", "consent"];

export function SettingsPage() {
  const bo = useBackOffice();
  const organisation = useLoad(() => bo.api.organisation(), []);
  return (
    <section aria-labelledby="settings-title">
      <h1 id="settings-title">{t("bo.settings.title")}</h1>
      <ProblemAlert error={organisation.error} />
      {organisation.data && (
        <OrganisationForm
          organisation={organisation.data}
          editable={isAdministrator(bo.me)}
          onSaved={organisation.set}
        />
      )}
      <NotificationsForm />
      <PushToggle http={bo.api.http} />
    </section>
  );
}

/** Steps in their order: the chosen ones first (as ordered), then the others. */
function orderedSteps(chosen: RequestStep[]): RequestStep[] {
  return [...chosen, ...STEPS.filter((step) => !chosen.includes(step))];
}

function OrganisationForm({ organisation, editable, onSaved }: { organisation: Organisation; editable: boolean; onSaved: (o: Organisation) => void }) {
  const bo = useBackOffice();
  const [name, setName] = useState(organisation.name);
  const [settings, setSettings] = useState<OrganisationSettings>(organisation.settings);
  const [labels, setLabels] = useState(organisation.settings.labels.join("\n"));
  const [saved, setSaved] = useState(false);
  const action = useAction();
  const steps = orderedSteps(settings.request_steps);
  const patch = (next: Partial<OrganisationSettings>) => {
    setSaved(false);
    setSettings({ ...settings, ...next });
  };
  const toggleStep = (step: RequestStep, on: boolean) => {
    const chosen = settings.request_steps.filter((s) => s !== step);
    patch({ request_steps: on ? steps.filter((s) => s === step || chosen.includes(s)) : chosen });
  };
  const moveStep = (step: RequestStep, by: number) => {
    const chosen = [...settings.request_steps];
    const index = chosen.indexOf(step);
    const target = index + by;
    if (index < 0 || target < 0 || target >= chosen.length) return;
    chosen.splice(index, 1);
    chosen.splice(target, 0, step);
    patch({ request_steps: chosen });
  };

  const submit = (event: Event) => {
    event.preventDefault();
    const cleaned = labels
      .split("\n")
      .map((label) => label.trim())
      .filter(Boolean);
    void action.run(async () => {
      const updated = await bo.api.updateOrganisation({ name, settings: { ...settings, labels: cleaned } });
      onSaved(updated);
      setSaved(true);
    });
  };

  return (
    <form onSubmit={submit} aria-busy={action.busy} data-testid="organisation-form">
      <h2>{t("bo.settings.organisation")}</h2>
      {!editable && <p class="notice">{t("bo.adminsOnly")}</p>}
      <fieldset disabled={!editable || action.busy}>
        <label>
          {t("bo.settings.orgName")}
          <input type="text" required maxLength={200} value={name} onInput={(e) => { setName(e.currentTarget.value); setSaved(false); }} />
        </label>
        <label class="inline">
          <input
            type="checkbox"
            checked={settings.recording_allowed}
            onChange={(e) => { patch({ recording_allowed: e.currentTarget.checked }); }}
            data-testid="setting-recording"
          />
          {t("bo.settings.recording")}
        </label>
        <fieldset>
          <legend>{t("bo.settings.whoMayRequest")}</legend>
          {(["anyone", "nobody"] as const).map((policy) => (
            <label class="inline" key={policy}>
              <input
                type="radio"
                name="who_may_request"
                value={policy}
                checked={settings.who_may_request === policy}
                onChange={() => { patch({ who_may_request: policy }); }}
                data-testid={`setting-policy-${policy}`}
              />
              {t(`bo.settings.policy.${policy}` as MessageKey)}
            </label>
          ))}
          <label>
            {t("bo.settings.contactHint")}
            <input type="text" maxLength={500} value={settings.request_contact_hint} onInput={(e) => { patch({ request_contact_hint: e.currentTarget.value }); }} />
          </label>
        </fieldset>
        <fieldset data-testid="setting-steps">
          <legend>{t("bo.settings.steps")}</legend>
          <ol class="steps">
            {steps.map((step) => {
              const on = settings.request_steps.includes(step);
              const index = settings.request_steps.indexOf(step);
              const label = t(`bo.settings.step.${step}` as MessageKey);
              return (
                <li key={step}>
                  <label class="inline">
                    <input type="checkbox" checked={on} onChange={(e) => { toggleStep(step, e.currentTarget.checked); }} data-testid={`setting-step-${step}`} />
                    {label}
                  </label>
                  {on && (
                    <span class="button-row">
                      <button type="button" disabled={index === 0} aria-label={`${label}: ${t("bo.devices.moveUp")}`} onClick={() => { moveStep(step, -1); }}>
                        ↑
                      </button>
                      <button
                        type="button"
                        disabled={index === settings.request_steps.length - 1}
                        aria-label={`${label}: ${t("bo.devices.moveDown")}`}
                        onClick={() => { moveStep(step, 1); }}
                      >
                        ↓
                      </button>
                    </span>
                  )}
                </li>
              );
            })}
          </ol>
        </fieldset>
        <label>
          {t("bo.settings.labels")}
          <textarea rows={4} value={labels} onInput={(e) => { setLabels(e.currentTarget.value); setSaved(false); }} />
        </label>
      </fieldset>
      <ProblemAlert error={action.error} testId="settings-problem" />
      {saved && (
        <p role="status" data-testid="settings-saved">
          {t("bo.saved")}
        </p>
      )}
      {editable && (
        <button type="submit" class="primary" disabled={action.busy} data-testid="settings-save">
          {action.busy ? t("bo.saving") : t("bo.save")}
        </button>
      )}
    </form>
  );
}

function NotificationsForm() {
  const bo = useBackOffice();
  const loaded = useLoad(() => bo.api.preferences(), []);
  const [prefs, setPrefs] = useState<NotificationPreferences | null>(null);
  const [saved, setSaved] = useState(false);
  const action = useAction();
  useEffect(() => {
    if (loaded.data) setPrefs(loaded.data);
  }, [loaded.data]);

  const channels: (keyof NotificationPreferences)[] = ["in_app", "email", "web_push"];
  const labels: Record<keyof NotificationPreferences, MessageKey> = {
    in_app: "bo.settings.inApp",
    email: "bo.settings.email",
    web_push: "bo.settings.webPush",
  };
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        if (!prefs) return;
        void action.run(async () => {
          setPrefs(await bo.api.setPreferences(prefs));
          setSaved(true);
        });
      }}
    >
      <h2>{t("bo.settings.notifications")}</h2>
      <ProblemAlert error={loaded.error ?? action.error} />
      {prefs && (
        <fieldset disabled={action.busy}>
          <legend class="visually-hidden">{t("bo.settings.notifications")}</legend>
          {channels.map((channel) => (
            <label class="inline" key={channel}>
              <input
                type="checkbox"
                checked={prefs[channel]}
                onChange={(e) => {
                  setSaved(false);
                  setPrefs({ ...prefs, [channel]: e.currentTarget.checked });
                }}
              />
              {t(labels[channel])}
            </label>
          ))}
          {saved && <p role="status">{t("bo.saved")}</p>}
          <button type="submit">{action.busy ? t("bo.saving") : t("bo.save")}</button>
        </fieldset>
      )}
    </form>
  );
}
