/**
 * The REST API's endpoints and response shapes, per caller: `CallApi` (either side of
 * a call), `EmployeeApi` and `CodeUserApi`. The transport (authentication, problem
 * documents, uploads) is lib/api-client.ts.
 */

import { ApiClient, ApiError, CODE_USER_TOKEN_KEY, type FetchLike, type TokenStore } from "./api-client";
import type { SessionStatus } from "./events";
import { socketUrl } from "./socket";

// --- response shapes (orchestrator/api/schemas.py) ---------------------------------------

export type Language = "de" | "en";

export interface EmployeeOut {
  id: number;
  name: string;
  email: string;
  role: "administrator" | "moderator" | "employee";
  language: Language;
  active: boolean;
  team_ids: number[];
}

export interface MeOut {
  employee: EmployeeOut;
  organisation_id: number;
  organisation_name: string;
  csrf_token: string;
}

export interface Ref {
  id: number;
  name: string;
}

export interface SessionSummary {
  id: number;
  number: number;
  title: string;
  status: SessionStatus;
  visibility: "internal" | "public";
  device: Ref | null;
  reason: string;
  requester_name: string;
  responsible: Ref[];
  created_at: string;
  updated_at: string;
  version: number;
}

export interface SessionPage {
  items: SessionSummary[];
  next_cursor: string | null;
}

export interface AssistantButton {
  label_de: string;
  label_en: string;
  action: "request_session" | "open_url" | "call_phone" | "show_text";
  target: string;
}

export type RequestStep = "reason" | "contact" | "labels" | "consent";

export interface OpenedDevice {
  device: { id: number; name: string; location: string; picture_url: string; assistant: AssistantButton[] };
  organisation_name: string;
  code_user_id: number;
  token: string | null;
  request_flow: {
    may_request: boolean;
    steps: RequestStep[];
    labels: string[];
    recording_allowed: boolean;
    contact_hint: string;
  };
}

export interface RatingOut {
  stars: number;
  comment: string;
  created_at: string;
}

export interface ArtifactOut {
  id: number;
  kind: "recording" | "screenshot";
  content_type: string;
  size_bytes: number;
  duration_ms: number | null;
  state: "pending" | "uploading" | "stored" | "failed";
  /** Failed upload attempts so far (the upload retries with backoff). */
  upload_attempts: number;
  created_at: string;
}

/** A running recording: the red dot on both call screens while it exists. */
export interface RecordingOut {
  id: number;
  started_at: string;
  started_by_id: number | null;
}

/** What the call screen needs to know about recording (docs/recording.md). */
export interface RecordingState {
  recording: RecordingOut | null;
  /** The organisation records sessions at all. */
  recording_allowed: boolean;
  recording_consent: boolean;
}

export interface CodeUserSession {
  id: number;
  number: number;
  title: string;
  status: SessionStatus;
  device: Ref | null;
  reason: string;
  recording_consent: boolean;
  created_at: string;
  updated_at: string;
  version: number;
  rating: RatingOut | null;
  artifacts: ArtifactOut[];
  recording: RecordingOut | null;
  recording_allowed: boolean;
}

export interface RequestSessionIn {
  device_id: number;
  reason?: string;
  contact?: string;
  name?: string;
  labels?: string[];
  recording_consent?: boolean;
}

// --- calls (docs/calls.md) -------------------------------------------------------------------

export interface CallOut {
  id: number;
  session_id: number;
  state: "ringing" | "active" | "ended";
  started_by: "employee" | "code_user";
  caller_name: string;
  started_at: string;
  answered_at: string | null;
  ended_at: string | null;
  end_reason: string | null;
  ring_timeout_seconds: number;
}

export interface JoinTicket {
  janus_url: string;
  room_id: string;
  pin: string;
  token: string;
  display: string;
  ice_servers: RTCIceServer[];
  expires_at: string;
}

export interface CallWithTicket {
  call: CallOut;
  ticket: JoinTicket;
}

