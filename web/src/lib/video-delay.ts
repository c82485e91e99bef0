/**
 * How long the employee's player holds the code user's video while markers are shown.
 *
 * The tracker worker sees a frame when the employee's browser does, and its positions
 * for that frame arrive some tens of milliseconds later (more on a busy machine). A
 * frame shown at once has no positions yet, and the markers over it are extrapolated
 * from older ones; held back a little longer than the positions take, every frame is
 * shown with its own (or, for a frame the worker skipped, with its neighbours'). So the
 * player is asked to hold the video (`RTCRtpReceiver.jitterBufferTarget`) for about
 * the time in which nine in ten positions arrived lately, plus a margin, and released
 * when the last marker is gone. Small changes are not applied: each one makes the
 * player slow down or speed up for a moment.
 */

/** Recent lags (ms from a frame's receipt to its positions' arrival) that decide. */
const SAMPLES = 60;
/** Lags needed before any delay is asked for. */
const MIN_SAMPLES = 10;
const QUANTILE = 0.9;
/** Added to the lag: decoding and drawing after the buffer, and a little jitter. */
const MARGIN_MS = 30;
/** At most this: a worker further behind leaves the markers waiting rather than the video. */
export const MAX_VIDEO_DELAY_MS = 400;
/** Changes smaller than this are not applied. */
const CHANGE_MS = 25;

export class VideoDelay {
  private readonly lags: number[] = [];
  /** The delay asked for now (null: none). */
  current: number | null = null;

  /**
   * One message's lag; the delay to ask for from now on when it should change (a
   * number of milliseconds), else undefined.
   */
  add(lagMs: number): number | undefined {
    if (!Number.isFinite(lagMs)) {
      return undefined;
    }
    this.lags.push(Math.max(0, lagMs));
    if (this.lags.length > SAMPLES) {
      this.lags.shift();
    }
    if (this.lags.length < MIN_SAMPLES) {
      return undefined;
    }
    const sorted = [...this.lags].sort((a, b) => a - b);
    const lag = sorted[Math.min(sorted.length - 1, Math.floor(QUANTILE * sorted.length))] ?? 0;
    const wanted = Math.round(Math.min(MAX_VIDEO_DELAY_MS, lag + MARGIN_MS));
    if (this.current !== null && Math.abs(wanted - this.current) < CHANGE_MS) {
      return undefined;
    }
    this.current = wanted;
    return wanted;
  }

  /** No marker left: true when a delay was asked for (the player should be released). */
  release(): boolean {
    this.lags.length = 0;
    const held = this.current !== null;
    this.current = null;
    return held;
  }
}
