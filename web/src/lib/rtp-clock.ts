/**
 * The tracker worker stamps marker positions with the code user's own RTP timestamps;
 * the employee's browser sees the same frames with other ones, because Janus's
 * VideoRoom rebases the timestamps it sends to each subscriber. The two differ by a
 * constant, found here:
 *
 * 1. Camera frames are stamped by a capture clock in whole milliseconds, so the gaps
 *    between timestamps form a fingerprint both sides share: offsets under which many
 *    of the worker's timestamps land exactly on timestamps shown here are candidates.
 * 2. A steady 30 fps source repeats its gaps (33, 33, 34 ms), so offsets a whole period
 *    apart fit equally well. The worker receives a frame when the browser does; each
 *    message says how long the worker then took (`tracked_ms`), so message arrival minus
 *    that is about when the frame arrived here too. Among the candidates the offset whose
 *    frames were received closest to those times (median) is taken.
 * 3. A pick can be wrong for a while (a busy worker stamps its frames late, so the true
 *    offset's frames seem to arrive late), and an offset could change: only the newest
 *    worker frames are counted, and the offset is checked every few messages, so the
 *    right one is found again within about a second.
 *
 * No DOM access; times are the page's performance clock in milliseconds.
 */

const WINDOW = 150;
/** The newest worker frames that decide the offset, and how often it is checked. */
const RECENT = 20;
const CHECK_EVERY = 10;
/** Exact landings the best offset needs; candidates need this share of its landings. */
const MIN_MATCHES = 8;
const CANDIDATE_SHARE = 0.8;
/** A fitting offset is kept unless another one's frames arrived this much closer (ms). */
const KEEP_WITHIN_MS = 17;

interface Stamp {
  timestamp: number;
  at: number;
}

export class RtpClock {
  private readonly local: Stamp[] = [];
  private readonly remote: Stamp[] = [];
  private sinceCheck = 0;
  /** remote = (local + offset) mod 2^32, once known. */
  offset: number | null = null;

  /** A frame shown here: its RTP timestamp and when it was received (requestVideoFrameCallback). */
  addLocal(timestamp: number, receivedAt: number): void {
    push(this.local, { timestamp: timestamp >>> 0, at: receivedAt });
  }

  /**
   * A frame the worker tracked (a `call.markers` message): when its message arrived and
   * how long the worker took from receiving the frame to sending it.
   */
  addRemote(timestamp: number, arrivedAt: number, trackedMs: number): void {
    push(this.remote, { timestamp: timestamp >>> 0, at: arrivedAt - trackedMs });
    this.sinceCheck += 1;
    if (this.sinceCheck >= (this.offset === null ? 5 : CHECK_EVERY)) {
      this.sinceCheck = 0;
      this.settle();
    }
  }

  toRemote(localTimestamp: number): number | null {
    return this.offset === null ? null : (localTimestamp + this.offset) >>> 0;
  }

  private settle(): void {
    const shown = new Map(this.local.map((stamp) => [stamp.timestamp, stamp.at]));
    const delays = new Map<number, number[]>();
    const recent = this.remote.slice(-RECENT);
    // pair a few recent worker frames (the newest may not be on screen yet) with every shown one
    for (const remote of recent.slice(-10)) {
      for (const candidate of this.local) {
        const offset = (remote.timestamp - candidate.timestamp) >>> 0;
        if (delays.has(offset)) {
          continue;
        }
        const landed: number[] = [];
        for (const other of recent) {
          const received = shown.get((other.timestamp - offset) >>> 0);
          if (received !== undefined) {
            landed.push(other.at - received);
          }
        }
        delays.set(offset, landed);
      }
    }
    const best = Math.max(0, ...[...delays.values()].map((landed) => landed.length));
    if (best < MIN_MATCHES) {
      return;
    }
    let chosen: { offset: number; delay: number } | null = null;
    for (const [offset, landed] of delays) {
      if (landed.length < CANDIDATE_SHARE * best) {
        continue;
      }
      const delay = Math.abs(median(landed));
      if (chosen === null || delay < chosen.delay) {
        chosen = { offset, delay };
      }
    }
    if (chosen === null) {
      return;
    }
    const current = this.offset === null ? undefined : delays.get(this.offset);
    if (
      current !== undefined &&
      current.length >= CANDIDATE_SHARE * best &&
      Math.abs(median(current)) <= chosen.delay + KEEP_WITHIN_MS
    ) {
      return; // still fits: keep it rather than flip between near-equal candidates
    }
    this.offset = chosen.offset;
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

function push(list: Stamp[], stamp: Stamp): void {
  list.push(stamp);
  if (list.length > WINDOW) {
    list.shift();
  }
}
