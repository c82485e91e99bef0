/** Entry point: picks the page for the client-side route the orchestrator served. */

import { initialLanguage, setLanguage, storedLanguage } from "./i18n";
import "./styles.css";

async function route(root: HTMLElement): Promise<void> {
  const lang = initialLanguage(storedLanguage(), navigator.language);
  setLanguage(lang);
  document.documentElement.lang = lang;
  const path = location.pathname;
  const device = /^\/d\/([^/]+)\/?$/.exec(path);
  if (device?.[1]) {
    const { devicePage } = await import("./code-user/DevicePage");
    devicePage(root, decodeURIComponent(device[1]));
    return;
  }
  const invite = /^\/i\/([^/]+)\/?$/.exec(path);
  if (invite?.[1]) {
    const { invitePage } = await import("./code-user/InvitePage");
    invitePage(root, decodeURIComponent(invite[1]));
    return;
  }
  if (path === "/m" || path.startsWith("/m/")) {
    const { mobilePage } = await import("./mobile/MobilePage");
    mobilePage(root);
    return;
  }
  if (path === "/app" || path.startsWith("/app/")) {
    const { backofficePage } = await import("./backoffice/App");
    backofficePage(root);
    return;
  }
  const { landingPage } = await import("./ui/landing");
  landingPage(root);
}

const root = document.getElementById("app");
if (root) {
  void route(root);
}
