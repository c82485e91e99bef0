/**
 * Call errors in words the UI can translate, and the mapping of getUserMedia
 * failures onto them (kept apart from call.ts so that it is testable without janus.js).
 */

export type CallErrorCode =
  | "webrtc_unsupported"
  | "permission_denied"
  | "no_camera"
  | "no_microphone"
  | "device_busy"
  | "refused"
  | "connection_lost"
  | "media_failed";

export class CallError extends Error {
  readonly code: CallErrorCode;
  /** A fatal error ends the call; others (no camera) leave it running with less. */
  readonly fatal: boolean;

  constructor(code: CallErrorCode, message: string, fatal: boolean) {
    super(message);
    this.name = "CallError";
    this.code = code;
    this.fatal = fatal;
  }
}

/** Map getUserMedia failures to errors a person can act on. */
export function mediaError(error: unknown, wantedVideo: boolean): CallError {
  const name = error instanceof Error || error instanceof DOMException ? error.name : "";
  switch (name) {
    case "NotAllowedError":
    case "SecurityError":
      return new CallError("permission_denied", "camera or microphone permission denied", true);
    case "NotFoundError":
    case "OverconstrainedError":
      return wantedVideo
        ? new CallError("no_camera", "no camera found", false)
        : new CallError("no_microphone", "no microphone found", true);
    case "NotReadableError":
    case "AbortError":
      return new CallError("device_busy", "the camera or microphone is in use elsewhere", !wantedVideo);
    default:
      return new CallError("media_failed", String(error), true);
  }
}
