"""Where the tracker fails, on development sequences that are neither public nor hidden.

    .venv/bin/python bench/tracking_breakdown.py                  # the dev set below
    .venv/bin/python bench/tracking_breakdown.py hard101 depth302 --cache /tmp/trk-dev
    .venv/bin/python bench/tracking_breakdown.py --fresh          # a second set, seeds 401-408
    .venv/bin/python bench/tracking_breakdown.py --why hard101     # ...and the failures' causes
    .venv/bin/python bench/tracking_breakdown.py --motion hard101  # ...and success by image speed
    .venv/bin/python bench/tracking_breakdown.py --onset depth303  # ...and failures of early losses

The shared benchmark's public split is for reporting only and its hidden split uses seeds
1000+, so tuning happens on these seeds (100-499). Sequences are rendered once by the
benchmark's generator (`../shared/bench/tracking/make_sequences.py`) and cached as `.npz`.
Besides the scorer's metrics each row splits the failures by kind:

* lost-vis: visible point-frames reported lost (% of visible);
* wrong-ok: visible, reported ok, more than 5 px off (% of visible);
* fo-out / fo-hidden: reported ok while outside the image / inside it but hidden
  (counts over the invisible point-frames of that kind);
* for scenes with depth, success / false-ok / re-acquisition of background and object points.

fps is wall time inside `update()` on a shared machine: compare runs, not machines.

`--motion` adds a line per sequence on how fast the image moved where it failed: success
and the share of all failed visible point-frames for frames whose median point moves
< 10, 10-20, 20-40 and > 40 px since the previous frame (fast frames are blurred too).

`--onset` adds a line per sequence on the points that fail early: how many first fail
(visible, not ok within 5 px) in frames 1 to 10, and their share of all failed visible
point-frames. In scenes with depth, points that fail before the surfaces separate
mostly stay failed.

`--why` adds a line per sequence on the two largest failure kinds (a second, untimed run
of `tracker.core.PointTracker` with its debug record on):

* lost-vis by how far the tracker's prediction was from the truth (< 2, 2-5, 5-15,
  > 15 px): near, the acceptance refused a good prediction; far, only re-acquisition can
  bring the point back;
* wrong-ok by how the position came about: a template match that was accepted, a kept
  prediction (or another surface's, or a re-acquisition), or an untextured point that
  nothing checks.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT.parent / "shared" / "bench" / "tracking"
DEV: dict[str, tuple[str, int, dict[str, Any]]] = {
    "hard101": ("hard", 101, {}),
    "hard102": ("hard", 102, {}),
    "hard103": ("hard", 103, {}),
    "med201": ("medium", 201, {}),
    "med202": ("medium", 202, {}),
    "depth301": ("depth", 301, {}),
    "depth302": ("depth", 302, {}),
    "depth303": ("depth", 303, {}),
    "depthmv304": ("depth", 304, {"moving_layer": 1}),
    "harddepth305": ("hard", 305, {"depth_layers": 2, "moving_layer": 1}),
}
# a second set for checking that a change found on DEV is not tuned to it
FRESH: dict[str, tuple[str, int, dict[str, Any]]] = {
    "hard401": ("hard", 401, {}),
    "hard402": ("hard", 402, {}),
    "med403": ("medium", 403, {}),
    "easy404": ("easy", 404, {}),
    "depth405": ("depth", 405, {}),
    "depth406": ("depth", 406, {}),
    "depthmv407": ("depth", 407, {"moving_layer": 1}),
    "harddepth408": ("hard", 408, {"depth_layers": 2}),
}
SEQUENCES = {**DEV, **FRESH}


def _pct(a: float, b: float) -> str:
    return f"{100.0 * a / b:5.1f}" if b else "    -"


def _load(name: str, cache: Path) -> dict[str, Any]:
    """The cached sequence, rendered by the benchmark's generator on first use."""
    import make_sequences as ms

    path = cache / f"{name}.npz"
    if not path.is_file():
        profile, seed, overrides = SEQUENCES[name]
        ms.Sequence(ms.SequenceSpec(profile, seed, overrides=overrides)).save_npz(str(path))
    return ms.load_npz(str(path))


def _surface_rows(pred: np.ndarray, ok: np.ndarray, d: dict[str, Any]) -> str:
    import score

    if "point_layer" not in d:
        return ""
    parts = []
    for label, m in (("bg", d["point_layer"] == 0), ("obj", d["point_layer"] > 0)):
        s = score.score_arrays(pred[:, m], ok[:, m], d["gt"][:, m], d["visible"][:, m]).summary()
        parts.append(
            f"{label} {100 * s['success_at_5px']:.1f}/{100 * s['false_ok_rate']:.1f}/"
            f"{100 * s['reacq_rate']:.0f}({s['reacq_events']})"
        )
    return " | " + " ".join(parts)


