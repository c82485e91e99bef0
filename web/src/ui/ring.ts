/** The incoming-call ring: a two-tone pattern from WebAudio, plus vibration on phones. */

import { tone } from "./tone";

export class Ringer {
  private context: AudioContext | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;

  start(): void {
    this.stop();
    try {
      this.context = new AudioContext();
      void this.context.resume().catch(() => undefined);
    } catch {
      this.context = null;
    }
    const ring = () => {
      this.beep(0, 440);
      this.beep(0.45, 480);
      if ("vibrate" in navigator) {
        navigator.vibrate([400, 200, 400]);
      }
    };
    ring();
    this.timer = setInterval(ring, 2500);
  }

  stop(): void {
    if (this.timer !== null) {
      clearInterval(this.timer);
      this.timer = null;
    }
    if ("vibrate" in navigator) {
      navigator.vibrate(0);
    }
    void this.context?.close().catch(() => undefined);
    this.context = null;
  }

  private beep(at: number, frequency: number): void {
    const context = this.context;
    if (!context) {
      return;
    }
    tone(context, at, frequency, 0.25, 0.4);
  }
}
