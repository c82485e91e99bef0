/**
 * What a call's two Janus handles (lib/call-publisher.ts publishes, lib/call-remote.ts subscribes)
 * share about the VideoRoom plugin: its name, how it lists publishers, its errors, and how
 * a handle is attached.
 */

import type { JanusJS } from "janus-gateway";

const PLUGIN = "janus.plugin.videoroom";

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

/** What a call's handle does with the VideoRoom's callbacks (`attachHandle`). */
export interface HandleCallbacks {
  attached(handle: JanusJS.PluginHandle): void;
  error(error: string): void;
  iceState(state: string): void;
  message(message: JanusJS.Message, jsep: JanusJS.JSEP | undefined): void;
  remoteTrack?(track: MediaStreamTrack, on: boolean): void;
}

/**
 * Attach a VideoRoom handle in `janus`. Its callbacks are dropped once `current()` says
 * the Janus session is stale (a rejoin replaced it), and a handle that arrives then is
 * detached.
 */
export function attachHandle(janus: JanusJS.Janus, current: () => boolean, callbacks: HandleCallbacks): void {
  janus.attach({
    plugin: PLUGIN,
    success: (handle) => {
      if (current()) {
        callbacks.attached(handle);
      } else {
        handle.detach();
      }
    },
    error: (error) => {
      if (current()) {
        callbacks.error(error);
      }
    },
    iceState: (state) => {
      if (current()) {
        callbacks.iceState(state);
      }
    },
    onmessage: (message, jsep) => {
      if (current()) {
        callbacks.message(message, jsep);
      }
    },
    onremotetrack: (track, _mid, on) => {
      if (current()) {
        callbacks.remoteTrack?.(track, on);
      }
    },
  });
}