/**
 * A marker clicked at frame point (x, y) of the frame with `rtp_timestamp` (the worker's
 * clock; null before the page's clock is in step), with `patch`: the grey levels around
 * the point in that frame (PATCH_SIDE squared, row by row; empty where unreadable), so
 * the worker starts the marker on the frame that showed them (tracker/placement.py).
 */
export interface MarkerPlacement {
  x: number;
  y: number;
  rtp_timestamp: number | null;
  patch: number[];
}

/** START, accept, decline, hang-up and rejoin for one side of a session's call. */
export class CallApi {
  private readonly api: ApiClient;
  private readonly prefix: string;

  constructor(api: ApiClient) {
    this.api = api;
    this.prefix = api.auth.kind === "employee" ? "/api/sessions" : "/api/code-user/sessions";
  }

  start(sessionId: number): Promise<CallWithTicket> {
    return this.api.request("POST", `${this.prefix}/${sessionId}/call`);
  }

  accept(sessionId: number): Promise<CallWithTicket> {
    return this.api.request("POST", `${this.prefix}/${sessionId}/call/accept`);
  }

  decline(sessionId: number): Promise<{ call: CallOut }> {
    return this.api.request("POST", `${this.prefix}/${sessionId}/call/decline`);
  }

  hangup(sessionId: number): Promise<{ call: CallOut }> {
    return this.api.request("POST", `${this.prefix}/${sessionId}/call/hangup`);
  }

  /** Place a tracking marker at a frame point of the code user's video (employees). */
  placeMarker(sessionId: number, placement: MarkerPlacement): Promise<{ marker_id: string }> {
    return this.api.request("POST", `${this.prefix}/${sessionId}/markers`, { body: placement });
  }

  /** Remove a tracking marker (either side). */
  removeMarker(sessionId: number, markerId: string): Promise<void> {
    return this.api.request("DELETE", `${this.prefix}/${sessionId}/markers/${markerId}`);
  }

  /** Whether a recording runs, and whether one may (either side's view of the session). */
  recordingState(sessionId: number): Promise<RecordingState> {
    return this.api.request("GET", `${this.prefix}/${sessionId}`);
  }

  /** Start recording the running call (employees; 403 without the code user's consent). */
  startRecording(sessionId: number): Promise<{ recording: RecordingOut | null }> {
    return this.api.request("POST", `/api/sessions/${sessionId}/recording/start`);
  }

  stopRecording(sessionId: number): Promise<{ recording: RecordingOut | null }> {
    return this.api.request("POST", `/api/sessions/${sessionId}/recording/stop`);
  }

  /** The code user agrees to be recorded (asked on the call screen). */
  consentToRecording(sessionId: number): Promise<{ recording_consent: boolean }> {
    return this.api.request("POST", `/api/code-user/sessions/${sessionId}/recording-consent`);
  }

  /** A screenshot of the running call, to annotate. */
  screenshot(sessionId: number, screenshotId: string): Promise<Blob> {
    return this.api.blob(`${this.prefix}/${sessionId}/call/screenshots/${screenshotId}`);
  }

  /** The code user's browser sends the still of its camera that the employee asked for. */
  uploadScreenshot(sessionId: number, screenshotId: string, image: Blob): Promise<{ screenshot_id: string }> {
    return this.api.upload("PUT", `${this.prefix}/${sessionId}/call/screenshots/${screenshotId}`, image);
  }

  /** The /api/ws URL of the in-call tools' own socket (code users add their token). */
  toolsUrl(origin: string): string {
    return socketUrl(origin, this.api.codeUserToken());
  }

  /** The current call and a fresh ticket (rejoin after a reload); null without one. */
  async current(sessionId: number): Promise<CallWithTicket | null> {
    try {
      return await this.api.request<CallWithTicket>("GET", `${this.prefix}/${sessionId}/call`);
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) {
        return null;
      }
      throw error;
    }
  }
}

// --- employees ------------------------------------------------------------------------------

export class EmployeeApi {
  readonly http: ApiClient;
  readonly calls: CallApi;

