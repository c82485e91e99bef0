import { describe, expect, it } from "vitest";

import { ApiError, NetworkError } from "./api";
import { describeProblem, type ProblemKind } from "./problems";

describe("problems in words", () => {
  it.each<[ApiError, ProblemKind]>([
    [new ApiError(409, "version_conflict", "the session changed"), "changed"],
    [new ApiError(428, "precondition_required", "If-Match is required"), "changed"],
    [new ApiError(409, "invalid_transition", "DONE cannot be confirmed"), "not_allowed_now"],
    [new ApiError(403, "permission_denied", "administrators only"), "forbidden"],
    [new ApiError(401, "not_authenticated", "please log in"), "login"],
    [new ApiError(422, "invalid_input", "name: too long", "name"), "invalid"],
    [new ApiError(503, "service_unavailable", "try later"), "unavailable"],
    [new ApiError(418, "teapot", "?"), "unknown"],
    [new ApiError(500, "http_error", "Internal Server Error"), "server"],
    [new ApiError(404, "http_error", "Not Found"), "not_found"],
  ])("%s is %s", (error, kind) => {
    expect(describeProblem(error).kind).toBe(kind);
  });

  it("keep the server's detail and field", () => {
    expect(describeProblem(new ApiError(422, "invalid_input", "name: too long", "name"))).toEqual({
      kind: "invalid",
      detail: "name: too long",
      field: "name",
    });
  });

  it("tell an unreachable server apart", () => {
    expect(describeProblem(new NetworkError(new TypeError("Failed to fetch"))).kind).toBe("network");
  });
});
