import { describe, expect, it } from "vitest";
import { uploadStatus } from "./upload-status";

describe("uploadStatus", () => {
  it("waits, then counts the attempt being made", () => {
    expect(uploadStatus({ state: "pending", upload_attempts: 0 })).toEqual({ key: "artifacts.queued", params: {} });
    expect(uploadStatus({ state: "uploading", upload_attempts: 0 })).toEqual({ key: "artifacts.uploading", params: { attempt: 1 } });
    expect(uploadStatus({ state: "uploading", upload_attempts: 2 })).toEqual({ key: "artifacts.uploading", params: { attempt: 3 } });
  });

  it("between retries it names the attempt that failed last", () => {
    expect(uploadStatus({ state: "pending", upload_attempts: 2 })).toEqual({ key: "artifacts.uploading", params: { attempt: 2 } });
  });

  it("says nothing once stored or failed", () => {
    expect(uploadStatus({ state: "stored", upload_attempts: 1 })).toBeNull();
    expect(uploadStatus({ state: "failed", upload_attempts: 5 })).toBeNull();
  });
});
