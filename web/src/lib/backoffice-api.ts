/**
 * The back office's REST calls (sessions in detail, devices, tickets, organisation,
 * employees, teams), on top of the employee's `ApiClient`. Shapes mirror
 * orchestrator/api/schemas.py; state changes that the API versions send `If-Match`.
 */

import type { AssistantButton, EmployeeOut, Ref, RequestStep, SessionPage, SessionSummary } from "./api";
import type { ApiClient } from "./api-client";
import type { ActorKind, SessionStatus, Visibility } from "./events";

export type Trigger =
  | "request"
  | "create"
  | "confirm"
  | "call_started"
  | "call_ended"
  | "reopen"
  | "withdraw"
  | "cancel"
  | "set_status";

export interface StatusChange {
  from_status: SessionStatus | null;
  to_status: SessionStatus;
  trigger: Trigger;
  actor_kind: ActorKind;
  actor_name: string;
  reason: string;
  at: string;
}

export interface Artifact {
  id: number;
  kind: "recording" | "screenshot";
  content_type: string;
  size_bytes: number;
  duration_ms: number | null;
  state: "pending" | "uploading" | "stored" | "failed";
  upload_attempts: number;
  created_at: string;
}

export interface TicketRef {
  id: number;
  number: number;
  title: string;
}

export interface SessionDetails extends SessionSummary {
  contact: string;
  labels: string[];
  requester: { id: number; name: string; contact: string } | null;
  created_by: Ref | null;
  recipients: { employee: Ref; received_at: string }[];
  tickets: TicketRef[];
  history: StatusChange[];
  recording_consent: boolean;
  recording_consent_at: string | null;
  artifacts: Artifact[];
  recording: { id: number; started_at: string; started_by_id: number | null } | null;
  rating: { stars: number; comment: string; created_at: string } | null;
  allowed_actions: Trigger[];
  manual_targets: SessionStatus[];
}

export type SortKey = "created_at" | "-created_at" | "updated_at" | "-updated_at" | "number" | "-number";

export interface SessionQuery {
  statuses: SessionStatus[];
  q: string;
  sort: SortKey;
  deviceId?: number | null;
}

export interface CreateSessionIn {
  title?: string;
  reason?: string;
  device_id?: number | null;
  ticket_id?: number | null;
  visibility?: Visibility;
  responsible_ids?: number[];
}

export interface Invite {
  url: string;
  token: string;
  expires_at: string;
  /** The link as a QR code: an SVG data URL for an <img>. */
  qr_data_url: string;
}

export interface Device {
  id: number;
  name: string;
  code: string;
  location: string;
  picture_url: string;
  assistant: AssistantButton[];
  responsible_employee_ids: number[];
  responsible_team_ids: number[];
  page_url: string;
  created_at: string;
}

export interface DeviceIn {
  name: string;
  location?: string;
  picture_url?: string;
  assistant?: AssistantButton[];
  responsible_employee_ids?: number[];
  responsible_team_ids?: number[];
}

export type TicketStatus = "open" | "closed";

export interface Ticket {
  id: number;
  number: number;
  title: string;
  description: string;
  status: TicketStatus;
  device_id: number | null;
  created_at: string;
}

export interface TicketIn {
  title: string;
  description?: string;
  device_id?: number | null;
}

export type RequestPolicy = "anyone" | "nobody";

export interface OrganisationSettings {
  recording_allowed: boolean;
  who_may_request: RequestPolicy;
  request_steps: RequestStep[];
  labels: string[];
  request_contact_hint: string;
}

export interface Organisation {
  id: number;
  name: string;
  settings: OrganisationSettings;
}

export type Role = EmployeeOut["role"];

export interface EmployeeIn {
  name: string;
  email: string;
  password: string;
  role: Role;
  language: "de" | "en";
}

export type EmployeePatch = Partial<Omit<EmployeeIn, "email">> & { active?: boolean };

export interface NotificationPreferences {
  in_app: boolean;
  email: boolean;
  web_push: boolean;
}

export interface Team {
  id: number;
  name: string;
  member_ids: number[];
}

/** The query string of a session list request; `cursor` asks for the page after the one it came with. */
export function sessionQueryString(query: SessionQuery, cursor: string | null = null, limit = 100): string {
  const params = new URLSearchParams({ limit: String(limit), sort: query.sort });
  if (cursor) {
    params.set("cursor", cursor);
  }
  for (const status of query.statuses) {
    params.append("status", status);
  }
  if (query.q.trim()) {
    params.set("q", query.q.trim());
  }
  if (query.deviceId) {
    params.set("device_id", String(query.deviceId));
  }
  return params.toString();
}

/** What a versioned change needs of a session: its id and the version it was seen at. */
export interface Versioned {
  id: number;
  version: number;
}

export class BackOfficeApi {
  readonly http: ApiClient;

  constructor(http: ApiClient) {
    this.http = http;
  }

  sessions(query: SessionQuery, cursor: string | null = null): Promise<SessionPage> {
    return this.http.request("GET", `/api/sessions?${sessionQueryString(query, cursor)}`);
  }

