/**
 * One call in a Janus VideoRoom. With lib/call-publisher.ts (our side's handle),
 * lib/call-remote.ts (the subscription to the other side) and lib/videoroom.ts (what
 * both share), the only modules that import janus.js.
 *
 * `VideoCall` joins the room of a JoinTicket (docs/calls.md) as a publisher with
 * `display`, `pin` and `token`, subscribes to the other side's feed with the same pin
 * and token, and reports what the call screen needs through a listener: the phase,
 * the local and remote streams, the camera's capabilities and errors in words the UI
 * can translate. It touches no DOM; the page tells it when it becomes visible again.
 */

import Janus, { type JanusJS } from "janus-gateway";
import adapter from "webrtc-adapter";

import type { JoinTicket } from "./api";
import { CallError } from "./call-errors";
import { Publisher } from "./call-publisher";
import { RemoteFeed } from "./call-remote";
import { isGone, LocalMedia, type CameraState, type FacingMode, type MediaDevicesLike, type VideoSize } from "./local-media";
import type { PublisherInfo } from "./videoroom";

export { CallError, mediaError, type CallErrorCode } from "./call-errors";
export { DETAIL_VIDEO, FACE_VIDEO } from "./local-media";
export type { CameraState, FacingMode, MediaDevicesLike, VideoSize, ZoomRange } from "./local-media";

export type CallPhase = "connecting" | "waiting" | "connected" | "reconnecting" | "ended";

export interface CallListener {
  phase(phase: CallPhase): void;
  localStream(stream: MediaStream | null): void;
  remoteStream(stream: MediaStream | null): void;
  camera(state: CameraState): void;
  error(error: CallError): void;
}

export interface CallOptions {
  ticket: JoinTicket;
  media: MediaDevicesLike;
  listener: CallListener;
  /** Employees start with the camera off (audio only until they switch it on). */
  cameraOn: boolean;
  facingMode: FacingMode;
  /** The camera resolution to ask for (local-media.ts: DETAIL_VIDEO, FACE_VIDEO). */
  videoSize?: VideoSize;
  /** "relay" forces TURN (strict networks, and the relay-only test). */
  iceTransportPolicy?: RTCIceTransportPolicy;
  /** A fresh ticket for a rejoin after the Janus session was lost. */
  refreshTicket?: () => Promise<JoinTicket | null>;
  /** How long reconnecting may take before the call counts as lost (ms). */
  reconnectWindowMs?: number;
}

let initialised: Promise<void> | null = null;

/**
 * `localStorage["fernblick.debug"] = "1"` logs janus.js's steps and the call's phases to
 * the console: for support cases, and the browser tests print it when one fails.
 */
function debugging(): boolean {
  try {
    return localStorage.getItem("fernblick.debug") === "1";
  } catch {
    return false;
  }
}

function initJanus(): Promise<void> {
  initialised ??= new Promise((resolve) => {
    Janus.init({
      // janus.js types its levels as an enum it does not export at runtime.
      debug: debugging() ? (["log", "warn", "error"] as unknown as JanusJS.DebugLevel[]) : false,
      dependencies: Janus.useDefaultDependencies({ adapter: adapter as unknown }),
      callback: () => {
        resolve();
      },
    });
  });
  return initialised;
}

/** Load janus.js's dependencies ahead of a call (while it rings), so accepting is quicker. */
export function prepareCalls(): Promise<void> {
  return initJanus();
}

export class VideoCall {
  private readonly options: CallOptions;
  private ticket: JoinTicket;
  private janus: JanusJS.Janus | null = null;
  private readonly publisher: Publisher;
  private readonly remote: RemoteFeed;
  private readonly local: LocalMedia;
  /** The local tracks are open (start() acquired them; publishing needs them). */
  private mediaReady = false;
  private currentPhase: CallPhase = "connecting";
  private closed = false;
  private generation = 0;
  private lostSince: number | null = null;
  private restartTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(options: CallOptions) {
    this.options = options;
    this.ticket = options.ticket;
    this.local = new LocalMedia(
      options.media,
      options.cameraOn,
      options.facingMode,
      (error) => {
        options.listener.error(error);
      },
      options.videoSize,
    );
    this.publisher = new Publisher({
      ticket: () => this.ticket,
      tracks: () => (this.mediaReady ? { audio: this.local.audio, video: this.local.video } : null),
      iceState: (state) => {
        this.iceState(state);
      },
      error: (error) => {
        this.fail(error);
      },
      joined: () => {
        this.lostSince = null;
        this.setPhase(this.remote.feed ? "connected" : "waiting");
      },
      publishers: (janus, publishers) => {
        this.considerPublishers(janus, publishers);
      },
      left: (feed) => {
        if (feed === this.remote.feed) {
          this.remote.drop();
        }
      },
    });
    this.remote = new RemoteFeed({
      ticket: () => this.ticket,
      iceState: (state) => {
        this.iceState(state);
      },
      error: (error) => {
        this.fail(error);
      },
      stream: (stream) => {
        this.remoteStream(stream);
      },
    });
  }

