/**
 * The call screen: the code user's camera on the stage (the employee's remote
 * video, the code user's own), the other video small, the controls below. It owns
 * one VideoCall (web/src/lib/call.ts) and wires the page's visibility and unload to it.
 *
 * The stage is built for overlays: the video, then the live-drawing canvas
 * (draw-layer.ts), then `stageLayers` where other modules add their own layers
 * (tracking markers) with `addStageLayer()`, mapping with `frameLayout()` and
 * lib/frame-coords.ts. Things that belong to the screen, not the picture (the
 * recording dot), go in with `addOverlay()`.
 */

import type { CallApi, JoinTicket } from "../lib/api";
import { DETAIL_VIDEO, FACE_VIDEO, VideoCall, type CallError, type CallPhase, type CameraState, type FacingMode } from "../lib/call";
import type { FrameLayout } from "../lib/frame-coords";
import { newId } from "../lib/drawing";
import { ToolChannel } from "../lib/tool-channel";
import type { Board, CallRole, Element, ToolFrame } from "../lib/tool-messages";
import { t, type MessageKey } from "../i18n";
import { h } from "./dom";
import { DrawLayer } from "./draw-layer";
import { ScreenshotBoard } from "./screenshot-board";
import { captureStill } from "./still";
import { MarkersLayer } from "./markers-layer";

export interface CallScreenOptions {
  ticket: JoinTicket;
  /** Our side in the call: the code user's own camera is the stage. */
  side: CallRole;
  sessionId: number;
  /** The /api/ws URL for the in-call tools (with the code user's token). */
  toolsUrl: string;
  /** Screenshots: the code user uploads stills, both sides fetch them. */
  calls: CallApi;
  cameraOn: boolean;
  facingMode: FacingMode;
  iceTransportPolicy?: RTCIceTransportPolicy;
  refreshTicket: () => Promise<JoinTicket | null>;
  /** The user pressed hang-up. */
  onHangup: () => void;
  /** The call ended by itself (a fatal error). */
  onFailed: (error: CallError) => void;
}

const PHASE_TEXT: Record<CallPhase, MessageKey> = {
  connecting: "call.connecting",
  waiting: "call.waiting",
  connected: "call.connected",
  reconnecting: "call.reconnecting",
  ended: "call.ended",
};

export class CallScreen {
  readonly root: HTMLElement;
  private readonly call: VideoCall;
  private readonly remoteVideo: HTMLVideoElement;
  private readonly localVideo: HTMLVideoElement;
  private readonly status: HTMLElement;
  private readonly errorBox: HTMLElement;
  private readonly micButton: HTMLButtonElement;
  private readonly cameraButton: HTMLButtonElement;
  private readonly switchButton: HTMLButtonElement;
  private readonly torchButton: HTMLButtonElement;
  private readonly zoomInput: HTMLInputElement;
  private readonly soundButton: HTMLButtonElement;
  private readonly mirrorButton: HTMLButtonElement;
  /** The code user's camera: what both sides draw on. */
  private readonly stageVideo: HTMLVideoElement;
  private readonly stage: HTMLElement;
  private readonly stageLayers: HTMLElement;
  private readonly drawLayer: DrawLayer;
  private readonly markers: MarkersLayer;
  private readonly tools: ToolChannel;
  private readonly resizeObserver: ResizeObserver;
  private mirrored: boolean;
  private readonly options: CallScreenOptions;
  private readonly screenshotButton: HTMLButtonElement;
  private readonly showBoardButton: HTMLButtonElement;
  /** Every screenshot of the call by id, the newest last; at most one is shown. */
  private readonly boards = new Map<string, ScreenshotBoard>();
  private shownBoard: ScreenshotBoard | null = null;
  private camera: CameraState | null = null;
  private readonly onVisibility = () => {
    if (document.visibilityState === "visible") {
      void this.call.pageVisible();
    }
  };
  private readonly onPageHide = () => {
    this.call.destroy();
  };

