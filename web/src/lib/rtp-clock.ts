/**
 * The tracker worker stamps marker positions with the code user's own RTP timestamps;
 * the employee's browser sees the same frames with other ones, because Janus's
 * VideoRoom rebases the timestamps it sends to each subscriber. The two differ by a
 * constant. Camera frames do not come at exact intervals (a capture clock stamps them),
 * so the sequence of gaps between timestamps is a fingerprint both sides share: the
 * offset under which most of the worker's timestamps land exactly on timestamps shown
 * here is the one. A perfectly regular source would leave it ambiguous, and then the
 * clock stays unsynced rather than guess. No DOM access.
 */

const WINDOW = 150;
/** Exact landings the best offset needs, and how far it must lead the runner-up. */
const MIN_MATCHES = 8;
const LEAD = 2;

export class RtpClock {
  private readonly local: number[] = [];
  private readonly remote: number[] = [];
  private sinceCheck = 0;
  /** remote = (local + offset) mod 2^32, once known. */
  offset: number | null = null;

  /** The RTP timestamp of a frame shown here (requestVideoFrameCallback). */
  addLocal(timestamp: number): void {
    push(this.local, timestamp >>> 0);
  }

  /** The RTP timestamp of a frame the worker tracked (a `call.markers` message). */
  addRemote(timestamp: number): void {
    push(this.remote, timestamp >>> 0);
    this.sinceCheck += 1;
    if (this.sinceCheck >= (this.offset === null ? 5 : 30)) {
      this.sinceCheck = 0;
      this.settle();
    }
  }

  toRemote(localTimestamp: number): number | null {
    return this.offset === null ? null : (localTimestamp + this.offset) >>> 0;
  }

  private settle(): void {
    // candidates pair a few recent worker frames with every frame shown here (the
    // newest worker frames may not be on screen yet)
    const recent = this.remote.slice(-10);
    const shown = new Set(this.local);
    const scores = new Map<number, number>();
    for (const remote of recent) {
      for (const candidate of this.local) {
        const offset = (remote - candidate) >>> 0;
        if (!scores.has(offset)) {
          scores.set(offset, this.remote.filter((r) => shown.has((r - offset) >>> 0)).length);
        }
      }
    }
    const ranked = [...scores.entries()].sort((a, b) => b[1] - a[1]);
    const [best, second] = ranked;
    if (best && best[1] >= MIN_MATCHES && best[1] >= LEAD * (second?.[1] ?? 0)) {
      this.offset = best[0];
    }
  }
}

function push(list: number[], value: number): void {
  list.push(value);
  if (list.length > WINDOW) {
    list.shift();
  }
}