MOTION_BINS = ((0.0, 10.0), (10.0, 20.0), (20.0, 40.0), (40.0, float("inf")))


def _motion_line(pred: np.ndarray, ok: np.ndarray, gt: np.ndarray, vis: np.ndarray) -> str:
    """Success and share of the failures by the frame's image motion (see --motion)."""
    move = np.median(np.linalg.norm(gt[1:] - gt[:-1], axis=2), axis=1)
    err = np.linalg.norm(pred[1:].astype(np.float64) - gt[1:], axis=2)
    v, good = vis[1:], vis[1:] & ok[1:] & (err <= 5)
    failed = int((v & ~good).sum())
    parts = []
    for lo, hi in MOTION_BINS:
        frames = (move >= lo) & (move < hi)
        seen, right = int(v[frames].sum()), int(good[frames].sum())
        parts.append(
            f"{lo:g}-{hi:g}px: succ {_pct(right, seen).strip()} fail-share "
            f"{_pct(seen - right, failed).strip()}"
        )
    return f"{'':13s} motion: " + " | ".join(parts)


ONSET_FRAMES = 10


def _onset_line(pred: np.ndarray, ok: np.ndarray, gt: np.ndarray, vis: np.ndarray) -> str:
    """Points whose first failure is in frames 1-10 and their share of failures (--onset)."""
    err = np.linalg.norm(pred[1:].astype(np.float64) - gt[1:], axis=2)
    failed = vis[1:] & ~(ok[1:] & (err <= 5))
    early = failed[:ONSET_FRAMES].any(axis=0)
    return (
        f"{'':13s} onset: {int(early.sum())} of {len(early)} points first fail in frames "
        f"1-{ONSET_FRAMES}, {_pct(failed[:, early].sum(), failed.sum()).strip()} % of the "
        "failed visible point-frames"
    )


def run(
    name: str, cache: Path, make: Any, show_motion: bool = False, show_onset: bool = False
) -> tuple[Any, dict[str, int]]:
    """Track one sequence; return the scorer's counts and the failure-kind counts."""
    import score

    d = _load(name, cache)
    frames, gt, vis = d["frames"], d["gt"], d["visible"]
    pred, ok, spent, _ = score.run_tracker(make, list(frames), gt[0].astype(np.float32))
    c = score.score_arrays(pred, ok, gt, vis)
    c.frames, c.seconds = len(frames) - 1, spent
    v, o, g = vis[1:], ok[1:], gt[1:]
    err = np.linalg.norm(pred[1:].astype(np.float64) - g, axis=2)
    hgt, wid = frames.shape[1:]
    in_img = (g[..., 0] >= 0) & (g[..., 0] <= wid - 1) & (g[..., 1] >= 0) & (g[..., 1] <= hgt - 1)
    kinds = dict(
        vis=int(v.sum()),
        lost_vis=int((v & ~o).sum()),
        wrong_ok=int((v & o & (err > 5)).sum()),
        fo_out=int((~v & o & ~in_img).sum()),
        out=int((~v & ~in_img).sum()),
        fo_hidden=int((~v & o & in_img).sum()),
        hidden=int((~v & in_img).sum()),
    )
    s = c.summary()
    print(
        f"{name:13s} succ {100 * s['success_at_5px']:5.1f} fo {100 * s['false_ok_rate']:4.1f} "
        f"reacq {100 * s['reacq_rate']:5.1f}({s['reacq_events']:3d}) med {s['median_err_px']:.2f}"
        f" fps {s['fps']:5.1f} | lost-vis {_pct(kinds['lost_vis'], kinds['vis'])} wrong-ok "
        f"{_pct(kinds['wrong_ok'], kinds['vis'])} fo-out {kinds['fo_out']}/{kinds['out']} "
        f"fo-hidden {kinds['fo_hidden']}/{kinds['hidden']}{_surface_rows(pred, ok, d)}",
        flush=True,
    )
    if show_motion:
        print(_motion_line(pred, ok, gt, vis), flush=True)
    if show_onset:
        print(_onset_line(pred, ok, gt, vis), flush=True)
    return c, kinds


LOST_BINS = ((0.0, 2.0), (2.0, 5.0), (5.0, 15.0), (15.0, float("inf")))


