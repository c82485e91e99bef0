"""Bundle benchmark: the gzipped JavaScript the code user's device page loads before a call.

The page is ``index.html`` → the entry chunk, which routes ``/d/<code>`` to the device
page with a dynamic import; that chunk and everything both import *statically* load
before anything else can happen. The call code (call screen, janus.js, webrtc-adapter)
sits behind further dynamic imports and loads only when a call starts, so it is not
counted (and the script checks that janus.js is indeed outside the set). The chunks
come from Vite's manifest (``build.manifest``); each is gzipped at level 9.
Target: ≤ 150 kB (1 kB = 1000 bytes, as Vite reports).

    .venv/bin/python -m bench.bundle [--build] [--dist web/dist]
"""

from __future__ import annotations

import argparse
import gzip
import json
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).parents[1]
WEB = ROOT / "web"
ENTRY = "index.html"
DEVICE_PAGE = "src/code-user/DevicePage.tsx"
#: The call code: the wrapper that bundles janus.js and webrtc-adapter, and the call screen.
CALL_CODE = ("src/lib/call.ts", "src/ui/call-screen.ts")
TARGET_KB = 150.0


def build(dist: Path) -> None:
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit("npm is needed to build the web app (scripts/install.sh installs it)")
    subprocess.run(
        [npm, "run", "build", "--", "--outDir", str(dist.resolve()), "--emptyOutDir"],
        cwd=WEB,
        check=True,
    )


def static_closure(manifest: dict[str, dict[str, object]], roots: list[str]) -> list[str]:
    """The manifest keys reachable from ``roots`` through static imports only."""
    seen: list[str] = []
    todo = list(roots)
    while todo:
        key = todo.pop()
        if key in seen:
            continue
        seen.append(key)
        imports = manifest[key].get("imports", [])
        assert isinstance(imports, list)
        todo.extend(str(name) for name in imports)
    return seen


def gzipped(path: Path) -> int:
    return len(gzip.compress(path.read_bytes(), compresslevel=9))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dist", type=Path, default=WEB / "dist")
    parser.add_argument("--build", action="store_true", help="build the web app first")
    args = parser.parse_args()
    manifest_path = args.dist / ".vite" / "manifest.json"
    if args.build or not manifest_path.exists():
        build(args.dist)
    manifest: dict[str, dict[str, object]] = json.loads(manifest_path.read_text())
    keys = static_closure(manifest, [ENTRY, DEVICE_PAGE])
    rows = []
    for key in keys:
        file = str(manifest[key]["file"])
        raw = (args.dist / file).stat().st_size
        rows.append((file, raw, gzipped(args.dist / file), key))
    rows.sort(key=lambda row: -row[2])
    print(f"{'chunk':48} {'raw kB':>8} {'gzip kB':>8}  source")
    for file, raw, packed, key in rows:
        print(f"{file:48} {raw / 1000:8.1f} {packed / 1000:8.1f}  {key}")
    total = sum(row[2] for row in rows)
    call_chunks = [key for key in CALL_CODE if key in manifest]
    call_on_demand = len(call_chunks) == len(CALL_CODE) and not any(
        key in keys for key in call_chunks
    )
    call_kb = sum(gzipped(args.dist / str(manifest[key]["file"])) for key in call_chunks) / 1000
    print(
        f"\ndevice page before a call: {total / 1000:.1f} kB gzipped JavaScript "
        f"(target ≤ {TARGET_KB:.0f} kB: {'met' if total / 1000 <= TARGET_KB else 'MISSED'})"
    )
    print(
        f"call code (janus.js, adapter, call screen; on demand: {'yes' if call_on_demand else 'NO'}): "
        f"{call_kb:.1f} kB gzipped"
    )


if __name__ == "__main__":
    main()
