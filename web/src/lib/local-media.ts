/**
 * The local side of a call: the microphone and camera tracks, what the camera can do
 * (torch, zoom, front/back) and getting a track again after the system took it away.
 * No janus.js here; call.ts sends what this holds.
 */

import { CallError, mediaError } from "./call-errors";

export type FacingMode = "user" | "environment";

/** The camera resolution a side asks for (an ideal; the camera may give less). */
export interface VideoSize {
  width: number;
  height: number;
}

/** The code user's camera shows what the call is about: as much detail as the camera gives. */
export const DETAIL_VIDEO: VideoSize = { width: 1280, height: 720 };
/** An employee's camera shows a face: less to encode, so the first frames come sooner. */
export const FACE_VIDEO: VideoSize = { width: 640, height: 480 };

export interface ZoomRange {
  min: number;
  max: number;
  step: number;
  value: number;
}

export interface CameraState {
  microphoneOn: boolean;
  cameraOn: boolean;
  facingMode: FacingMode;
  /** null when the camera has no torch (or the browser cannot tell). */
  torch: boolean | null;
  zoom: ZoomRange | null;
  canSwitch: boolean;
}

/** The browser's media devices (navigator.mediaDevices), passed in by the page. */
export interface MediaDevicesLike {
  getUserMedia(constraints: MediaStreamConstraints): Promise<MediaStream>;
  enumerateDevices(): Promise<MediaDeviceInfo[]>;
}

/** Capabilities the TypeScript DOM types do not list yet (image capture spec). */
interface ExtendedCapabilities extends MediaTrackCapabilities {
  torch?: boolean;
  zoom?: { min: number; max: number; step?: number };
}

interface ExtendedSettings extends MediaTrackSettings {
  torch?: boolean;
  zoom?: number;
}

/** A track the system ended or muted (screen locked, app switched, device lost). */
export function isGone(track: MediaStreamTrack | null): boolean {
  return track !== null && (track.readyState === "ended" || track.muted);
}

export class LocalMedia {
  audio: MediaStreamTrack | null = null;
  video: MediaStreamTrack | null = null;
  microphoneOn = true;
  cameraOn: boolean;
  facingMode: FacingMode;
  private canSwitch = false;
  private readonly devices: MediaDevicesLike;
  private readonly videoSize: VideoSize;
  private readonly onError: (error: CallError) => void;

  constructor(
    devices: MediaDevicesLike,
    cameraOn: boolean,
    facingMode: FacingMode,
    onError: (error: CallError) => void,
    videoSize: VideoSize = DETAIL_VIDEO,
  ) {
    this.devices = devices;
    this.videoSize = videoSize;
    this.cameraOn = cameraOn;
    this.facingMode = facingMode;
    this.onError = onError;
  }

  /**
   * The microphone (a failure is returned: no call without it) and, when on, the
   * camera, opened at the same time so that a call starts sooner. A camera problem
   * is reported only when the call can go on (the microphone worked).
   */
  async acquire(): Promise<CallError | null> {
    const camera = this.cameraOn ? this.openCamera() : Promise.resolve(null);
    const devices = this.devices.enumerateDevices().catch((): MediaDeviceInfo[] => []);
    try {
      const stream = await this.devices.getUserMedia({ audio: true });
      this.audio = stream.getAudioTracks()[0] ?? null;
    } catch (error) {
      const opened = await camera;
      if (opened !== null && !(opened instanceof CallError)) {
        opened.stop();
      }
      return mediaError(error, false);
    }
    this.canSwitch = (await devices).filter((device) => device.kind === "videoinput").length > 1;
    const opened = await camera;
    if (opened instanceof CallError) {
      this.onError(opened);
    }
    this.video = opened instanceof CallError ? null : opened;
    this.cameraOn = this.video !== null;
    return null;
  }

  /** A new microphone track (after the old one ended), or null. */
  async captureAudio(): Promise<MediaStreamTrack | null> {
    try {
      const stream = await this.devices.getUserMedia({ audio: true });
      const track = stream.getAudioTracks()[0] ?? null;
      if (track) {
        track.enabled = this.microphoneOn;
      }
      return track;
    } catch (error) {
      this.onError(mediaError(error, false));
      return null;
    }
  }

  /** A camera track facing `facingMode`, or null (the error is reported). */
  async captureVideo(): Promise<MediaStreamTrack | null> {
    const opened = await this.openCamera();
    if (opened instanceof CallError) {
      this.onError(opened);
      return null;
    }
    return opened;
  }

  private async openCamera(): Promise<MediaStreamTrack | CallError | null> {
    const video: MediaTrackConstraints = {
      facingMode: { ideal: this.facingMode },
      width: { ideal: this.videoSize.width },
      height: { ideal: this.videoSize.height },
    };
    try {
      const stream = await this.devices.getUserMedia({ video });
      return stream.getVideoTracks()[0] ?? null;
    } catch (error) {
      return mediaError(error, true);
    }
  }

  setMicrophone(on: boolean): void {
    this.microphoneOn = on;
    if (this.audio) {
      this.audio.enabled = on;
    }
  }

  async setTorch(on: boolean): Promise<void> {
    await this.video?.applyConstraints({ advanced: [{ torch: on } as MediaTrackConstraintSet] });
  }

  async setZoom(value: number): Promise<void> {
    await this.video?.applyConstraints({ advanced: [{ zoom: value } as MediaTrackConstraintSet] });
  }

  /** The live tracks as one stream for the self view, or null. */
  stream(): MediaStream | null {
    const tracks = [this.audio, this.video].filter(
      (track): track is MediaStreamTrack => track !== null && track.readyState === "live",
    );
    return tracks.length > 0 ? new MediaStream(tracks) : null;
  }

  /** What the controls should offer: torch and zoom only where the camera has them. */
  state(): CameraState {
    let torch: boolean | null = null;
    let zoom: ZoomRange | null = null;
    const track = this.video;
    if (track && track.readyState === "live" && typeof track.getCapabilities === "function") {
      const caps = track.getCapabilities() as ExtendedCapabilities;
      const settings: ExtendedSettings = track.getSettings();
      if (caps.torch === true) {
        torch = settings.torch === true;
      }
      if (caps.zoom && caps.zoom.max > caps.zoom.min) {
        zoom = {
          min: caps.zoom.min,
          max: caps.zoom.max,
          step: caps.zoom.step ?? 0.1,
          value: settings.zoom ?? caps.zoom.min,
        };
      }
    }
    return {
      microphoneOn: this.microphoneOn,
      cameraOn: this.cameraOn,
      facingMode: this.facingMode,
      torch,
      zoom,
      canSwitch: this.canSwitch,
    };
  }

  stop(): void {
    this.audio?.stop();
    this.video?.stop();
    this.audio = null;
    this.video = null;
  }
}
