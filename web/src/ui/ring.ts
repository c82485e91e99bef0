/** The incoming-call ring: a two-tone pattern from WebAudio, plus vibration on phones. */

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
    const start = context.currentTime + at;
    const oscillator = context.createOscillator();
    const gain = context.createGain();
    oscillator.type = "sine";
    oscillator.frequency.value = frequency;
    gain.gain.setValueAtTime(0, start);
    gain.gain.linearRampToValueAtTime(0.25, start + 0.05);
    gain.gain.linearRampToValueAtTime(0, start + 0.4);
    oscillator.connect(gain).connect(context.destination);
    oscillator.start(start);
    oscillator.stop(start + 0.42);
  }
}
