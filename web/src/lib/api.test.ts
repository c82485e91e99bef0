import { describe, expect, it } from "vitest";

import { CallApi, CodeUserApi, EmployeeApi } from "./api";
import { ApiError, CODE_USER_TOKEN_KEY, NetworkError, type FetchLike } from "./api-client";

interface Seen {
  url: string;
  init: RequestInit;
}

function recorder(responses: Response[]): { fetch: FetchLike; seen: Seen[] } {
  const seen: Seen[] = [];
  const fetch: FetchLike = (url, init) => {
    seen.push({ url, init: init ?? {} });
    const next = responses.shift();
    return next ? Promise.resolve(next) : Promise.reject(new TypeError("no response"));
  };
  return { fetch, seen };
}

function json(body: unknown, status = 200, type = "application/json"): Response {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": type } });
}

function headersOf(seen: Seen | undefined): Record<string, string> {
  return (seen?.init.headers ?? {}) as Record<string, string>;
}

class MemoryStore {
  readonly items = new Map<string, string>();
  getItem(key: string): string | null {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.items.set(key, value);
  }
  removeItem(key: string): void {
    this.items.delete(key);
  }
}

const ME = {
  employee: { id: 3, name: "Emil", email: "e@x", role: "employee", language: "en", active: true, team_ids: [] },
  organisation_id: 1,
  organisation_name: "Org",
  csrf_token: "csrf-123",
};

describe("employees", () => {
  it("send the CSRF token from /api/auth/me on state-changing requests only", async () => {
    const { fetch, seen } = recorder([json(ME), json({ items: [], next_cursor: null }), json({ id: 7 })]);
    const api = new EmployeeApi(fetch);
    await api.me();
    await api.sessions(["REQUESTED", "CONFIRMED"]);
    await api.confirm(7, 4);
    expect(seen[1]?.url).toBe("/api/sessions?limit=200&status=REQUESTED&status=CONFIRMED");
    expect(headersOf(seen[1])["X-CSRF-Token"]).toBeUndefined();
    expect(seen[2]?.init.method).toBe("POST");
    expect(headersOf(seen[2])["X-CSRF-Token"]).toBe("csrf-123");
    expect(headersOf(seen[2])["If-Match"]).toBe('"4"');
    expect(headersOf(seen[2]).Authorization).toBeUndefined();
    expect(seen[2]?.init.credentials).toBe("same-origin");
  });

  it("me() is null when nobody is logged in", async () => {
    const { fetch } = recorder([
      json({ type: "t", title: "Not authenticated", status: 401, detail: "log in", code: "not_authenticated" }, 401, "application/problem+json"),
    ]);
    expect(await new EmployeeApi(fetch).me()).toBeNull();
  });
});

describe("code users", () => {
  it("keep the token the server issues and send it as a bearer token", async () => {
    const store = new MemoryStore();
    const opened = { device: { id: 2 }, token: "tok-1", code_user_id: 5, organisation_name: "Org", request_flow: {} };
    const { fetch, seen } = recorder([json(opened), json([]), json({ call: { id: 1 }, ticket: {} }, 201)]);
    const api = new CodeUserApi(store, fetch);
    await api.open("fm200-demo");
    expect(store.getItem(CODE_USER_TOKEN_KEY)).toBe("tok-1");
    expect(headersOf(seen[0]).Authorization).toBeUndefined();
    await api.sessions();
    expect(headersOf(seen[1]).Authorization).toBe("Bearer tok-1");
    await api.calls.start(9);
    expect(seen[2]?.url).toBe("/api/code-user/sessions/9/call");
    expect(headersOf(seen[2])["X-CSRF-Token"]).toBeUndefined();
  });

  it("keep an existing token when the server issues none", async () => {
    const store = new MemoryStore();
    store.setItem(CODE_USER_TOKEN_KEY, "old");
    const { fetch, seen } = recorder([json({ device: { id: 2 }, token: null })]);
    await new CodeUserApi(store, fetch).open("x");
    expect(store.getItem(CODE_USER_TOKEN_KEY)).toBe("old");
    expect(headersOf(seen[0]).Authorization).toBe("Bearer old");
  });
});

describe("errors", () => {
  it("turn problem documents into ApiError with code, detail and field", async () => {
    const problem = { type: "t", title: "Conflict", status: 409, detail: "status is DONE", code: "not_callable", field: null };
    const { fetch } = recorder([json(problem, 409, "application/problem+json")]);
    const calls = new CallApi(new EmployeeApi(fetch).http);
    const error = await calls.start(1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 409, code: "not_callable", detail: "status is DONE", field: null });
  });

  it("answer a missing call with null", async () => {
    const problem = { type: "t", title: "Not found", status: 404, detail: "no call", code: "no_active_call" };
    const { fetch } = recorder([json(problem, 404, "application/problem+json")]);
    expect(await new CallApi(new EmployeeApi(fetch).http).current(3)).toBeNull();
  });

  it("keep a body that is not JSON readable", async () => {
    const { fetch } = recorder([new Response("<html>bad gateway</html>", { status: 502, statusText: "Bad Gateway" })]);
    const error = await new EmployeeApi(fetch).sessions().catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 502, code: "http_error" });
  });

  it("report an unreachable server as NetworkError", async () => {
    const { fetch } = recorder([]);
    await expect(new EmployeeApi(fetch).sessions()).rejects.toBeInstanceOf(NetworkError);
  });
});
