import { describe, expect, it } from "vitest";

import { ApiClient } from "./api-client";
import { BackOfficeApi, sessionQueryString } from "./backoffice-api";

describe("the back office's API calls", () => {
  it("build the session list query", () => {
    const query = new URLSearchParams(sessionQueryString({ statuses: ["REQUESTED", "RUNNING"], q: "  fräse ", sort: "number", deviceId: 4 }));
    expect(query.getAll("status")).toEqual(["REQUESTED", "RUNNING"]);
    expect(query.get("q")).toBe("fräse");
    expect(query.get("sort")).toBe("number");
    expect(query.get("device_id")).toBe("4");
    expect(query.get("cursor")).toBeNull();
    const next = new URLSearchParams(sessionQueryString({ statuses: [], q: "", sort: "-created_at" }, "abc"));
    expect(next.get("cursor")).toBe("abc");
    expect(next.getAll("status")).toEqual([]);
  });

  it("send the session's version as If-Match and the CSRF token", async () => {
    const seen: { url: string; init: RequestInit | undefined }[] = [];
    const http = new ApiClient({ kind: "employee", csrfToken: "csrf-1" }, (url, init) => {
      seen.push({ url, init });
      return Promise.resolve(new Response(JSON.stringify({ id: 3, version: 8 }), { status: 200 }));
    });
    const api = new BackOfficeApi(http);
    await api.cancel({ id: 3, version: 7 }, "customer left");
    const [call] = seen;
    expect(call?.url).toBe("/api/sessions/3/cancel");
    const headers = call?.init?.headers as Record<string, string>;
    expect(headers["If-Match"]).toBe('"7"');
    expect(headers["X-CSRF-Token"]).toBe("csrf-1");
    expect(call?.init?.body).toBe(JSON.stringify({ reason: "customer left" }));
  });
});
