/** One soft sine tone on a WebAudio context: the building block of the ring and the chime. */

export function tone(context: AudioContext, at: number, frequency: number, peak: number, length: number): void {
  const start = context.currentTime + at;
  const oscillator = context.createOscillator();
  const gain = context.createGain();
  oscillator.type = "sine";
  oscillator.frequency.value = frequency;
  gain.gain.setValueAtTime(0, start);
  gain.gain.linearRampToValueAtTime(peak, start + 0.05);
  gain.gain.linearRampToValueAtTime(0, start + length);
  oscillator.connect(gain).connect(context.destination);
  oscillator.start(start);
  oscillator.stop(start + length + 0.02);
}