  session(id: number): Promise<SessionDetails> {
    return this.http.request("GET", `/api/sessions/${id}`);
  }

  createSession(body: CreateSessionIn): Promise<SessionDetails> {
    return this.http.request("POST", "/api/sessions", { body });
  }

  confirm(s: Versioned): Promise<SessionDetails> {
    return this.http.request("POST", `/api/sessions/${s.id}/confirm`, { ifMatch: s.version });
  }

  cancel(s: Versioned, reason: string): Promise<SessionDetails> {
    return this.http.request("POST", `/api/sessions/${s.id}/cancel`, { ifMatch: s.version, body: { reason } });
  }

  reopen(s: Versioned): Promise<SessionDetails> {
    return this.http.request("POST", `/api/sessions/${s.id}/reopen`, { ifMatch: s.version });
  }

  setStatus(s: Versioned, status: SessionStatus, reason: string): Promise<SessionDetails> {
    return this.http.request("POST", `/api/sessions/${s.id}/status`, { ifMatch: s.version, body: { status, reason } });
  }

  setVisibility(s: Versioned, visibility: Visibility): Promise<SessionDetails> {
    return this.http.request("PUT", `/api/sessions/${s.id}/visibility`, { ifMatch: s.version, body: { visibility } });
  }

  addResponsible(s: Versioned, employeeId: number): Promise<SessionDetails> {
    return this.http.request("POST", `/api/sessions/${s.id}/responsible`, {
      ifMatch: s.version,
      body: { employee_id: employeeId },
    });
  }

  removeResponsible(s: Versioned, employeeId: number): Promise<SessionDetails> {
    return this.http.request("DELETE", `/api/sessions/${s.id}/responsible/${employeeId}`, { ifMatch: s.version });
  }

  linkTicket(sessionId: number, ticketId: number): Promise<SessionDetails> {
    return this.http.request("POST", `/api/sessions/${sessionId}/tickets`, { body: { ticket_id: ticketId } });
  }

  unlinkTicket(sessionId: number, ticketId: number): Promise<SessionDetails> {
    return this.http.request("DELETE", `/api/sessions/${sessionId}/tickets/${ticketId}`);
  }

  invite(sessionId: number): Promise<Invite> {
    return this.http.request("POST", `/api/sessions/${sessionId}/invites`);
  }

  /** Where the browser plays or downloads an artifact (the cookie authorizes it). */
  artifactUrl(sessionId: number, artifactId: number): string {
    return `/api/sessions/${sessionId}/artifacts/${artifactId}/content`;
  }

  devices(): Promise<Device[]> {
    return this.http.request("GET", "/api/devices?limit=500");
  }

  device(id: number): Promise<Device> {
    return this.http.request("GET", `/api/devices/${id}`);
  }

  createDevice(body: DeviceIn): Promise<Device> {
    return this.http.request("POST", "/api/devices", { body });
  }

  updateDevice(id: number, body: Partial<DeviceIn>): Promise<Device> {
    return this.http.request("PATCH", `/api/devices/${id}`, { body });
  }

  deleteDevice(id: number): Promise<void> {
    return this.http.request("DELETE", `/api/devices/${id}`);
  }

  deviceQrUrl(id: number): string {
    return `/api/devices/${id}/qr.svg`;
  }

  readonly qrSheetUrl = "/api/devices/qr-sheet";

  tickets(): Promise<Ticket[]> {
    return this.http.request("GET", "/api/tickets?limit=500");
  }

  createTicket(body: TicketIn): Promise<Ticket> {
    return this.http.request("POST", "/api/tickets", { body });
  }

  updateTicket(id: number, body: Partial<TicketIn> & { status?: TicketStatus }): Promise<Ticket> {
    return this.http.request("PATCH", `/api/tickets/${id}`, { body });
  }

  organisation(): Promise<Organisation> {
    return this.http.request("GET", "/api/organisation");
  }

  updateOrganisation(body: { name?: string; settings?: OrganisationSettings }): Promise<Organisation> {
    return this.http.request("PATCH", "/api/organisation", { body });
  }

  employees(): Promise<EmployeeOut[]> {
    return this.http.request("GET", "/api/employees?limit=500");
  }

  createEmployee(body: EmployeeIn): Promise<EmployeeOut> {
    return this.http.request("POST", "/api/employees", { body });
  }

  updateEmployee(id: number, body: EmployeePatch): Promise<EmployeeOut> {
    return this.http.request("PATCH", `/api/employees/${id}`, { body });
  }

  preferences(): Promise<NotificationPreferences> {
    return this.http.request("GET", "/api/me/notification-preferences");
  }

  setPreferences(body: NotificationPreferences): Promise<NotificationPreferences> {
    return this.http.request("PUT", "/api/me/notification-preferences", { body });
  }

  teams(): Promise<Team[]> {
    return this.http.request("GET", "/api/teams");
  }

  createTeam(body: { name: string; member_ids: number[] }): Promise<Team> {
    return this.http.request("POST", "/api/teams", { body });
  }

  updateTeam(id: number, body: { name?: string; member_ids?: number[] }): Promise<Team> {
    return this.http.request("PATCH", `/api/teams/${id}`, { body });
  }
}