  get phase(): CallPhase {
    return this.currentPhase;
  }

  /**
   * Open the microphone (and camera, when on), then join the room. (Joining while the
   * media opens was faster but made a rejoin after a reload flaky; see docs/benchmarks.md.)
   */
  async start(): Promise<void> {
    this.setPhase("connecting");
    await initJanus();
    if (!Janus.isWebrtcSupported()) {
      this.fail(new CallError("webrtc_unsupported", "this browser cannot make video calls", true));
      return;
    }
    const failure = await this.local.acquire();
    if (failure) {
      this.fail(failure);
      return;
    }
    this.mediaReady = true;
    this.emitLocal();
    this.emitCamera();
    this.connect();
  }

  /** Leave the room and destroy the Janus session (hang-up, page unload). */
  destroy(): void {
    if (this.closed) {
      return;
    }
    this.closed = true;
    this.generation += 1;
    if (this.restartTimer !== null) {
      clearTimeout(this.restartTimer);
    }
    this.teardownJanus();
    this.local.stop();
    this.options.listener.localStream(null);
    this.options.listener.remoteStream(null);
    this.setPhase("ended");
  }

  /**
   * Hold the remote video this long before showing it (ms; null: as briefly as the
   * player can), for overlays that arrive after their frames (ui/markers-layer.ts).
   */
  setRemoteVideoDelay(ms: number | null): void {
    this.remote.setVideoDelay(ms);
  }

  setMicrophone(on: boolean): void {
    this.local.setMicrophone(on);
    this.emitCamera();
  }

  /** Switch the camera on (publishing video the first time) or off. */
  async setCamera(on: boolean): Promise<void> {
    this.local.cameraOn = on;
    const current = this.local.video;
    if (on && (!current || current.readyState === "ended")) {
      const track = await this.local.captureVideo();
      if (track) {
        await this.useVideoTrack(track);
      } else {
        this.local.cameraOn = false;
      }
    }
    if (this.local.video) {
      this.local.video.enabled = this.local.cameraOn;
    }
    this.emitCamera();
  }

  /** Front ↔ back camera (phones). */
  async switchCamera(): Promise<void> {
    this.local.facingMode = this.local.facingMode === "user" ? "environment" : "user";
    if (this.local.cameraOn) {
      this.local.video?.stop();
      const track = await this.local.captureVideo();
      if (track) {
        await this.useVideoTrack(track);
      }
    }
    this.emitCamera();
  }

  async setTorch(on: boolean): Promise<void> {
    await this.local.setTorch(on);
    this.emitCamera();
  }

  async setZoom(value: number): Promise<void> {
    await this.local.setZoom(value);
    this.emitCamera();
  }

  /**
   * The page is visible again (phone unlocked, app switched back): a camera or
   * microphone the system took away is acquired again; the call itself went on.
   */
  async pageVisible(): Promise<void> {
    if (this.closed) {
      return;
    }
    const oldAudio = this.local.audio;
    if (isGone(oldAudio)) {
      const track = await this.local.captureAudio();
      if (track) {
        await this.publisher.replace("audio", track);
        oldAudio?.stop();
        this.local.audio = track;
      }
    }
    if (this.local.cameraOn && isGone(this.local.video)) {
      const track = await this.local.captureVideo();
      if (track) {
        await this.useVideoTrack(track);
      }
    }
    this.emitLocal();
  }

  /** The local ICE candidate type of the publisher's selected pair ("host", "relay", …). */
  candidateType(): Promise<string | null> {
    return this.publisher.candidateType();
  }

  // --- media -------------------------------------------------------------------------

  /** Publish `track` as our video: replace the sent one, or add video by renegotiating. */
  private async useVideoTrack(track: MediaStreamTrack): Promise<void> {
    const old = this.local.video;
    this.local.video = track;
    track.addEventListener("ended", () => {
      this.emitCamera();
    });
    if (this.publisher.attached && this.publisher.videoPublished) {
      await this.publisher.replace("video", track);
    } else if (this.publisher.attached && this.currentPhase !== "connecting") {
      this.publisher.publish();
    }
    if (old && old !== track) {
      old.stop();
    }
    this.emitLocal();
  }

