/**
 * The back office at /app: login, then the shell (navigation, language, live
 * connection, notifications, calls) around the view the URL names.
 */

import { render } from "preact";
import { useCallback, useEffect, useMemo, useRef, useState } from "preact/hooks";
import { EmployeeApi, type MeOut } from "../lib/api";
import { BackOfficeApi } from "../lib/backoffice-api";
import { parseRoute, routePath, type Route } from "../lib/backoffice-routes";
import type { InAppNotification } from "../lib/events";
import { LiveSocket, socketUrl, type SocketStatus } from "../lib/socket";
import { LANGUAGE_KEY, initialLanguage, setLanguage, t } from "../i18n";
import { CallController } from "../ui/call-controller";
import { chime } from "../ui/chime";
import { LanguageSwitch } from "../ui/components/LanguageSwitch";
import { LoginForm } from "../ui/components/LoginForm";
import { OfflineBanner } from "../ui/components/OfflineBanner";
import { ProblemAlert } from "../ui/components/ProblemAlert";
import { toast } from "../ui/dom";
import { showNotification } from "../ui/notify";
import { BackOfficeContext, isAdministrator, type BackOffice, type LiveListener } from "./context";
import { DevicesPage } from "./DevicesPage";
import { NotificationButton } from "../mobile/NotificationButton";
import { SessionPage } from "./SessionPage";
import { SessionsPage } from "./SessionsPage";
import { SettingsPage } from "./SettingsPage";
import { StaffPage } from "./StaffPage";
import { TicketsPage } from "./TicketsPage";
import "./backoffice.css";

export function backofficePage(root: HTMLElement): void {
  render(<BackOfficeApp />, root);
}

function storedLanguage(): string | null {
  try {
    return localStorage.getItem(LANGUAGE_KEY);
  } catch {
    return null;
  }
}

/** A language picked by hand wins; otherwise the employee's own setting. */
function applyLanguage(me: MeOut): void {
  const chosen = initialLanguage(storedLanguage(), me.employee.language);
  setLanguage(chosen);
  document.documentElement.lang = chosen;
}

function BackOfficeApp() {
  const auth = useMemo(() => new EmployeeApi((input, init) => fetch(input, init)), []);
  const [me, setMe] = useState<MeOut | null | undefined>(undefined);
  const [error, setError] = useState<unknown>(null);
  const [, setLanguageTick] = useState(0);
  const relabel = useCallback(() => {
    setLanguageTick((n) => n + 1);
  }, []);

  const signedOut = useCallback(() => {
    setMe(null);
  }, []);

  const check = useCallback(() => {
    setError(null);
    auth
      .me()
      .then((current) => {
        if (current) {
          applyLanguage(current);
        }
        setMe(current);
      })
      .catch((reason: unknown) => {
        setError(reason);
      });
  }, [auth]);
  useEffect(check, [check]);

  if (error !== null) {
    return (
      <main class="page narrow">
        <ProblemAlert error={error} testId="page-error" />
        <button type="button" onClick={check}>
          {t("bo.loading")}
        </button>
      </main>
    );
  }
  if (me === undefined) {
    return (
      <main class="page narrow" aria-busy="true">
        <p class="muted">{t("bo.loading")}</p>
      </main>
    );
  }
  if (me === null) {
    return (
      <main class="page narrow">
        <LoginForm
          api={auth}
          onLoggedIn={(current) => {
            applyLanguage(current);
            setMe(current);
          }}
        >
          <LanguageSwitch onChange={relabel} />
        </LoginForm>
      </main>
    );
  }
  return <Shell auth={auth} me={me} onLanguage={relabel} onLogout={signedOut} />;
}

interface ShellProps {
  auth: EmployeeApi;
  me: MeOut;
  onLanguage: () => void;
  onLogout: () => void;
}

function currentRoute(): Route {
  return parseRoute(location.pathname);
}

