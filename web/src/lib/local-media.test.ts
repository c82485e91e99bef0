import { describe, expect, it } from "vitest";
import { CallError } from "./call-errors";
import { DETAIL_VIDEO, FACE_VIDEO, LocalMedia, type MediaDevicesLike } from "./local-media";

class FakeTrack {
  stopped = false;
  enabled = true;
  constructor(readonly kind: "audio" | "video") {}
  stop(): void {
    this.stopped = true;
  }
}

function denied(): Error {
  const error = new Error("denied");
  error.name = "NotAllowedError";
  return error;
}

/** Devices whose microphone and camera answer as told; remembers what it handed out. */
function devices(microphone: "ok" | "denied", camera: "ok" | "denied" | "missing") {
  const handedOut: FakeTrack[] = [];
  const order: string[] = [];
  const asked: MediaStreamConstraints[] = [];
  const fake: MediaDevicesLike = {
    getUserMedia(constraints: MediaStreamConstraints): Promise<MediaStream> {
      const kind = constraints.video ? "video" : "audio";
      order.push(`${kind} asked`);
      asked.push(constraints);
      const outcome = kind === "audio" ? microphone : camera;
      if (outcome === "denied") {
        return Promise.reject(denied());
      }
      if (outcome === "missing") {
        const error = new Error("none");
        error.name = "NotFoundError";
        return Promise.reject(error);
      }
      const track = new FakeTrack(kind);
      handedOut.push(track);
      const stream = {
        getAudioTracks: () => (kind === "audio" ? [track] : []),
        getVideoTracks: () => (kind === "video" ? [track] : []),
      };
      return Promise.resolve(stream as unknown as MediaStream);
    },
    enumerateDevices: () => Promise.resolve([{ kind: "videoinput" }, { kind: "videoinput" }] as MediaDeviceInfo[]),
  };
  return { fake, handedOut, order, asked };
}

describe("LocalMedia.acquire", () => {
  it("asks for microphone and camera at once and keeps both", async () => {
    const { fake, order } = devices("ok", "ok");
    const errors: CallError[] = [];
    const media = new LocalMedia(fake, true, "user", (error) => errors.push(error));
    expect(await media.acquire()).toBeNull();
    expect(order).toEqual(["video asked", "audio asked"]);
    expect(media.audio?.kind).toBe("audio");
    expect(media.video?.kind).toBe("video");
    expect(media.cameraOn).toBe(true);
    expect(errors).toEqual([]);
  });

  it("fails without a microphone, releases the camera and reports no camera problem", async () => {
    const { fake, handedOut } = devices("denied", "ok");
    const errors: CallError[] = [];
    const media = new LocalMedia(fake, true, "user", (error) => errors.push(error));
    const failure = await media.acquire();
    expect(failure?.code).toBe("permission_denied");
    expect(handedOut.map((track) => [track.kind, track.stopped])).toEqual([["video", true]]);
    expect(errors).toEqual([]);
  });

  it("goes on with audio when the camera is missing, and says so", async () => {
    const { fake } = devices("ok", "missing");
    const errors: CallError[] = [];
    const media = new LocalMedia(fake, true, "user", (error) => errors.push(error));
    expect(await media.acquire()).toBeNull();
    expect(media.video).toBeNull();
    expect(media.cameraOn).toBe(false);
    expect(errors.map((error) => error.code)).toEqual(["no_camera"]);
  });

  it("does not touch the camera when the call starts with it off", async () => {
    const { fake, order } = devices("ok", "ok");
    const media = new LocalMedia(fake, false, "user", () => undefined);
    expect(await media.acquire()).toBeNull();
    expect(order).toEqual(["audio asked"]);
    expect(media.video).toBeNull();
  });

  it("asks for detail on the code user's camera and less for an employee's face", async () => {
    for (const size of [DETAIL_VIDEO, FACE_VIDEO]) {
      const { fake, asked } = devices("ok", "ok");
      await new LocalMedia(fake, true, "user", () => undefined, size).acquire();
      const video = asked.find((constraints) => constraints.video)?.video as MediaTrackConstraints;
      expect([video.width, video.height]).toEqual([{ ideal: size.width }, { ideal: size.height }]);
    }
  });
});
