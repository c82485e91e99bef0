import { describe, expect, it } from "vitest";

import { parseRoute, routePath, type Route } from "./backoffice-routes";

describe("back-office routes", () => {
  it.each<[string, Route]>([
    ["/app", { name: "sessions" }],
    ["/app/", { name: "sessions" }],
    ["/app/sessions", { name: "sessions" }],
    ["/app/sessions/12", { name: "session", id: 12, tab: "general" }],
    ["/app/sessions/12/employees", { name: "session", id: 12, tab: "employees" }],
    ["/app/sessions/12/tickets", { name: "session", id: 12, tab: "tickets" }],
    ["/app/devices", { name: "devices" }],
    ["/app/tickets", { name: "tickets" }],
    ["/app/settings", { name: "settings" }],
    ["/app/employees", { name: "employees" }],
    ["/app/sessions/0", { name: "not_found", path: "/app/sessions/0" }],
    ["/app/sessions/12/nonsense", { name: "not_found", path: "/app/sessions/12/nonsense" }],
    ["/app/sessions/99999999999", { name: "not_found", path: "/app/sessions/99999999999" }],
    ["/app/devices/3", { name: "not_found", path: "/app/devices/3" }],
    ["/app/elsewhere", { name: "not_found", path: "/app/elsewhere" }],
  ])("%s is %j", (path, route) => {
    expect(parseRoute(path)).toEqual(route);
  });

  it.each<Route>([
    { name: "sessions" },
    { name: "session", id: 5, tab: "general" },
    { name: "session", id: 5, tab: "tickets" },
    { name: "devices" },
    { name: "employees" },
  ])("%j survives the round trip through its path", (route) => {
    expect(parseRoute(routePath(route))).toEqual(route);
  });

  it("matches the notifier's deep link /app/sessions/<id>", () => {
    expect(routePath({ name: "session", id: 42, tab: "general" })).toBe("/app/sessions/42");
  });
});