  constructor(options: CallScreenOptions) {
    this.options = options;
    this.remoteVideo = h("video", { class: "remote-video", autoplay: true, playsinline: true, "data-testid": "remote-video" });
    this.localVideo = h("video", { class: "local-video", autoplay: true, playsinline: true, "data-testid": "local-video" });
    this.localVideo.muted = true;
    this.status = h("div", { class: "call-status", role: "status", "aria-live": "polite", "data-testid": "call-status" });
    this.errorBox = h("div", { class: "call-error", role: "alert", "data-testid": "call-error", hidden: true });
    this.micButton = h("button", { type: "button", class: "round", "data-testid": "toggle-mic" });
    this.cameraButton = h("button", { type: "button", class: "round", "data-testid": "toggle-camera" });
    this.switchButton = h("button", { type: "button", class: "round", "data-testid": "switch-camera", hidden: true }, "⟲");
    this.torchButton = h("button", { type: "button", class: "round", "data-testid": "toggle-torch", hidden: true }, "🔦");
    this.zoomInput = h("input", { type: "range", class: "zoom", "data-testid": "zoom", hidden: true });
    this.soundButton = h("button", { type: "button", class: "sound", "data-testid": "enable-sound", hidden: true }, t("call.sound"));
    this.soundButton.addEventListener("click", () => {
      this.remoteVideo.muted = false;
      this.soundButton.hidden = true;
      this.play();
    });
    this.mirrorButton = h("button", { type: "button", class: "round", "data-testid": "toggle-mirror", "aria-label": t("call.mirror"), title: t("call.mirror") }, "⇋");
    this.screenshotButton = h("button", { type: "button", class: "round", "data-testid": "take-screenshot", "aria-label": t("call.screenshot"), title: t("call.screenshot"), hidden: options.side !== "employee" }, "📸");
    this.showBoardButton = h("button", { type: "button", class: "round", "data-testid": "show-board", "aria-label": t("call.screenshots"), title: t("call.screenshots"), hidden: true }, "🖼");
    const hangup = h("button", { type: "button", class: "round hangup", "data-testid": "hangup", "aria-label": t("call.hangup"), title: t("call.hangup") }, "✆");
    this.switchButton.setAttribute("aria-label", t("call.switch"));
    this.torchButton.setAttribute("aria-label", t("call.torch"));
    this.zoomInput.setAttribute("aria-label", t("call.zoom"));

    const ownCameraOnStage = options.side === "code_user";
    this.stageVideo = ownCameraOnStage ? this.localVideo : this.remoteVideo;
    const pipVideo = ownCameraOnStage ? this.remoteVideo : this.localVideo;
    this.stageVideo.classList.add("stage-video");
    pipVideo.classList.add("pip-video");
    // Selfie convention: our own front camera is shown as in a mirror.
    this.mirrored = ownCameraOnStage && options.facingMode === "user";
    this.localVideo.classList.toggle("selfie", !ownCameraOnStage);
    this.tools = new ToolChannel({
      url: options.toolsUrl,
      sessionId: options.sessionId,
      open: (url) => new WebSocket(url),
      listener: {
        joined: (frame) => {
          this.drawLayer.setSender(frame.sender);
          this.root.dataset.tools = "joined";
          for (const board of frame.boards) {
            this.addBoard(board);
          }
          const newest = [...this.boards.values()].pop();
          if (newest && this.shownBoard === null) {
            this.showBoard(newest); // a reload in the middle of annotating
          }
        },
        tool: (frame) => {
          this.onTool(frame);
        },
        closed: () => {
          this.root.dataset.tools = "closed";
        },
        refused: (error) => {
          this.root.dataset.toolError = error.code;
        },
        markers: (frame) => {
          this.markers.receive(frame);
        },
      },
    });
    this.drawLayer = new DrawLayer({
      layout: () => this.frameLayout(),
      send: (message) => this.tools.send(message),
    });
    this.stageLayers = h("div", { class: "stage-layers", "data-testid": "stage-layers" });
    this.stage = h("div", { class: "call-stage", "data-testid": "call-stage" }, this.stageVideo, this.drawLayer.canvas, this.stageLayers);
    this.markers = new MarkersLayer({
      side: options.side,
      video: this.stageVideo,
      layout: () => this.frameLayout(),
      place: (placement) => options.calls.placeMarker(options.sessionId, placement),
      remove: (markerId) => options.calls.removeMarker(options.sessionId, markerId),
      delayVideo: (ms) => {
        this.call.setRemoteVideoDelay(ms);
      },
    });
    this.addStageLayer(this.markers.element);
    this.resizeObserver = new ResizeObserver(() => {
      this.drawLayer.redraw();
      this.markers.redraw();
    });
    this.stageVideo.addEventListener("resize", () => {
      this.drawLayer.redraw(); // the picture's size changed (rotation, resolution)
    });

    this.root = h(
      "section",
      { class: "call-screen", "data-testid": "call-screen", "data-phase": "connecting", "aria-label": t("call.title") },
      this.stage,
      pipVideo,
      this.status,
      this.errorBox,
      this.soundButton,
      h("div", { class: "call-controls" }, this.micButton, this.cameraButton, this.switchButton, this.torchButton, this.mirrorButton, this.screenshotButton, this.showBoardButton, this.markers.toggle, hangup),
      this.zoomInput,
    );
    this.showMirror();

    this.call = new VideoCall({
      ticket: options.ticket,
      media: navigator.mediaDevices,
      cameraOn: options.cameraOn,
      facingMode: options.facingMode,
      videoSize: options.side === "code_user" ? DETAIL_VIDEO : FACE_VIDEO,
      iceTransportPolicy: options.iceTransportPolicy,
      refreshTicket: options.refreshTicket,
      listener: {
        phase: (phase) => {
          this.showPhase(phase);
        },
        localStream: (stream) => {
          this.localVideo.srcObject = stream;
          this.localVideo.hidden = stream === null || stream.getVideoTracks().length === 0;
        },
        remoteStream: (stream) => {
          if (this.remoteVideo.srcObject !== stream) {
            this.remoteVideo.srcObject = stream;
          }
          if (stream) {
            this.play();
          }
        },
        camera: (state) => {
          this.showCamera(state);
        },
        error: (error) => {
          this.showError(error);
          if (error.fatal) {
            options.onFailed(error);
          }
        },
      },
    });

    this.micButton.addEventListener("click", () => {
      this.call.setMicrophone(!(this.camera?.microphoneOn ?? true));
    });
    this.cameraButton.addEventListener("click", () => {
      void this.call.setCamera(!(this.camera?.cameraOn ?? false));
    });
    this.switchButton.addEventListener("click", () => {
      void this.call.switchCamera();
    });
    this.torchButton.addEventListener("click", () => {
      void this.call.setTorch(!(this.camera?.torch ?? false));
    });
    this.zoomInput.addEventListener("input", () => {
      void this.call.setZoom(Number(this.zoomInput.value));
    });
    this.screenshotButton.addEventListener("click", () => {
      this.tools.send({ kind: "capture", screenshot_id: newId() });
    });
    this.showBoardButton.addEventListener("click", () => {
      const newest = [...this.boards.values()].pop();
      if (newest) {
        this.showBoard(newest);
      }
    });
    this.mirrorButton.addEventListener("click", () => {
      this.mirrored = !this.mirrored;
      this.showMirror();
    });
    hangup.addEventListener("click", () => {
      options.onHangup();
    });
    this.showPhase("connecting");
  }

