/**
 * What to say about an artifact that is not stored yet: waiting for its upload, or
 * being stored (with the attempt, since failed attempts are retried with backoff).
 * Stored and failed artifacts say something else (open/download, or the failure).
 */

import type { ArtifactOut } from "./api";

export interface UploadStatus {
  key: "artifacts.queued" | "artifacts.uploading";
  params: Record<string, string | number>;
}

export function uploadStatus(artifact: Pick<ArtifactOut, "state" | "upload_attempts">): UploadStatus | null {
  if (artifact.state === "stored" || artifact.state === "failed") {
    return null;
  }
  if (artifact.state === "pending" && artifact.upload_attempts === 0) {
    return { key: "artifacts.queued", params: {} };
  }
  const attempt = artifact.upload_attempts + (artifact.state === "uploading" ? 1 : 0);
  return { key: "artifacts.uploading", params: { attempt: Math.max(1, attempt) } };
}
