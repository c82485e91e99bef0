/**
 * A still of the code user's own camera for a screenshot, taken on the code user's
 * side at the camera track's full resolution (docs/decisions/0012-screenshot-source.md):
 * `ImageCapture.grabFrame()` where the browser has it, else the local preview video.
 * Either way the picture never went through the video encoder, so it is sharper
 * than a frame of the received video.
 */

interface GrabbingCapture {
  grabFrame(): Promise<ImageBitmap>;
}

type ImageCaptureConstructor = new (track: MediaStreamTrack) => GrabbingCapture;

const JPEG_QUALITY = 0.92;

export async function captureStill(track: MediaStreamTrack | null, preview: HTMLVideoElement): Promise<Blob> {
  const canvas = document.createElement("canvas");
  const context = canvas.getContext("2d");
  if (!context) {
    throw new Error("no 2D canvas");
  }
  const ImageCapture = (globalThis as unknown as { ImageCapture?: ImageCaptureConstructor }).ImageCapture;
  let drawn = false;
  if (track && track.readyState === "live" && ImageCapture) {
    try {
      const frame = await new ImageCapture(track).grabFrame();
      canvas.width = frame.width;
      canvas.height = frame.height;
      context.drawImage(frame, 0, 0);
      frame.close();
      drawn = true;
    } catch {
      // some cameras refuse grabFrame; the preview has the same resolution
    }
  }
  if (!drawn) {
    if (preview.videoWidth === 0) {
      throw new Error("the camera is off");
    }
    canvas.width = preview.videoWidth;
    canvas.height = preview.videoHeight;
    context.drawImage(preview, 0, 0);
  }
  return new Promise((resolve, reject) => {
    canvas.toBlob(
      (blob) => {
        if (blob) {
          resolve(blob);
        } else {
          reject(new Error("the still could not be encoded"));
        }
      },
      "image/jpeg",
      JPEG_QUALITY,
    );
  });
}