  /** Show the screen and join the call. */
  open(parent: HTMLElement): void {
    parent.append(this.root);
    document.addEventListener("visibilitychange", this.onVisibility);
    window.addEventListener("pagehide", this.onPageHide);
    this.resizeObserver.observe(this.stage);
    this.tools.start();
    void this.call.start();
  }

  /** How the code user's camera is shown on the stage now (for lib/frame-coords.ts). */
  frameLayout(): FrameLayout {
    const box = this.stageVideo.getBoundingClientRect();
    return {
      elementWidth: box.width,
      elementHeight: box.height,
      frameWidth: this.stageVideo.videoWidth,
      frameHeight: this.stageVideo.videoHeight,
      fit: "contain",
      mirrored: this.mirrored,
    };
  }

  /** Add a layer over the stage video (above the drawings), sized like the stage. */
  addStageLayer(node: HTMLElement): void {
    this.stageLayers.append(node);
  }

  /** Add something to the screen itself (not tied to the picture), e.g. the recording dot. */
  addOverlay(node: HTMLElement): void {
    this.root.append(node);
  }

  /** Leave the call (without telling the orchestrator: that is the caller's job). */
  close(): void {
    document.removeEventListener("visibilitychange", this.onVisibility);
    window.removeEventListener("pagehide", this.onPageHide);
    this.resizeObserver.disconnect();
    this.tools.stop();
    this.drawLayer.destroy();
    for (const board of this.boards.values()) {
      board.destroy();
    }
    this.markers.destroy();
    this.call.destroy();
    this.root.remove();
  }

  /**
   * Play the remote stream. Without a recent tap (a rejoin after a reload) browsers
   * refuse to play sound: then play muted and offer a button that turns sound on.
   */
  private play(): void {
    this.remoteVideo.play().catch(() => {
      this.remoteVideo.muted = true;
      this.soundButton.hidden = false;
      void this.remoteVideo.play().catch(() => undefined);
    });
  }

