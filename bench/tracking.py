"""Run the shared tracking benchmark for `tracker.bench:Tracker` and print its figures.

    .venv/bin/python bench/tracking.py                      # public and depth splits
    .venv/bin/python bench/tracking.py --split depth
    .venv/bin/python bench/tracking.py --baseline HybridLKORB --baseline ORBHomography

Calls `../shared/bench/tracking/score.py` (relative to the repository root) once per split,
single-threaded (`--threads 1`), with the repository root on PYTHONPATH so the scorer can
import the tracker. Results are printed as the scorer's tables; `--json DIR` keeps the
full per-sequence results.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT.parent / "shared" / "bench" / "tracking"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--split", action="append", help="split name (default: public and depth)")
    ap.add_argument("--baseline", action="append", default=[],
                    help="also score this class of the benchmark's baselines.py")
    ap.add_argument("--json", type=Path, help="directory for the scorer's JSON results")
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
    for split in args.split or ["public", "depth"]:
        cmd = [sys.executable, str(score), "--split", split, "--threads", "1"]
        for t in trackers:
            cmd += ["--tracker", t]
        if args.json:
            args.json.mkdir(parents=True, exist_ok=True)
            cmd += ["--json", str(args.json / f"tracking-{split}.json")]
        print(f"== split {split}: {' '.join(cmd[1:])}", flush=True)
        rc |= subprocess.call(cmd, cwd=ROOT, env=env)
    return rc


if __name__ == "__main__":
    sys.exit(main())
