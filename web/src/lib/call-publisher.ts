/**
 * Our side of a call: the publisher handle in the Janus VideoRoom, which joins the room
 * and sends the local tracks.
 *
 * `VideoCall` (lib/call.ts) owns the Janus session, the local media and the phases; this
 * module joins the room with the ticket's pin, token and display, offers the tracks
 * (audio always, video once there is a camera track, added later by renegotiating),
 * swaps a sent track in place, restarts ICE, and hands the room's news (publishers that
 * came, a feed that left) back to the call.
 */

import type { JanusJS } from "janus-gateway";

import type { JoinTicket } from "./api";
import { CallError } from "./call-errors";
import { selectedCandidateType } from "./ice-route";
import { attachHandle, janusError, type PublisherInfo } from "./videoroom";

export interface LocalTracks {
  audio: MediaStreamTrack | null;
  video: MediaStreamTrack | null;
}

export interface PublisherHooks {
  /** The current join ticket (a rejoin brings a fresh one). */
  ticket(): JoinTicket;
  /** The tracks to send; null until the call has acquired them. */
  tracks(): LocalTracks | null;
  iceState(state: string): void;
  error(error: CallError): void;
  /** The handle joined the room (our tracks are offered next). */
  joined(): void;
  /** Publishers in the room, as the join or a room event lists them. */
  publishers(janus: JanusJS.Janus, publishers: PublisherInfo[] | undefined): void;
  /** A publisher left the room or stopped publishing. */
  left(feed: string): void;
}

export class Publisher {
  private handle: JanusJS.PluginHandle | null = null;
  private joined = false;
  /** Video is among the sent tracks (later cameras replace it in place). */
  private videoSent = false;
  private readonly hooks: PublisherHooks;

  constructor(hooks: PublisherHooks) {
    this.hooks = hooks;
  }

  /** The handle is attached (a camera switched on now is published, or replaced). */
  get attached(): boolean {
    return this.handle !== null;
  }

  get videoPublished(): boolean {
    return this.videoSent;
  }

  /** Attach to the VideoRoom in `janus` and join the ticket's room as a publisher. */
  attach(janus: JanusJS.Janus, current: () => boolean): void {
    attachHandle(janus, current, {
      attached: (handle) => {
        this.handle = handle;
        const ticket = this.hooks.ticket();
        handle.send({
          message: {
            request: "join",
            ptype: "publisher",
            room: ticket.room_id,
            pin: ticket.pin,
            token: ticket.token,
            display: ticket.display,
          },
        });
      },
      error: (error) => {
        this.hooks.error(new CallError("refused", error, true));
      },
      iceState: (state) => {
        this.hooks.iceState(state);
      },
      message: (message, jsep) => {
        this.onMessage(janus, message, jsep);
      },
    });
  }

  /** Send our tracks: audio always, video when there is a camera track. */
  publish(): void {
    const handle = this.handle;
    const local = this.hooks.tracks();
    if (!handle || !this.joined || !local) {
      return;
    }
    const tracks: JanusJS.TrackOption[] = [];
    const firstOffer = !(handle.webrtcStuff.pc as RTCPeerConnection | null | undefined);
    if (firstOffer && local.audio) {
      tracks.push({ type: "audio", capture: local.audio, recv: false, dontStop: true });
    }
    const withVideo = local.video !== null && !this.videoSent;
    if (withVideo && local.video) {
      tracks.push({ type: "video", capture: local.video, recv: false, add: !firstOffer, dontStop: true });
    }
    if (tracks.length === 0) {
      return;
    }
    handle.createOffer({
      tracks,
      success: (jsep) => {
        if (withVideo) {
          this.videoSent = true;
        }
        handle.send({ message: { request: "configure", audio: true, video: this.videoSent }, jsep });
      },
      error: (error) => {
        this.hooks.error(new CallError("media_failed", String(error), true));
      },
    });
  }

  /** Send `track` in place of the sent track of its kind (no renegotiation). */
  replace(kind: "audio" | "video", track: MediaStreamTrack): Promise<void> {
    const handle = this.handle;
    if (!handle) {
      return Promise.resolve();
    }
    const transceiver = handle.webrtcStuff.pc.getTransceivers().find((t) => t.sender.track?.kind === kind || t.receiver.track.kind === kind);
    return new Promise((resolve) => {
      handle.replaceTracks({
        tracks: [{ type: kind, mid: transceiver?.mid ?? undefined, capture: track, replace: true, dontStop: true }],
        success: () => {
          resolve();
        },
        error: (error) => {
          this.hooks.error(new CallError("media_failed", error, false));
          resolve();
        },
      });
    });
  }

  /** Offer again with new ICE credentials (the network changed under the call). */
  restartIce(): void {
    const handle = this.handle;
    if (handle?.webrtcStuff.pc) {
      handle.createOffer({
        iceRestart: true,
        success: (jsep) => {
          handle.send({ message: { request: "configure", audio: true, video: this.videoSent }, jsep });
        },
      });
    }
  }

  /** The local ICE candidate type of the selected pair ("host", "relay", …). */
  async candidateType(): Promise<string | null> {
    const pc = this.handle?.webrtcStuff.pc;
    if (!pc) {
      return null;
    }
    return selectedCandidateType(await pc.getStats());
  }

  /** The Janus session is gone (its handles with it): start again at the next attach. */
  forget(): void {
    this.handle = null;
    this.joined = false;
    this.videoSent = false;
  }

  private onMessage(janus: JanusJS.Janus, message: JanusJS.Message, jsep: JanusJS.JSEP | undefined): void {
    const kind = message.videoroom as string | undefined;
    const error = janusError(message);
    if (kind === "joined") {
      this.joined = true;
      this.hooks.joined();
      this.publish();
      this.hooks.publishers(janus, message.publishers as PublisherInfo[] | undefined);
    } else if (kind === "event") {
      if (error) {
        this.hooks.error(new CallError("refused", error, true));
        return;
      }
      this.hooks.publishers(janus, message.publishers as PublisherInfo[] | undefined);
      const gone = (message.leaving ?? message.unpublished) as number | string | undefined;
      if (gone !== undefined) {
        this.hooks.left(String(gone));
      }
    }
    if (jsep && this.handle) {
      this.handle.handleRemoteJsep({ jsep });
    }
  }
}
