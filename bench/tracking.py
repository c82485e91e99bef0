"""Run the shared tracking benchmark for `tracker.bench:Tracker` and print its figures.

    .venv/bin/python bench/tracking.py                      # public and depth splits
    .venv/bin/python bench/tracking.py --split depth
    .venv/bin/python bench/tracking.py --baseline HybridLKORB --baseline ORBHomography
    .venv/bin/python bench/tracking.py --fps                # speed at 640x480 and 1280x720

Calls `../shared/bench/tracking/score.py` (relative to the repository root) once per split,
single-threaded (`--threads 1`), with the repository root on PYTHONPATH so the scorer can
import the tracker. Results are printed as the scorer's tables; `--json DIR` keeps the
full per-sequence results.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT.parent / "shared" / "bench" / "tracking"
# the benchmark README's speed protocol: the first 100 frames of `medium` seed 3 at both sizes
FPS_SPLIT = {"name": "fps", "sequences": [
    {"profile": "medium", "seed": 3, "size": "640x480", "overrides": {"n_frames": 100}},
    {"profile": "medium", "seed": 3, "size": "1280x720", "overrides": {"n_frames": 100}}]}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--split", action="append", help="split name (default: public and depth)")
    ap.add_argument("--baseline", action="append", default=[],
                    help="also score this class of the benchmark's baselines.py")
    ap.add_argument("--json", type=Path, help="directory for the scorer's JSON results")
    ap.add_argument("--fps", action="store_true",
                    help="run the speed protocol (100 frames at 640x480 and 1280x720) instead")
    args = ap.parse_args()
    score = BENCH / "score.py"
    if not score.is_file():
        print(f"tracking benchmark not found at {BENCH} (expected ../shared/bench/tracking "
              "next to the repository); nothing measured", file=sys.stderr)
        return 2
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    trackers = ["tracker.bench:Tracker"] + [f"baselines:{b}" for b in args.baseline]
    rc = 0
    splits = ["fps"] if args.fps else (args.split or ["public", "depth"])
    tmp = tempfile.TemporaryDirectory()
    fps_file = Path(tmp.name) / "fps.json"
    fps_file.write_text(json.dumps(FPS_SPLIT))
    for split in splits:
        which = ["--split-file", str(fps_file)] if split == "fps" else ["--split", split]
        cmd = [sys.executable, str(score), *which, "--threads", "1"]
        for t in trackers:
            cmd += ["--tracker", t]
        if args.json:
            args.json.mkdir(parents=True, exist_ok=True)
            cmd += ["--json", str(args.json / f"tracking-{split}.json")]
        print(f"== split {split}: {' '.join(cmd[1:])}", flush=True)
        rc |= subprocess.call(cmd, cwd=ROOT, env=env)
    tmp.cleanup()
    return rc


if __name__ == "__main__":
    sys.exit(main())
