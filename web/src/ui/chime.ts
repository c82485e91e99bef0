/** A short two-note chime for a new request (WebAudio; silent where the browser refuses audio). */

import { tone } from "./tone";

export function chime(): void {
  let context: AudioContext;
  try {
    context = new AudioContext();
  } catch {
    return;
  }
  tone(context, 0, 660, 0.2, 0.25);
  tone(context, 0.18, 880, 0.2, 0.25);
  setTimeout(() => void context.close().catch(() => undefined), 800);
}
