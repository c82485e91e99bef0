/**
 * The HTTP transport of the REST API (lib/api.ts wraps its endpoints). Employees
 * authenticate with the session cookie and echo the CSRF token from /api/auth/me on
 * every state-changing request; code users send their token as `Authorization:
 * Bearer`. Problem documents become `ApiError`s.
 */

/** An RFC 9457 problem document from the orchestrator, as an error. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly detail: string;
  readonly field: string | null;

  constructor(status: number, code: string, detail: string, field: string | null = null) {
    super(`${code}: ${detail}`);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.detail = detail;
    this.field = field;
  }
}

/** The server could not be reached at all (offline, DNS, refused). */
export class NetworkError extends Error {
  constructor(cause: unknown) {
    super("the server cannot be reached", { cause });
    this.name = "NetworkError";
  }
}

/** Where the code user's token lives: localStorage in the browser, a Map in tests. */
export interface TokenStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export const CODE_USER_TOKEN_KEY = "fernblick.codeUserToken";

export type Auth =
  | { kind: "employee"; csrfToken: string | null }
  | { kind: "code_user"; store: TokenStore };

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

const UNSAFE = new Set(["POST", "PUT", "PATCH", "DELETE"]);

async function toError(response: Response): Promise<ApiError> {
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  if (typeof body === "object" && body !== null) {
    const problem = body as Record<string, unknown>;
    return new ApiError(
      response.status,
      typeof problem.code === "string" ? problem.code : "http_error",
      typeof problem.detail === "string" ? problem.detail : response.statusText,
      typeof problem.field === "string" ? problem.field : null,
    );
  }
  return new ApiError(response.status, "http_error", response.statusText);
}

export interface RequestOptions {
  body?: unknown;
  ifMatch?: number;
}

/** One HTTP client per page; `auth` says who is calling. */
export class ApiClient {
  readonly auth: Auth;
  private readonly fetchImpl: FetchLike;
  private readonly baseUrl: string;

  constructor(auth: Auth, fetchImpl: FetchLike, baseUrl = "") {
    this.auth = auth;
    this.fetchImpl = fetchImpl;
    this.baseUrl = baseUrl;
  }

  /** The code user's token, when this client speaks for a code user and has one. */
  codeUserToken(): string | null {
    return this.auth.kind === "code_user" ? this.auth.store.getItem(CODE_USER_TOKEN_KEY) : null;
  }

  setCsrfToken(token: string | null): void {
    if (this.auth.kind === "employee") {
      this.auth.csrfToken = token;
    }
  }

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const headers: Record<string, string> = { Accept: "application/json" };
    if (options.body !== undefined) {
      headers["Content-Type"] = "application/json";
    }
    if (options.ifMatch !== undefined) {
      headers["If-Match"] = `"${options.ifMatch}"`;
    }
    if (this.auth.kind === "employee") {
      if (UNSAFE.has(method) && this.auth.csrfToken) {
        headers["X-CSRF-Token"] = this.auth.csrfToken;
      }
    } else {
      const token = this.codeUserToken();
      if (token) {
        headers.Authorization = `Bearer ${token}`;
      }
    }
    let response: Response;
    try {
      response = await this.fetchImpl(this.baseUrl + path, {
        method,
        headers,
        credentials: "same-origin",
        body: options.body === undefined ? null : JSON.stringify(options.body),
      });
    } catch (error) {
      throw new NetworkError(error);
    }
    if (!response.ok) {
      throw await toError(response);
    }
    if (response.status === 204) {
      return undefined as T;
    }
    return (await response.json()) as T;
  }

  /** A binary upload (a screenshot) with this client's credentials; the JSON answer. */
  async upload<T>(method: string, path: string, body: Blob): Promise<T> {
    const headers: Record<string, string> = { Accept: "application/json", "Content-Type": body.type };
    const token = this.codeUserToken();
    if (token) {
      headers.Authorization = `Bearer ${token}`;
    } else if (this.auth.kind === "employee" && this.auth.csrfToken) {
      headers["X-CSRF-Token"] = this.auth.csrfToken;
    }
    let response: Response;
    try {
      response = await this.fetchImpl(this.baseUrl + path, { method, headers, credentials: "same-origin", body });
    } catch (error) {
      throw new NetworkError(error);
    }
    if (!response.ok) {
      throw await toError(response);
    }
    return (await response.json()) as T;
  }

  /** A binary download (recording, screenshot) with this client's credentials; `onProgress` gets bytes so far. */
  async blob(path: string, onProgress?: (loaded: number, total: number | null) => void): Promise<Blob> {
    const headers: Record<string, string> = {};
    const token = this.codeUserToken();
    if (token) {
      headers.Authorization = `Bearer ${token}`;
    }
    let response: Response;
    try {
      response = await this.fetchImpl(this.baseUrl + path, { method: "GET", headers, credentials: "same-origin" });
    } catch (error) {
      throw new NetworkError(error);
    }
    if (!response.ok) {
      throw await toError(response);
    }
    if (!onProgress || !response.body) {
      return response.blob();
    }
    const total = Number(response.headers.get("Content-Length")) || null;
    const reader = response.body.getReader();
    const parts: Uint8Array[] = [];
    let loaded = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) {
        break;
      }
      parts.push(value);
      loaded += value.byteLength;
      onProgress(loaded, total);
    }
    return new Blob(parts as BlobPart[], { type: response.headers.get("Content-Type") ?? "" });
  }
}