  private emitLocal(): void {
    this.options.listener.localStream(this.local.stream());
  }

  private emitCamera(): void {
    this.options.listener.camera(this.local.state());
  }

  // --- Janus ---------------------------------------------------------------------------

  private connect(): void {
    const generation = ++this.generation;
    const current = () => !this.isStale(generation);
    const janus = new Janus({
      server: this.ticket.janus_url,
      token: this.ticket.token,
      iceServers: this.ticket.ice_servers,
      iceTransportPolicy: this.options.iceTransportPolicy,
      destroyOnUnload: true,
      success: () => {
        if (current()) {
          this.publisher.attach(janus, current);
        }
      },
      error: (error: unknown) => {
        if (current()) {
          this.connectionLost(String(error));
        }
      },
    });
    this.janus = janus;
  }

  private considerPublishers(janus: JanusJS.Janus, publishers: PublisherInfo[] | undefined): void {
    if (!publishers || publishers.length === 0) {
      return;
    }
    // After a reload our previous page can still be listed (same display) until Janus
    // drops it: never subscribe to it, wait for the other side instead.
    const other = publishers.find((p) => p.display !== this.ticket.display);
    if (!other) {
      return;
    }
    const generation = this.generation;
    this.remote.consider(janus, other, () => !this.isStale(generation));
  }

  /** The other side's stream got a track, or the other side is gone (null). */
  private remoteStream(stream: MediaStream | null): void {
    if (stream) {
      this.setPhase("connected");
    }
    this.options.listener.remoteStream(stream);
    if (!stream && this.currentPhase === "connected") {
      this.setPhase("waiting");
    }
  }

  // --- network loss ----------------------------------------------------------------------

  private iceState(state: string): void {
    if (state === "connected" || state === "completed") {
      this.lostSince = null;
      if (this.currentPhase === "reconnecting") {
        this.setPhase(this.remote.hasTracks ? "connected" : "waiting");
      }
      return;
    }
    if (state !== "failed" && state !== "disconnected") {
      return;
    }
    this.lostSince ??= Date.now();
    this.setPhase("reconnecting");
    if (this.restartTimer === null) {
      // "disconnected" often heals by itself; give it a moment before an ICE restart.
      this.restartTimer = setTimeout(() => {
        this.restartTimer = null;
        this.restartIce();
      }, state === "failed" ? 0 : 2000);
    }
  }

  private restartIce(): void {
    if (this.closed || this.currentPhase !== "reconnecting") {
      return;
    }
    if (this.lostSince !== null && Date.now() - this.lostSince > this.reconnectWindow() / 2) {
      void this.rejoin();
      return;
    }
    this.publisher.restartIce();
    this.remote.restartIce();
  }

  private reconnectWindow(): number {
    return this.options.reconnectWindowMs ?? 20_000;
  }

  private connectionLost(reason: string): void {
    this.lostSince ??= Date.now();
    this.setPhase("reconnecting");
    void this.rejoin(reason);
  }

  /** A new Janus session with a fresh ticket, until the reconnect window closes. */
  private async rejoin(reason = "connection lost"): Promise<void> {
    const generation = ++this.generation;
    this.teardownJanus();
    while (!this.closed && generation === this.generation) {
      if (this.lostSince !== null && Date.now() - this.lostSince > this.reconnectWindow()) {
        this.fail(new CallError("connection_lost", reason, true));
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 1000));
      if (this.isStale(generation)) {
        return;
      }
      try {
        const ticket = this.options.refreshTicket ? await this.options.refreshTicket() : this.ticket;
        if (ticket === null) {
          this.fail(new CallError("connection_lost", "the call has ended", true));
          return;
        }
        this.ticket = ticket;
        this.connect();
        return;
      } catch {
        // The orchestrator is unreachable too: try again until the window closes.
      }
    }
  }

  private isStale(generation: number): boolean {
    return this.closed || generation !== this.generation;
  }

  private teardownJanus(): void {
    const janus = this.janus;
    this.janus = null;
    this.remote.forget();
    this.publisher.forget();
    if (janus) {
      janus.destroy({ cleanupHandles: true, notifyDestroyed: false });
    }
  }

  private fail(error: CallError): void {
    this.options.listener.error(error);
    if (error.fatal) {
      this.destroy();
    }
  }

  private setPhase(phase: CallPhase): void {
    if (this.currentPhase === phase || (this.currentPhase === "ended" && phase !== "ended")) {
      return;
    }
    this.currentPhase = phase;
    if (debugging()) {
      console.info(`call phase: ${phase}`);
    }
    this.options.listener.phase(phase);
  }
}
