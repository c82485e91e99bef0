import { describe, expect, it } from "vitest";

import { mediaError } from "./call-errors";

function named(name: string): Error {
  const error = new Error(name);
  error.name = name;
  return error;
}

describe("mediaError", () => {
  it("says what to do when permission is denied (fatal)", () => {
    expect(mediaError(named("NotAllowedError"), true)).toMatchObject({ code: "permission_denied", fatal: true });
    expect(mediaError(named("SecurityError"), false)).toMatchObject({ code: "permission_denied", fatal: true });
  });

  it("goes on without a camera but not without a microphone", () => {
    expect(mediaError(named("NotFoundError"), true)).toMatchObject({ code: "no_camera", fatal: false });
    expect(mediaError(named("OverconstrainedError"), true)).toMatchObject({ code: "no_camera", fatal: false });
    expect(mediaError(named("NotFoundError"), false)).toMatchObject({ code: "no_microphone", fatal: true });
  });

  it("reports a busy device, fatal only for the microphone", () => {
    expect(mediaError(named("NotReadableError"), true)).toMatchObject({ code: "device_busy", fatal: false });
    expect(mediaError(named("NotReadableError"), false)).toMatchObject({ code: "device_busy", fatal: true });
  });

  it("keeps anything else as a media failure", () => {
    expect(mediaError("weird", false)).toMatchObject({ code: "media_failed", fatal: true, message: "weird" });
  });
});
