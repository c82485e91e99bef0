/**
 * What went wrong, in categories a person can act on: the UI turns each kind into a
 * sentence with what to do next, and adds the server's own detail.
 */

import { ApiError, NetworkError } from "./api";

export type ProblemKind =
  | "network"
  | "login"
  | "forbidden"
  | "not_found"
  | "changed"
  | "not_allowed_now"
  | "invalid"
  | "too_large"
  | "busy"
  | "unavailable"
  | "server"
  | "unknown";

export interface Problem {
  kind: ProblemKind;
  /** The server's explanation (may be empty). */
  detail: string;
  /** The input field it names, if any. */
  field: string | null;
}

const BY_CODE: Record<string, ProblemKind> = {
  not_authenticated: "login",
  csrf_failed: "login",
  permission_denied: "forbidden",
  not_found: "not_found",
  version_conflict: "changed",
  precondition_required: "changed",
  invalid_transition: "not_allowed_now",
  conflict: "not_allowed_now",
  invalid_input: "invalid",
  malformed_request: "invalid",
  payload_too_large: "too_large",
  rate_limited: "busy",
  upstream_failed: "unavailable",
  service_unavailable: "unavailable",
};

function byStatus(status: number): ProblemKind {
  if (status === 401) return "login";
  if (status === 403) return "forbidden";
  if (status === 404) return "not_found";
  if (status === 409 || status === 412 || status === 428) return "changed";
  if (status === 413) return "too_large";
  if (status === 400 || status === 422) return "invalid";
  if (status === 429) return "busy";
  if (status === 502 || status === 503 || status === 504) return "unavailable";
  if (status >= 500) return "server";
  return "unknown";
}

export function describeProblem(error: unknown): Problem {
  if (error instanceof NetworkError) {
    return { kind: "network", detail: "", field: null };
  }
  if (error instanceof ApiError) {
    return { kind: BY_CODE[error.code] ?? byStatus(error.status), detail: error.detail, field: error.field };
  }
  return { kind: "unknown", detail: error instanceof Error ? error.message : String(error), field: null };
}
