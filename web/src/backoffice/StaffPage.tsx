/** Employees and teams (administrators): create, change role, language and activity, team members. */

import { useState } from "preact/hooks";
import type { EmployeeOut } from "../lib/api";
import type { EmployeeIn, Role, Team } from "../lib/backoffice-api";
import { t, type MessageKey } from "../i18n";
import { Dialog } from "../ui/components/Dialog";
import { ProblemAlert } from "../ui/components/ProblemAlert";
import { isAdministrator, useBackOffice } from "./context";
import { FormEnd } from "./FormEnd";
import { useAction, useLoad } from "./hooks";

const ROLES: Role[] = ["administrator", "moderator", "employee"];

type Open = { kind: "employee" } | { kind: "password"; employee: EmployeeOut } | { kind: "team"; team: Team | null } | null;

export function StaffPage() {
  const bo = useBackOffice();
  const employees = useLoad(() => bo.api.employees(), []);
  const teams = useLoad(() => bo.api.teams(), []);
  const [open, setOpen] = useState<Open>(null);
  const action = useAction();
  const close = () => {
    setOpen(null);
  };

  if (!isAdministrator(bo.me)) {
    return <p class="notice">{t("bo.adminsOnly")}</p>;
  }
  const update = (employee: EmployeeOut, patch: Parameters<typeof bo.api.updateEmployee>[1]) => {
    void action.run(async () => {
      await bo.api.updateEmployee(employee.id, patch);
      employees.reload();
    });
  };
  const names = new Map((employees.data ?? []).map((e) => [e.id, e.name]));

  return (
    <section aria-labelledby="staff-title">
      <h1 id="staff-title">{t("bo.staff.title")}</h1>
      <ProblemAlert error={employees.error ?? teams.error} />
      <ProblemAlert error={action.error} testId="action-problem" />
      <div class="bo-title">
        <h2>{t("bo.staff.employees")}</h2>
        <button type="button" class="primary" onClick={() => { setOpen({ kind: "employee" }); }} data-testid="new-employee">
          {t("bo.staff.newEmployee")}
        </button>
      </div>
      <table class="bo-table" data-testid="employees">
        <thead>
          <tr>
            <th scope="col">{t("bo.staff.name")}</th>
            <th scope="col">{t("bo.staff.email")}</th>
            <th scope="col">{t("bo.staff.role")}</th>
            <th scope="col">{t("bo.staff.language")}</th>
            <th scope="col">{t("bo.staff.active")}</th>
            <th scope="col">{t("bo.table.actions")}</th>
          </tr>
        </thead>
        <tbody>
          {(employees.data ?? []).map((e) => (
            <tr key={e.id} data-testid="employee" data-employee-id={e.id}>
              <td data-label={t("bo.staff.name")}>
                {e.name} {e.id === bo.me.employee.id && <span class="muted">{t("bo.staff.you")}</span>}
              </td>
              <td data-label={t("bo.staff.email")}>{e.email}</td>
              <td data-label={t("bo.staff.role")}>
                <select
                  aria-label={`${t("bo.staff.role")}: ${e.name}`}
                  value={e.role}
                  disabled={action.busy}
                  onChange={(ev) => { update(e, { role: ev.currentTarget.value as Role }); }}
                >
                  {ROLES.map((role) => (
                    <option key={role} value={role}>
                      {t(`bo.staff.role.${role}` as MessageKey)}
                    </option>
                  ))}
                </select>
              </td>
              <td data-label={t("bo.staff.language")}>
                <select
                  aria-label={`${t("bo.staff.language")}: ${e.name}`}
                  value={e.language}
                  disabled={action.busy}
                  onChange={(ev) => { update(e, { language: ev.currentTarget.value as "de" | "en" }); }}
                >
                  <option value="de">{t("bo.staff.lang.de")}</option>
                  <option value="en">{t("bo.staff.lang.en")}</option>
                </select>
              </td>
              <td data-label={t("bo.staff.active")}>
                <input
                  type="checkbox"
                  aria-label={`${t("bo.staff.active")}: ${e.name}`}
                  checked={e.active}
                  disabled={action.busy}
                  onChange={(ev) => { update(e, { active: ev.currentTarget.checked }); }}
                />
              </td>
              <td>
                <button type="button" class="link" onClick={() => { setOpen({ kind: "password", employee: e }); }} data-testid="set-password">
                  {t("bo.staff.setPassword")}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>

      <div class="bo-title">
        <h2>{t("bo.staff.teams")}</h2>
        <button type="button" onClick={() => { setOpen({ kind: "team", team: null }); }} data-testid="new-team">
          {t("bo.staff.newTeam")}
        </button>
      </div>
      <ul class="plain" data-testid="teams">
        {(teams.data ?? []).map((team) => (
          <li key={team.id}>
            <strong>{team.name}</strong>: {team.member_ids.map((id) => names.get(id) ?? `#${id}`).join(", ") || t("bo.none")}{" "}
            <button type="button" class="link" onClick={() => { setOpen({ kind: "team", team }); }}>
              {t("bo.edit")}
            </button>
          </li>
        ))}
      </ul>
      {open?.kind === "employee" && (
        <EmployeeDialog
          onClose={close}
          onSaved={() => {
            close();
            employees.reload();
          }}
        />
      )}
      {open?.kind === "password" && <PasswordDialog employee={open.employee} onClose={close} />}
      {open?.kind === "team" && (
        <TeamDialog
          team={open.team}
          employees={employees.data ?? []}
          onClose={close}
          onSaved={() => {
            close();
            teams.reload();
          }}
        />
      )}
    </section>
  );
}

function EmployeeDialog({ onClose, onSaved }: { onClose: () => void; onSaved: () => void }) {
  const bo = useBackOffice();
  const [form, setForm] = useState<EmployeeIn>({ name: "", email: "", password: "", role: "employee", language: "de" });
  const action = useAction();
  return (
    <Dialog title={t("bo.staff.newEmployee")} onClose={onClose} testId="employee-dialog">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void action.run(async () => {
            await bo.api.createEmployee(form);
            onSaved();
          });
        }}
      >
        <label>
          {t("bo.staff.name")}
          <input type="text" required maxLength={200} value={form.name} onInput={(e) => { setForm({ ...form, name: e.currentTarget.value }); }} />
        </label>
        <label>
          {t("bo.staff.email")}
          <input type="email" required maxLength={320} value={form.email} onInput={(e) => { setForm({ ...form, email: e.currentTarget.value }); }} />
        </label>
        <label>
          {t("bo.staff.password")}
          <input type="password" required minLength={8} autocomplete="new-password" value={form.password} onInput={(e) => { setForm({ ...form, password: e.currentTarget.value }); }} />
        </label>
        <label>
          {t("bo.staff.role")}
          <select value={form.role} onChange={(e) => { setForm({ ...form, role: e.currentTarget.value as Role }); }}>
            {ROLES.map((role) => (
              <option key={role} value={role}>
                {t(`bo.staff.role.${role}` as MessageKey)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t("bo.staff.language")}
          <select value={form.language} onChange={(e) => { setForm({ ...form, language: e.currentTarget.value as "de" | "en" }); }}>
            <option value="de">{t("bo.staff.lang.de")}</option>
            <option value="en">{t("bo.staff.lang.en")}</option>
          </select>
        </label>
        <FormEnd action={action} />
      </form>
    </Dialog>
  );
}

function TeamDialog({ team, employees, onClose, onSaved }: { team: Team | null; employees: EmployeeOut[]; onClose: () => void; onSaved: () => void }) {
  const bo = useBackOffice();
  const [name, setName] = useState(team?.name ?? "");
  const [members, setMembers] = useState<number[]>(team?.member_ids ?? []);
  const action = useAction();
  return (
    <Dialog title={team ? team.name : t("bo.staff.newTeam")} onClose={onClose} testId="team-dialog">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void action.run(async () => {
            if (team) {
              await bo.api.updateTeam(team.id, { name, member_ids: members });
            } else {
              await bo.api.createTeam({ name, member_ids: members });
            }
            onSaved();
          });
        }}
      >
        <label>
          {t("bo.staff.teamName")}
          <input type="text" required maxLength={200} value={name} onInput={(e) => { setName(e.currentTarget.value); }} />
        </label>
        <fieldset>
          <legend>{t("bo.staff.members")}</legend>
          {employees.map((e) => (
            <label class="inline" key={e.id}>
              <input
                type="checkbox"
                checked={members.includes(e.id)}
                onChange={(ev) => {
                  setMembers(ev.currentTarget.checked ? [...members, e.id] : members.filter((id) => id !== e.id));
                }}
              />
              {e.name}
            </label>
          ))}
        </fieldset>
        <FormEnd action={action} />
      </form>
    </Dialog>
  );
}

function PasswordDialog({ employee, onClose }: { employee: EmployeeOut; onClose: () => void }) {
  const bo = useBackOffice();
  const [password, setPassword] = useState("");
  const action = useAction();
  return (
    <Dialog title={t("bo.staff.passwordFor", { name: employee.name })} onClose={onClose} testId="password-dialog">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void action.run(async () => {
            await bo.api.updateEmployee(employee.id, { password });
            onClose();
          });
        }}
      >
        <label>
          {t("bo.staff.newPassword")}
          <input type="password" required minLength={8} maxLength={500} autocomplete="new-password" value={password} onInput={(e) => { setPassword(e.currentTarget.value); }} data-testid="new-password" />
        </label>
        <FormEnd action={action} testId="password-save" />
      </form>
    </Dialog>
  );
}
