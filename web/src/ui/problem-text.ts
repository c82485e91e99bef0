/**
 * An API or network error in words a person understands, with what to do next.
 * The problem document's `code` and status pick the text; the server's own `detail`
 * is shown only where it names what to fix (invalid input) or nothing better fits.
 */

import { ApiError, NetworkError } from "../lib/api-client";
import { MAX_MARKERS } from "../lib/tool-messages";
import { t } from "../i18n";

const CONFLICT_CODES = new Set(["version_conflict", "invalid_transition", "precondition_required"]);

export function problemText(error: unknown): string {
  if (error instanceof NetworkError) {
    return t("error.network");
  }
  if (!(error instanceof ApiError)) {
    return t("error.generic", { detail: String(error) });
  }
  if (error.code === "code_user_token_required") {
    return t("error.codeUserToken");
  }
  if (error.code === "too_many_markers") {
    return t("call.markersFull", { max: MAX_MARKERS });
  }
  if (error.code === "marker_slot_taken") {
    return t("call.markerRace");
  }
  if (CONFLICT_CODES.has(error.code)) {
    return t("error.conflict");
  }
  switch (error.status) {
    case 400:
    case 413:
    case 422:
      return t("error.invalid", { detail: error.detail });
    case 401:
      return t("error.unauthorized");
    case 403:
      return t("error.forbidden");
    case 404:
      return t("error.notFound");
    case 429:
      return t("error.rateLimited");
    default:
      return error.status >= 500 ? t("error.unavailable") : t("error.generic", { detail: error.detail });
  }
}
