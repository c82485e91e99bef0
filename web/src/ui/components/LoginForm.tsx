/**
 * The employee login form, shared by the back office (/app) and the mobile view (/m).
 * It calls `api.login` and hands the logged-in employee to `onLoggedIn`; wrong
 * credentials and unreachable servers are told apart in the message.
 */

import { useEffect, useRef, useState } from "preact/hooks";
import type { JSX } from "preact";
import type { EmployeeApi, MeOut } from "../../lib/api";
import { ApiError } from "../../lib/api-client";
import { t } from "../../i18n";
import { problemText } from "../problem-text";

export interface LoginFormProps {
  api: EmployeeApi;
  onLoggedIn: (me: MeOut) => void;
  /** Extra content under the heading, e.g. a language switch. */
  children?: JSX.Element | JSX.Element[] | null;
}

export function LoginForm({ api, onLoggedIn, children }: LoginFormProps) {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);
  const emailRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    emailRef.current?.focus();
  }, []);

  const submit = (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setFailure(null);
    api
      .login(email.trim(), password)
      .then((me) => {
        onLoggedIn(me);
      })
      .catch((error: unknown) => {
        setFailure(error instanceof ApiError && error.status < 500 ? t("login.failed") : problemText(error));
        setBusy(false);
      });
  };

  return (
    <form class="login" data-testid="login-form" onSubmit={submit} aria-busy={busy}>
      <h1>{t("login.title")}</h1>
      {children}
      <label>
        {t("login.email")}
        <input
          ref={emailRef}
          type="email"
          name="email"
          autocomplete="username"
          required
          value={email}
          onInput={(e) => { setEmail(e.currentTarget.value); }}
          data-testid="login-email"
        />
      </label>
      <label>
        {t("login.password")}
        <input
          type="password"
          name="password"
          autocomplete="current-password"
          required
          value={password}
          onInput={(e) => { setPassword(e.currentTarget.value); }}
          data-testid="login-password"
        />
      </label>
      {failure !== null && (
        <p class="error" role="alert" data-testid="login-error">
          {failure}
        </p>
      )}
      <button type="submit" class="primary" disabled={busy} data-testid="login-submit">
        {t("login.submit")}
      </button>
    </form>
  );
}