  private onTool(frame: ToolFrame): void {
    const tool = frame.tool;
    switch (tool.kind) {
      case "stroke":
        this.drawLayer.receive(frame.sender, tool);
        return;
      case "capture":
        if (this.options.side === "code_user") {
          void this.sendStill(tool.screenshot_id);
        }
        return;
      case "screenshot": {
        const board = this.addBoard({ ...tool, elements: [] });
        this.showBoard(board); // both sides see it at once
        return;
      }
      case "elements":
        this.boards.get(tool.screenshot_id)?.receive(tool.elements);
        return;
    }
  }

  /** The employee asked for a still of our camera: take it and upload it. */
  private async sendStill(screenshotId: string): Promise<void> {
    const stream = this.localVideo.srcObject instanceof MediaStream ? this.localVideo.srcObject : null;
    try {
      const still = await captureStill(stream?.getVideoTracks()[0] ?? null, this.localVideo);
      await this.options.calls.uploadScreenshot(this.options.sessionId, screenshotId, still);
    } catch (error) {
      this.root.dataset.toolError = error instanceof Error ? error.message : String(error);
    }
  }

  private addBoard(board: Board): ScreenshotBoard {
    const known = this.boards.get(board.screenshot_id);
    if (known) {
      known.receive(board.elements);
      return known;
    }
    const made = new ScreenshotBoard({
      role: this.options.side,
      board,
      image: this.options.calls.screenshot(this.options.sessionId, board.screenshot_id),
      send: (screenshotId: string, elements: Element[]) => {
        this.tools.send({ kind: "elements", screenshot_id: screenshotId, elements });
      },
      onClose: () => {
        this.hideBoard();
      },
    });
    this.boards.set(board.screenshot_id, made);
    this.showBoardButton.hidden = this.shownBoard !== null;
    return made;
  }

  private showBoard(board: ScreenshotBoard): void {
    if (this.shownBoard !== board) {
      this.shownBoard?.root.remove();
      this.shownBoard = board;
      this.root.append(board.root);
    }
    this.showBoardButton.hidden = true;
  }

  private hideBoard(): void {
    this.shownBoard?.root.remove();
    this.shownBoard = null;
    this.showBoardButton.hidden = this.boards.size === 0;
  }

  private showMirror(): void {
    this.stageVideo.classList.toggle("mirrored", this.mirrored);
    this.root.dataset.mirrored = String(this.mirrored);
    this.mirrorButton.setAttribute("aria-pressed", String(this.mirrored));
    this.drawLayer.redraw();
    this.markers.redraw();
  }

  private showPhase(phase: CallPhase): void {
    this.root.dataset.phase = phase;
    this.status.textContent = t(PHASE_TEXT[phase]);
    if (phase === "connected") {
      void this.showRoute();
    }
  }

  /** Say whether media goes through a TURN relay (the pair is chosen shortly after connecting). */
  private async showRoute(): Promise<void> {
    for (let attempt = 0; attempt < 20 && this.root.dataset.phase === "connected"; attempt += 1) {
      const type = await this.call.candidateType();
      if (type) {
        this.root.dataset.candidateType = type;
        if (type === "relay") {
          this.status.textContent = `${t("call.connected")} · ${t("call.relay")}`;
        }
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }

  private showError(error: CallError): void {
    this.errorBox.hidden = false;
    this.errorBox.dataset.code = error.code;
    this.errorBox.dataset.detail = error.message;
    this.errorBox.textContent = t(`error.${error.code}` as MessageKey);
  }

  private showCamera(state: CameraState): void {
    this.camera = state;
    const mic = state.microphoneOn ? "call.mute" : "call.unmute";
    this.micButton.textContent = state.microphoneOn ? "🎤" : "🔇";
    this.micButton.setAttribute("aria-label", t(mic));
    this.micButton.title = t(mic);
    this.micButton.setAttribute("aria-pressed", String(!state.microphoneOn));
    const cam = state.cameraOn ? "call.cameraOff" : "call.cameraOn";
    this.cameraButton.textContent = state.cameraOn ? "📷" : "🚫";
    this.cameraButton.setAttribute("aria-label", t(cam));
    this.cameraButton.title = t(cam);
    this.cameraButton.setAttribute("aria-pressed", String(state.cameraOn));
    this.switchButton.hidden = !state.canSwitch || !state.cameraOn;
    this.torchButton.hidden = state.torch === null;
    this.torchButton.setAttribute("aria-pressed", String(state.torch === true));
    if (state.zoom) {
      this.zoomInput.hidden = false;
      this.zoomInput.min = String(state.zoom.min);
      this.zoomInput.max = String(state.zoom.max);
      this.zoomInput.step = String(state.zoom.step);
      this.zoomInput.value = String(state.zoom.value);
    } else {
      this.zoomInput.hidden = true;
    }
  }
}
