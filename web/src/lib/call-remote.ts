/**
 * The other side of a call: the subscription to its feed in the Janus VideoRoom, and
 * the stream of its tracks.
 *
 * `VideoCall` (lib/call.ts) picks the feed among the room's publishers; this module
 * subscribes to it (with the ticket's pin and token), catches up with streams the
 * other side adds later (the employee switching the camera on), keeps one track per
 * kind in `stream`, and can ask the player to hold the video (`setVideoDelay`).
 */

import type { JanusJS } from "janus-gateway";

import type { JoinTicket } from "./api";
import { CallError } from "./call-errors";
import { attachHandle, janusError, type PublisherInfo } from "./videoroom";

export interface RemoteFeedHooks {
  /** The current join ticket (a rejoin brings a fresh one). */
  ticket(): JoinTicket;
  iceState(state: string): void;
  error(error: CallError): void;
  /** The remote stream got a track (the call is connected) or lost the feed (null). */
  stream(stream: MediaStream | null): void;
}

export class RemoteFeed {
  readonly stream = new MediaStream();
  /** The subscribed publisher's id as a string; null before one is picked. */
  feed: string | null = null;
  private feedId: number | string | null = null;
  private handle: JanusJS.PluginHandle | null = null;
  /** The feed's streams as last announced (a subscription catches up to them). */
  private mids: string[] = [];
  private subscribedMids = new Set<string>();
  /** How long the player holds the remote video (ms; null: as briefly as it can). */
  private videoDelay: number | null = null;
  private readonly hooks: RemoteFeedHooks;

  constructor(hooks: RemoteFeedHooks) {
    this.hooks = hooks;
  }

  get hasTracks(): boolean {
    return this.stream.getTracks().length > 0;
  }

  /** Subscribe to `publisher`, or catch up with its streams when it is the one subscribed. */
  consider(janus: JanusJS.Janus, publisher: PublisherInfo, current: () => boolean): void {
    const feed = String(publisher.id);
    const mids = (publisher.streams ?? []).filter((s) => s.disabled !== true).map((s) => s.mid);
    if (this.feed !== feed) {
      this.drop();
      this.feed = feed;
      this.feedId = publisher.id;
      this.mids = mids;
      this.attach(janus, publisher.id, current);
      return;
    }
    this.mids = mids;
    this.catchUp();
  }

  /** The other side left or unpublished: no subscription, no tracks. */
  drop(): void {
    this.handle?.detach();
    this.handle = null;
    this.feed = null;
    this.feedId = null;
    this.mids = [];
    this.subscribedMids = new Set();
    for (const track of this.stream.getTracks()) {
      this.stream.removeTrack(track);
    }
    this.hooks.stream(null);
  }

  /**
   * The Janus session is gone (it destroys the handle): subscribe afresh after a
   * rejoin, and keep the tracks on screen until then.
   */
  forget(): void {
    this.handle = null;
    this.feed = null;
    this.subscribedMids = new Set();
  }

  /** Ask Janus for an ICE restart of the subscription. */
  restartIce(): void {
    this.handle?.send({ message: { request: "configure", restart: true } });
  }

  /**
   * Hold the remote video this long before showing it (ms; null: as briefly as the
   * player can), for overlays that arrive after their frames (ui/markers-layer.ts).
   */
  setVideoDelay(ms: number | null): void {
    this.videoDelay = ms;
    this.applyVideoDelay();
  }

  private applyVideoDelay(): void {
    const pc = this.handle?.webrtcStuff.pc as RTCPeerConnection | null | undefined;
    for (const receiver of pc?.getReceivers() ?? []) {
      if (receiver.track.kind === "video" && "jitterBufferTarget" in receiver) {
        receiver.jitterBufferTarget = this.videoDelay;
      }
    }
  }

  /** Subscribe to streams the other side added since we subscribed (camera switched on). */
  private catchUp(): void {
    const handle = this.handle;
    const feed = this.feedId;
    if (!handle || feed === null) {
      return;
    }
    const fresh = this.mids.filter((mid) => !this.subscribedMids.has(mid));
    if (fresh.length === 0) {
      return;
    }
    for (const mid of fresh) {
      this.subscribedMids.add(mid);
    }
    handle.send({ message: { request: "update", subscribe: fresh.map((mid) => ({ feed, mid })) } });
  }

  private attach(janus: JanusJS.Janus, feed: number | string, current: () => boolean): void {
    attachHandle(janus, current, {
      attached: (handle) => {
        if (String(feed) !== this.feed) {
          handle.detach();
          return;
        }
        this.handle = handle;
        const ticket = this.hooks.ticket();
        handle.send({
          message: {
            request: "join",
            ptype: "subscriber",
            room: ticket.room_id,
            pin: ticket.pin,
            token: ticket.token,
            streams: [{ feed }],
          },
        });
      },
      error: (error) => {
        this.hooks.error(new CallError("refused", error, false));
      },
      iceState: (state) => {
        this.hooks.iceState(state);
      },
      message: (message, jsep) => {
        this.onMessage(message, jsep);
      },
      remoteTrack: (track, on) => {
        this.track(track, on);
      },
    });
  }

  private onMessage(message: JanusJS.Message, jsep: JanusJS.JSEP | undefined): void {
    const error = janusError(message);
    if (error) {
      this.hooks.error(new CallError("refused", error, true));
      return;
    }
    const streams = message.streams as { feed_mid?: string; mid?: string }[] | undefined;
    for (const stream of streams ?? []) {
      if (stream.feed_mid) {
        this.subscribedMids.add(stream.feed_mid);
      }
    }
    if (message.videoroom === "attached" || message.videoroom === "updated") {
      this.catchUp();
    }
    const handle = this.handle;
    if (jsep && handle) {
      handle.createAnswer({
        jsep,
        tracks: [{ type: "data", capture: false }],
        success: (answer) => {
          handle.send({ message: { request: "start", room: this.hooks.ticket().room_id }, jsep: answer });
        },
        error: (answerError) => {
          this.hooks.error(new CallError("media_failed", answerError, false));
        },
      });
    }
  }

  private track(track: MediaStreamTrack, on: boolean): void {
    const known = this.stream.getTrackById(track.id);
    if (on && !known) {
      for (const old of this.stream.getTracks().filter((t) => t.kind === track.kind)) {
        this.stream.removeTrack(old);
      }
      this.stream.addTrack(track);
      this.applyVideoDelay();
    } else if (!on && known) {
      this.stream.removeTrack(known);
    }
    if (this.hasTracks) {
      this.hooks.stream(this.stream);
    }
  }
}
