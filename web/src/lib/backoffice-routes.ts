/** The back office's client-side routes under /app: parsed from and written to the URL path. */

export const SESSION_TABS = ["general", "employees", "tickets"] as const;
export type SessionTab = (typeof SESSION_TABS)[number];

export type Route =
  | { name: "sessions" }
  | { name: "session"; id: number; tab: SessionTab }
  | { name: "devices" }
  | { name: "tickets" }
  | { name: "settings" }
  | { name: "employees" }
  | { name: "not_found"; path: string };

function isTab(value: string | undefined): value is SessionTab {
  return (SESSION_TABS as readonly (string | undefined)[]).includes(value);
}

export function parseRoute(path: string): Route {
  const parts = path.replace(/\/+$/, "").split("/").filter(Boolean);
  if (parts[0] !== "app") {
    return { name: "not_found", path };
  }
  const [, section, id, tab] = parts;
  if (section === undefined) {
    return { name: "sessions" };
  }
  if (section === "sessions" && id !== undefined && /^\d{1,9}$/.test(id) && Number(id) > 0) {
    if (tab === undefined || isTab(tab)) {
      return { name: "session", id: Number(id), tab: tab ?? "general" };
    }
    return { name: "not_found", path };
  }
  if (id !== undefined) {
    return { name: "not_found", path };
  }
  switch (section) {
    case "sessions":
      return { name: "sessions" };
    case "devices":
    case "tickets":
    case "settings":
    case "employees":
      return { name: section };
    default:
      return { name: "not_found", path };
  }
}

export function routePath(route: Route): string {
  switch (route.name) {
    case "sessions":
      return "/app";
    case "session":
      return route.tab === "general" ? `/app/sessions/${route.id}` : `/app/sessions/${route.id}/${route.tab}`;
    case "not_found":
      return route.path;
    default:
      return `/app/${route.name}`;
  }
}