def why(name: str, cache: Path) -> None:
    """Run the tracker with its debug record and print the failure kinds' causes."""
    from tracker.core import PointTracker

    d = _load(name, cache)
    frames, gt, vis = d["frames"], d["gt"], d["visible"]
    tracker = PointTracker(frames[0], gt[0])
    tracker.debug = []
    counts = dict.fromkeys(
        [f"lost<{hi:g}" for _, hi in LOST_BINS] + ["wrong:match", "wrong:kept", "wrong:flat"], 0
    )
    for t in range(1, len(frames)):
        tracker.debug.clear()
        pos, ok = tracker.update(frames[t])
        matched = {entry[1] for entry in tracker.debug if entry[4] == 1.0}
        err = np.linalg.norm(pos.astype(np.float64) - gt[t], axis=1)
        for k in np.flatnonzero(vis[t] & ~ok):
            lo_hi = next(b for b in LOST_BINS if b[0] <= err[k] < b[1])
            counts[f"lost<{lo_hi[1]:g}"] += 1
        for k in np.flatnonzero(vis[t] & ok & (err > 5)):
            if not tracker.tmpl[k].textured:
                counts["wrong:flat"] += 1
            else:
                counts["wrong:match" if k in matched else "wrong:kept"] += 1
    lost = sum(counts[f"lost<{hi:g}"] for _, hi in LOST_BINS)
    wrong = counts["wrong:match"] + counts["wrong:kept"] + counts["wrong:flat"]
    print(
        f"{'':13s} why: lost-vis by prediction error <2/2-5/5-15/>15 px: "
        + "/".join(_pct(counts[f"lost<{hi:g}"], lost).strip() for _, hi in LOST_BINS)
        + " %; wrong-ok match/kept/untextured: "
        + "/".join(
            _pct(counts[key], wrong).strip() for key in ("wrong:match", "wrong:kept", "wrong:flat")
        )
        + " %",
        flush=True,
    )


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("names", nargs="*", help=f"dev sequences (default: all of {', '.join(DEV)})")
    ap.add_argument(
        "--fresh", action="store_true", help=f"run the second set instead ({', '.join(FRESH)})"
    )
    ap.add_argument("--cache", type=Path, help="directory for the rendered sequences")
    ap.add_argument("--why", action="store_true", help="also break the failures down by cause")
    ap.add_argument(
        "--motion", action="store_true", help="also split success by the frame's image motion"
    )
    ap.add_argument(
        "--onset", action="store_true", help="also count the failures of points lost early"
    )
    args = ap.parse_args()
    unknown = set(args.names) - set(SEQUENCES)
    if unknown:
        ap.error(f"unknown dev sequence(s): {', '.join(sorted(unknown))}")
    if not (BENCH / "score.py").is_file():
        print(f"tracking benchmark not found at {BENCH}", file=sys.stderr)
        return 2
    sys.path[:0] = [str(BENCH), str(ROOT)]
    cv2.setNumThreads(1)
    import score

    from tracker.bench import Tracker

    tmp = None
    if args.cache is None:
        tmp = tempfile.TemporaryDirectory()
        args.cache = Path(tmp.name)
    args.cache.mkdir(parents=True, exist_ok=True)
    total, kinds = (
        score.Counts(),
        dict.fromkeys(("vis", "lost_vis", "wrong_ok", "fo_out", "out", "fo_hidden", "hidden"), 0),
    )
    t0 = time.perf_counter()
    for name in args.names or list(FRESH if args.fresh else DEV):
        c, k = run(name, args.cache, Tracker, args.motion, args.onset)
        if args.why:
            why(name, args.cache)
        total.add(c)
        kinds = {key: kinds[key] + k[key] for key in kinds}
    s = total.summary()
    print(
        f"{'TOTAL':13s} succ {100 * s['success_at_5px']:5.1f} fo {100 * s['false_ok_rate']:4.1f}"
        f" reacq {100 * s['reacq_rate']:5.1f}({s['reacq_events']:3d}) med "
        f"{s['median_err_px']:.2f} fps {s['fps']:5.1f} | lost-vis "
        f"{_pct(kinds['lost_vis'], kinds['vis'])} wrong-ok {_pct(kinds['wrong_ok'], kinds['vis'])}"
        f" fo-out {kinds['fo_out']}/{kinds['out']} fo-hidden {kinds['fo_hidden']}/"
        f"{kinds['hidden']}   ({time.perf_counter() - t0:.0f} s)"
    )
    if tmp is not None:
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
