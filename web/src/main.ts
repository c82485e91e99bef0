/** Entry point: picks the page for the client-side route the orchestrator served. */

import { detectLanguage, setLanguage } from "./i18n";
import "./styles.css";

async function route(root: HTMLElement): Promise<void> {
  setLanguage(detectLanguage(navigator.language));
  document.documentElement.lang = detectLanguage(navigator.language);
  const path = location.pathname;
  const device = /^\/d\/([^/]+)\/?$/.exec(path);
  if (device?.[1]) {
    const { devicePage } = await import("./code-user/device-page");
    await devicePage(root, decodeURIComponent(device[1]));
    return;
  }
  const invite = /^\/i\/([^/]+)\/?$/.exec(path);
  if (invite?.[1]) {
    const { invitePage } = await import("./code-user/invite-page");
    await invitePage(root, decodeURIComponent(invite[1]));
    return;
  }
  if (path === "/app" || path.startsWith("/app/") || path === "/m" || path.startsWith("/m/")) {
    const { employeePage } = await import("./employee/employee-page");
    await employeePage(root);
    return;
  }
  const { landingPage } = await import("./ui/landing");
  landingPage(root);
}

const root = document.getElementById("app");
if (root) {
  void route(root);
}