  constructor(fetchImpl: FetchLike, baseUrl = "") {
    this.http = new ApiClient({ kind: "employee", csrfToken: null }, fetchImpl, baseUrl);
    this.calls = new CallApi(this.http);
  }

  /** The logged-in employee (and their CSRF token), or null when nobody is logged in. */
  async me(): Promise<MeOut | null> {
    try {
      const me = await this.http.request<MeOut>("GET", "/api/auth/me");
      this.http.setCsrfToken(me.csrf_token);
      return me;
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) {
        return null;
      }
      throw error;
    }
  }

  async login(email: string, password: string): Promise<MeOut> {
    const me = await this.http.request<MeOut>("POST", "/api/auth/login", { body: { email, password } });
    this.http.setCsrfToken(me.csrf_token);
    return me;
  }

  async logout(): Promise<void> {
    await this.http.request("POST", "/api/auth/logout");
    this.http.setCsrfToken(null);
  }

  sessions(statuses: SessionStatus[] = []): Promise<SessionPage> {
    const query = new URLSearchParams({ limit: "200" });
    for (const status of statuses) {
      query.append("status", status);
    }
    return this.http.request("GET", `/api/sessions?${query.toString()}`);
  }

  session(id: number): Promise<SessionSummary> {
    return this.http.request("GET", `/api/sessions/${id}`);
  }

  confirm(id: number, version: number): Promise<SessionSummary> {
    return this.http.request("POST", `/api/sessions/${id}/confirm`, { ifMatch: version });
  }
}

// --- code users ----------------------------------------------------------------------------

export class CodeUserApi {
  readonly http: ApiClient;
  readonly calls: CallApi;
  private readonly store: TokenStore;

  constructor(store: TokenStore, fetchImpl: FetchLike, baseUrl = "") {
    this.store = store;
    this.http = new ApiClient({ kind: "code_user", store }, fetchImpl, baseUrl);
    this.calls = new CallApi(this.http);
  }

  token(): string | null {
    return this.store.getItem(CODE_USER_TOKEN_KEY);
  }

  /** Open a device by its code; keeps the new token when the server issues one. */
  async open(code: string): Promise<OpenedDevice> {
    const opened = await this.http.request<OpenedDevice>("POST", "/api/code-user/open", { body: { code } });
    if (opened.token) {
      this.store.setItem(CODE_USER_TOKEN_KEY, opened.token);
    }
    return opened;
  }

  request(body: RequestSessionIn): Promise<CodeUserSession> {
    return this.http.request("POST", "/api/code-user/sessions", { body });
  }

  sessions(): Promise<CodeUserSession[]> {
    return this.http.request("GET", "/api/code-user/sessions");
  }

  session(id: number): Promise<CodeUserSession> {
    return this.http.request("GET", `/api/code-user/sessions/${id}`);
  }

  withdraw(id: number, version: number): Promise<CodeUserSession> {
    return this.http.request("POST", `/api/code-user/sessions/${id}/withdraw`, { ifMatch: version });
  }

  rate(id: number, stars: number, comment: string): Promise<CodeUserSession> {
    return this.http.request("POST", `/api/code-user/sessions/${id}/rating`, { body: { stars, comment } });
  }

  /** A recording or screenshot of an own session (authorized by the token, so fetched, not linked). */
  artifact(sessionId: number, artifactId: number, onProgress?: (loaded: number, total: number | null) => void): Promise<Blob> {
    return this.http.blob(`/api/code-user/sessions/${sessionId}/artifacts/${artifactId}/content`, onProgress);
  }

  /** Open an invite link: joins its session (keeps the new token when one is issued). */
  async acceptInvite(inviteToken: string): Promise<AcceptedInvite> {
    const accepted = await this.http.request<AcceptedInvite>("POST", "/api/code-user/invites/accept", {
      body: { token: inviteToken },
    });
    if (accepted.token) {
      this.store.setItem(CODE_USER_TOKEN_KEY, accepted.token);
    }
    return accepted;
  }
}

export interface AcceptedInvite {
  session: CodeUserSession;
  code_user_id: number;
  token: string | null;
  organisation_name: string;
  device_code: string | null;
}