function Shell({ auth, me, onLanguage, onLogout }: ShellProps) {
  const api = useMemo(() => new BackOfficeApi(auth.http), [auth]);
  const [route, setRoute] = useState<Route>(currentRoute);
  const [status, setStatus] = useState<SocketStatus>("connecting");
  const listeners = useRef(new Set<LiveListener>());
  const mainRef = useRef<HTMLElement>(null);
  const calls = useMemo(
    () => new CallController({ calls: auth.calls, side: "employee", cameraOn: false, facingMode: "user", mount: document.body }),
    [auth],
  );

  useEffect(() => {
    const back = () => {
      setRoute(currentRoute());
    };
    window.addEventListener("popstate", back);
    return () => {
      window.removeEventListener("popstate", back);
    };
  }, []);

  useEffect(() => {
    const alert = (notification: InAppNotification) => {
      if (notification.kind === "session.requested") {
        toast(notification.title, "new-request-toast");
        chime();
      }
      showNotification(notification);
    };
    const socket = new LiveSocket({
      url: socketUrl(location.origin, null),
      open: (url) => new WebSocket(url),
      onStatus: setStatus,
      onSnapshot: () => {
        for (const listener of listeners.current) {
          listener(null);
        }
      },
      onEvent: (event) => {
        calls.onEvent(event);
        for (const listener of listeners.current) {
          listener(event);
        }
      },
      onNotification: alert,
    });
    socket.start();
    void calls.resume();
    return () => {
      socket.stop();
    };
  }, [calls]);

  const navigate = useCallback((next: Route) => {
    const path = routePath(next);
    if (path !== location.pathname) {
      history.pushState(null, "", path);
    }
    setRoute(next);
    mainRef.current?.focus();
  }, []);

  const context: BackOffice = useMemo(
    () => ({
      auth,
      api,
      me,
      navigate,
      subscribe: (listener) => {
        listeners.current.add(listener);
        return () => {
          listeners.current.delete(listener);
        };
      },
      startCall: (sessionId) => {
        void calls.start(sessionId);
      },
      signedOut: onLogout,
    }),
    [auth, api, me, navigate, calls, onLogout],
  );

  const logout = () => {
    void auth.logout().finally(onLogout);
  };

  const links: { route: Route; label: string; active: boolean }[] = [
    { route: { name: "sessions" }, label: t("bo.nav.sessions"), active: route.name === "sessions" || route.name === "session" },
    { route: { name: "devices" }, label: t("bo.nav.devices"), active: route.name === "devices" },
    { route: { name: "tickets" }, label: t("bo.nav.tickets"), active: route.name === "tickets" },
    { route: { name: "settings" }, label: t("bo.nav.settings"), active: route.name === "settings" },
  ];
  if (isAdministrator(me)) {
    links.push({ route: { name: "employees" }, label: t("bo.nav.employees"), active: route.name === "employees" });
  }

  return (
    <BackOfficeContext.Provider value={context}>
      <a class="skip" href="#main">
        {t("bo.skip")}
      </a>
      <header class="bo-header">
        <span class="bo-brand">{t("app.title")}</span>
        <nav aria-label={t("bo.nav.label")}>
          <ul class="bo-nav">
            {links.map((link) => (
              <li key={link.route.name}>
                <a
                  href={routePath(link.route)}
                  aria-current={link.active ? "page" : undefined}
                  data-testid={`nav-${link.route.name}`}
                  onClick={(event) => {
                    event.preventDefault();
                    navigate(link.route);
                  }}
                >
                  {link.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div class="bo-user">
          <NotificationButton />
          <LanguageSwitch onChange={onLanguage} />
          <span class="muted" data-testid="employee-name">
            {me.employee.name} · {me.organisation_name}
          </span>
          <button type="button" class="link" onClick={logout} data-testid="logout">
            {t("login.logout")}
          </button>
        </div>
      </header>
      <OfflineBanner status={status} />
      <main id="main" class="bo-main" tabIndex={-1} ref={mainRef}>
        <View route={route} />
      </main>
    </BackOfficeContext.Provider>
  );
}

function View({ route }: { route: Route }) {
  switch (route.name) {
    case "sessions":
      return <SessionsPage />;
    case "session":
      return <SessionPage key={route.id} id={route.id} tab={route.tab} />;
    case "devices":
      return <DevicesPage />;
    case "tickets":
      return <TicketsPage />;
    case "settings":
      return <SettingsPage />;
    case "employees":
      return <StaffPage />;
    case "not_found":
      return (
        <p class="notice" data-testid="not-found">
          <a href="/app">{t("bo.notFound")}</a>
        </p>
      );
  }
}
