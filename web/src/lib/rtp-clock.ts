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
 * 3. Arrival times are skewed by busy machines on both sides (a page under load stamps
 *    its frames' receipt up to a few periods late), so first the pictures decide: each
 *    message carries a thumbnail of its frame (mean grey levels in a coarse grid), the
 *    page computes one of each frame it shows, and only the offsets whose paired frames
 *    look alike (within PICTURE_TIE of the best) go on to the arrival times. A
 *    still picture makes every candidate look alike, and then which one wins does not
 *    show; an occluder coming in or a camera move tells the frames apart.
 * 4. A pick can be wrong for a while, and an offset could change: only the newest
 *    worker frames are counted, and the offset is checked every few messages, so the
 *    right one is found again within about a second.
 *
 * No DOM access; times are the page's performance clock in milliseconds.
 */

const WINDOW = 150;
/** The newest worker frames that decide the offset, and how often it is checked. */
const RECENT = 32;
const CHECK_EVERY = 10;
/** Exact landings the best offset needs; candidates need this share of its landings. */
const MIN_MATCHES = 8;
/** The worker and the page receive a frame within this of each other (ms), however busy. */
const SAME_FRAME_MS = 2000;
const CANDIDATE_SHARE = 0.8;
/** A fitting offset is kept unless another one's frames arrived this much closer (ms). */
const KEEP_WITHIN_MS = 17;
/**
 * Thumbnails of the same frame differ by about a grey level or two (the page scales the
 * picture otherwise); candidates whose pairs differ this much more than the best one's
 * (RMS, grey levels) are out.
 */
const PICTURE_TIE = 2;

/** Video RTP timestamps count 90 kHz. */
const RTP_TICKS_PER_MS = 90;

interface Stamp {
  timestamp: number;
  at: number;
  thumbnail: readonly number[] | null;
}

export class RtpClock {
  private readonly local: Stamp[] = [];
  private readonly remote: Stamp[] = [];
  private sinceCheck = 0;
  /** remote = (local + offset) mod 2^32, once known. */
  offset: number | null = null;

  /**
   * A frame shown here: its RTP timestamp, when it was received (requestVideoFrameCallback)
   * and its thumbnail (null when the picture could not be read).
   */
  addLocal(timestamp: number, receivedAt: number, thumbnail: readonly number[] | null = null): void {
    push(this.local, { timestamp: timestamp >>> 0, at: receivedAt, thumbnail });
  }

  /**
   * A frame the worker tracked (a `call.markers` message): when its message arrived, how
   * long the worker took from receiving the frame to sending it, and its thumbnail.
   */
  addRemote(timestamp: number, arrivedAt: number, trackedMs: number, thumbnail: readonly number[] | null = null): void {
    push(this.remote, { timestamp: timestamp >>> 0, at: arrivedAt - trackedMs, thumbnail });
    this.sinceCheck += 1;
    if (this.sinceCheck >= (this.offset === null ? 5 : CHECK_EVERY)) {
      this.sinceCheck = 0;
      this.settle();
    }
  }

  toRemote(localTimestamp: number): number | null {
    return this.offset === null ? null : (localTimestamp + this.offset) >>> 0;
  }

  /**
   * When the frame with this worker timestamp was received here (ms): its own stamp once
   * it was shown, else the newest shown frame's receipt moved on by the timestamps'
   * distance (the frame is still in the player's buffer, or was never shown). Null
   * before the clock is in step.
   */
  receivedAt(remoteTimestamp: number): number | null {
    const newest = this.local[this.local.length - 1];
    if (this.offset === null || newest === undefined) {
      return null;
    }
    const local = (remoteTimestamp - this.offset) >>> 0;
    const own = this.local.find((stamp) => stamp.timestamp === local);
    if (own) {
      return own.at;
    }
    return newest.at + ((local - newest.timestamp) | 0) / RTP_TICKS_PER_MS;
  }

  private settle(): void {
    const shown = new Map(this.local.map((stamp) => [stamp.timestamp, stamp]));
    const pairs = new Map<number, [Stamp, Stamp][]>();
    const recent = this.remote.slice(-RECENT);
    // pair the recent worker frames with every shown one: the newest are often not on
    // screen yet (the player holds the video while positions are on their way)
    for (const remote of recent) {
      for (const candidate of this.local) {
        const offset = (remote.timestamp - candidate.timestamp) >>> 0;
        if (pairs.has(offset) || Math.abs(remote.at - candidate.at) > SAME_FRAME_MS) {
          continue;
        }
        const landed: [Stamp, Stamp][] = [];
        for (const other of recent) {
          const local = shown.get((other.timestamp - offset) >>> 0);
          if (local !== undefined) {
            landed.push([other, local]);
          }
        }
        pairs.set(offset, landed);
      }
    }
    const best = Math.max(0, ...[...pairs.values()].map((landed) => landed.length));
    if (best < MIN_MATCHES) {
      return;
    }
    // only offsets that can be candidates are worth their delays and pictures
    const enough = Math.min(MIN_MATCHES, CANDIDATE_SHARE * best);
    const delays = new Map<number, number[]>();
    const pictures = new Map<number, number[]>();
    for (const [offset, landed] of pairs) {
      if (landed.length >= enough) {
        delays.set(offset, landed.map(([remote, local]) => remote.at - local.at));
        pictures.set(
          offset,
          landed
            .map(([remote, local]) => pictureDifference(remote.thumbnail, local.thumbnail))
            .filter((difference): difference is number => difference !== null),
        );
      }
    }
    const contenders = pictureContenders(pictures) ?? new Set(
      [...delays.keys()].filter((offset) => (delays.get(offset)?.length ?? 0) >= CANDIDATE_SHARE * best),
    );
    let chosen: { offset: number; delay: number } | null = null;
    for (const offset of contenders) {
      const landed = delays.get(offset) ?? [];
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
      this.offset !== null &&
      contenders.has(this.offset) &&
      Math.abs(median(current)) <= chosen.delay + KEEP_WITHIN_MS
    ) {
      return; // still fits: keep it rather than flip between near-equal candidates
    }
    this.offset = chosen.offset;
  }
}

/**
 * The offsets whose paired frames look alike: of those with MIN_MATCHES pairs of
 * thumbnails, the ones within PICTURE_TIE of the most alike. Not the offsets with the
 * most landings: a page that skipped some recent frames lands fewer of the true offset's
 * than of one a few seconds off (a steady camera repeats its gaps), whose frames it
 * showed back then. Null without thumbnails: then the landings decide.
 */
function pictureContenders(pictures: Map<number, number[]>): Set<number> | null {
  const unlikeness = new Map<number, number>();
  for (const [offset, unlike] of pictures) {
    const value = unlike.length >= MIN_MATCHES ? mean(unlike) : null;
    if (value !== null) {
      unlikeness.set(offset, value);
    }
  }
  if (unlikeness.size === 0) {
    return null;
  }
  const alike = Math.min(...unlikeness.values()) + PICTURE_TIE;
  return new Set([...unlikeness].filter(([, value]) => value <= alike).map(([offset]) => offset));
}

/**
 * Mean grey level (BT.601 luma) of each cell of a `columns` x `rows` grid over an RGBA
 * picture, row by row: the page's side of a markers frame's `thumbnail`.
 */
export function thumbnailOf(rgba: ArrayLike<number>, width: number, height: number, columns: number, rows: number): number[] {
  const sums = new Array<number>(columns * rows).fill(0);
  const counts = new Array<number>(columns * rows).fill(0);
  for (let y = 0; y < height; y += 1) {
    const row = Math.min(rows - 1, Math.floor((y * rows) / height));
    for (let x = 0; x < width; x += 1) {
      const cell = row * columns + Math.min(columns - 1, Math.floor((x * columns) / width));
      const i = 4 * (y * width + x);
      sums[cell] = (sums[cell] ?? 0) + 0.299 * (rgba[i] ?? 0) + 0.587 * (rgba[i + 1] ?? 0) + 0.114 * (rgba[i + 2] ?? 0);
      counts[cell] = (counts[cell] ?? 0) + 1;
    }
  }
  return sums.map((sum, cell) => sum / Math.max(1, counts[cell] ?? 0));
}

/** RMS difference of two thumbnails (grey levels); null when either is missing. */
export function pictureDifference(a: readonly number[] | null, b: readonly number[] | null): number | null {
  if (!a || !b || a.length === 0 || a.length !== b.length) {
    return null;
  }
  let sum = 0;
  for (let i = 0; i < a.length; i += 1) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    sum += d * d;
  }
  return Math.sqrt(sum / a.length);
}

function mean(values: number[]): number | null {
  return values.length ? values.reduce((total, value) => total + value, 0) / values.length : null;
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
