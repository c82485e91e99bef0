/**
 * Domain events and WebSocket frames: the TypeScript mirror of
 * orchestrator/events/schemas.py (and of the call events in docs/calls.md).
 *
 * tests/unit/test_event_contract.py parses the `export const` lists and the
 * `export interface` blocks marked "mirror of" below and checks them against the
 * pydantic models, so the two cannot drift apart silently.
 */

export const SESSION_STATUSES = ["REQUESTED", "CONFIRMED", "RUNNING", "DONE", "CANCELLED"] as const;
export type SessionStatus = (typeof SESSION_STATUSES)[number];

export const ACTOR_KINDS = ["code_user", "employee", "system"] as const;
export type ActorKind = (typeof ACTOR_KINDS)[number];

export const VISIBILITIES = ["internal", "public"] as const;
export type Visibility = (typeof VISIBILITIES)[number];

export const EVENT_TYPES = [
  "session.requested",
  "session.created",
  "session.confirmed",
  "session.status_changed",
  "session.updated",
  "call.ringing",
  "call.accepted",
  "call.declined",
  "call.missed",
  "call.started",
  "call.ended",
  "recording.start",
  "recording.stop",
  "recording.forward",
  "recording.forwarded",
  "artifact.upload",
  "artifact.stored",
  "notification.delivered",
  "marker.placed",
  "marker.removed",
  "tracking.forward",
  "tracking.forwarded",
  "tracking.unforward",
  "tracking.renew",
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** Mirror of schemas.Actor. */
export interface Actor {
  kind: ActorKind;
  id: number | null;
}

/** Mirror of schemas.SessionRef (what employees receive). */
export interface SessionRef {
  id: number;
  organisation_id: number;
  number: number;
  title: string;
  status: SessionStatus;
  visibility: Visibility;
  device_id: number | null;
  requester_id: number | null;
  responsible_ids: number[];
  code_user_ids: number[];
  version: number;
}

/** Mirror of schemas.SessionPayload. */
export interface SessionPayload {
  session: SessionRef;
  previous_status: SessionStatus | null;
  actor: Actor;
  reason: string;
  changes: string[];
  data: Record<string, unknown>;
}

/** Mirror of schemas.Event. */
export interface DomainEvent {
  id: string;
  type: EventType;
  occurred_at: string;
  payload: SessionPayload;
}

/** What a code user receives of an event of their own public session (realtime/ws.py). */
export interface CodeUserEvent {
  id: string;
  type: EventType;
  occurred_at: string;
  payload: {
    session: Pick<SessionRef, "id" | "number" | "title" | "status" | "version">;
    previous_status: SessionStatus | null;
    data?: Record<string, unknown>;
  };
}

/** Either audience's view: the fields both share. */
export type LiveEvent = DomainEvent | CodeUserEvent;

export type CallSide = "employee" | "code_user";

/** `call.ringing` data (docs/calls.md). */
export interface CallRingingData {
  call_id: number;
  from: CallSide;
  caller_name: string;
  ring_timeout_seconds: number;
}

/** `call.ended` data (docs/calls.md). */
export interface CallEndedData {
  call_id: number;
  duration_seconds: number;
  reason: string;
}

export interface SnapshotFrame {
  type: "snapshot";
  seq: number;
  data: { sessions: unknown[] };
}

export interface EventFrame {
  type: "event";
  seq: number;
  event: LiveEvent;
}

export interface ResyncFrame {
  type: "resync";
  seq: number;
}

export interface ErrorFrame {
  type: "error";
  code: string;
  detail: string;
  status?: number;
  field?: string | null;
}

export interface PongFrame {
  type: "pong";
}

/** One in-app message of the notifier for this employee (notifier/channels/in_app.py). */
export interface InAppNotification {
  id: number;
  kind: string;
  session_id: number | null;
  title: string;
  body: string;
  /** The deep link to the session in the back office. */
  url: string;
}

/** Sent outside the `seq` numbering: a notification is no part of the snapshot. */
export interface NotificationFrame {
  type: "notification";
  notification: InAppNotification;
}

export type ServerFrame = SnapshotFrame | EventFrame | ResyncFrame | ErrorFrame | PongFrame | NotificationFrame;

function isInAppNotification(value: unknown): value is InAppNotification {
  return (
    isRecord(value) &&
    typeof value.id === "number" &&
    typeof value.kind === "string" &&
    typeof value.title === "string" &&
    typeof value.body === "string" &&
    typeof value.url === "string"
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function isEventType(value: unknown): value is EventType {
  return typeof value === "string" && (EVENT_TYPES as readonly string[]).includes(value);
}

export function isSessionStatus(value: unknown): value is SessionStatus {
  return typeof value === "string" && (SESSION_STATUSES as readonly string[]).includes(value);
}

function isLiveEvent(value: unknown): value is LiveEvent {
  if (!isRecord(value) || typeof value.id !== "string" || !isEventType(value.type)) {
    return false;
  }
  const payload = value.payload;
  if (!isRecord(payload) || !isRecord(payload.session)) {
    return false;
  }
  const session = payload.session;
  return (
    typeof session.id === "number" &&
    typeof session.version === "number" &&
    isSessionStatus(session.status)
  );
}

/** Parse one WebSocket frame; null for anything this client does not understand. */
export function parseFrame(raw: string): ServerFrame | null {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return null;
  }
  if (!isRecord(value)) {
    return null;
  }
  switch (value.type) {
    case "snapshot":
      if (typeof value.seq === "number" && isRecord(value.data) && Array.isArray(value.data.sessions)) {
        return { type: "snapshot", seq: value.seq, data: { sessions: value.data.sessions } };
      }
      return null;
    case "event":
      if (typeof value.seq === "number" && isLiveEvent(value.event)) {
        return { type: "event", seq: value.seq, event: value.event };
      }
      return null;
    case "resync":
      return typeof value.seq === "number" ? { type: "resync", seq: value.seq } : null;
    case "error":
      return {
        type: "error",
        code: typeof value.code === "string" ? value.code : "unknown",
        detail: typeof value.detail === "string" ? value.detail : "",
      };
    case "pong":
      return { type: "pong" };
    case "notification":
      return isInAppNotification(value.notification) ? { type: "notification", notification: value.notification } : null;
    default:
      return null;
  }
}

/** The event's `payload.data`, which both audiences receive for call events. */
export function eventData(event: LiveEvent): Record<string, unknown> {
  return event.payload.data ?? {};
}

/** `call.ringing` data when `event` is a well-formed ringing event. */
export function ringingData(event: LiveEvent): CallRingingData | null {
  if (event.type !== "call.ringing") {
    return null;
  }
  const data = eventData(event);
  if (typeof data.call_id !== "number" || (data.from !== "employee" && data.from !== "code_user")) {
    return null;
  }
  return {
    call_id: data.call_id,
    from: data.from,
    caller_name: typeof data.caller_name === "string" ? data.caller_name : "",
    ring_timeout_seconds: typeof data.ring_timeout_seconds === "number" ? data.ring_timeout_seconds : 30,
  };
}

/** The call id of a `call.*` event, or null. */
export function callIdOf(event: LiveEvent): number | null {
  if (!event.type.startsWith("call.")) {
    return null;
  }
  const id = eventData(event).call_id;
  return typeof id === "number" ? id : null;
}
