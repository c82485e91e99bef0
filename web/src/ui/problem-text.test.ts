import { afterEach, describe, expect, it } from "vitest";
import { ApiError, NetworkError } from "../lib/api-client";
import { MAX_MARKERS } from "../lib/tool-messages";
import { setLanguage, t } from "../i18n";
import { problemText } from "./problem-text";

afterEach(() => {
  setLanguage("de");
});

describe("problemText", () => {
  it("says what to do for each kind of problem", () => {
    setLanguage("en");
    expect(problemText(new NetworkError(new TypeError("x")))).toBe(t("error.network"));
    expect(problemText(new ApiError(409, "version_conflict", "stale"))).toBe(t("error.conflict"));
    expect(problemText(new ApiError(401, "code_user_token_required", "x"))).toBe(t("error.codeUserToken"));
    expect(problemText(new ApiError(401, "not_authenticated", "x"))).toBe(t("error.unauthorized"));
    expect(problemText(new ApiError(404, "not_found", "x"))).toBe(t("error.notFound"));
    expect(problemText(new ApiError(503, "service_unavailable", "x"))).toBe(t("error.unavailable"));
    expect(problemText(new ApiError(422, "invalid_input", "stars: too big"))).toContain("stars: too big");
    expect(problemText(new ApiError(409, "already_rated", "you have already rated"))).toContain("already rated");
    expect(problemText(new ApiError(409, "too_many_markers", "at most 9 markers at once"))).toBe(
      t("call.markersFull", { max: MAX_MARKERS }),
    );
    expect(problemText(new ApiError(409, "marker_slot_taken", "placed at the same moment"))).toBe(
      t("call.markerRace"),
    );
  });

  it("speaks German too", () => {
    setLanguage("de");
    expect(problemText(new ApiError(503, "service_unavailable", "x"))).toContain("Minute");
  });
});
