/**
 * The employee mobile view at /m: own and responsible sessions, confirm, START, the
 * call, and notifications (toast, and a browser Notification once allowed). Made for
 * one hand on a 360 px phone: the actions and the tabs sit at the bottom.
 */

import { render } from "preact";
import { useEffect, useMemo, useState } from "preact/hooks";
import { EmployeeApi, type MeOut } from "../lib/api";
import { language, setLanguage, storedLanguage, t } from "../i18n";
import { LanguageSwitch } from "../ui/components/LanguageSwitch";
import { LoginForm } from "../ui/components/LoginForm";
import { problemText } from "../ui/problem-text";
import { MobileSessions } from "./MobileSessions";

type Loaded = { kind: "loading" } | { kind: "failed"; text: string } | { kind: "out" } | { kind: "in"; me: MeOut };

/** A language picked by hand on this browser wins over the account's. */
function applyAccountLanguage(me: MeOut): void {
  if (storedLanguage() === null) {
    setLanguage(me.employee.language);
    document.documentElement.lang = me.employee.language;
  }
}

export function MobilePage() {
  const api = useMemo(() => new EmployeeApi((input, init) => fetch(input, init)), []);
  const [loaded, setLoaded] = useState<Loaded>({ kind: "loading" });
  const [, setLang] = useState(language());

  const signedIn = (me: MeOut) => {
    applyAccountLanguage(me);
    setLang(language());
    setLoaded({ kind: "in", me });
  };

  useEffect(() => {
    api.me().then(
      (me) => {
        if (me === null) {
          setLoaded({ kind: "out" });
        } else {
          signedIn(me);
        }
      },
      (error: unknown) => {
        setLoaded({ kind: "failed", text: problemText(error) });
      },
    );
  }, [api]);

  switch (loaded.kind) {
    case "loading":
      return (
        <main class="page narrow">
          <p class="muted" role="status">
            {t("app.loading")}
          </p>
        </main>
      );
    case "failed":
      return (
        <main class="page narrow">
          <p class="error" role="alert" data-testid="page-error">
            {loaded.text}
          </p>
        </main>
      );
    case "out":
      return (
        <main class="page narrow mobile-login">
          <LoginForm api={api} onLoggedIn={signedIn}>
            <LanguageSwitch onChange={setLang} />
          </LoginForm>
        </main>
      );
    case "in":
      return (
        <MobileSessions
          api={api}
          me={loaded.me}
          onLanguage={setLang}
          onLoggedOut={() => {
            setLoaded({ kind: "out" });
          }}
        />
      );
  }
}

export function mobilePage(root: HTMLElement): void {
  render(<MobilePage />, root);
}
