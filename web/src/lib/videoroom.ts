/**
 * What a call's two Janus handles (lib/call-publisher.ts publishes, lib/call-remote.ts subscribes)
 * share about the VideoRoom plugin: its name, how it lists publishers, and its errors.
 */

import type { JanusJS } from "janus-gateway";

export const PLUGIN = "janus.plugin.videoroom";

/** A publisher as the room lists it (`joined` and `event` messages). */
export interface PublisherInfo {
  id: number | string;
  display?: string;
  streams?: { mid: string; type: string; disabled?: boolean }[];
}

/** A short description of a Janus VideoRoom error (e.g. 433 unauthorized); null for none. */
export function janusError(message: JanusJS.Message): string | null {
  if (typeof message.error === "string") {
    const code = typeof message.error_code === "number" ? ` (${message.error_code})` : "";
    return `${message.error}${code}`;
  }
  return null;
}
