"""Sustained writing alone: journeyboard builds against the reference, interleaved.

    python benchmarks/persist.py [--runs 3] [--duration 5] [--writers 20] [--rate 100]
        [--baseline DIR ...] [--no-reference] [--profile OUT.prof]

The "persist" scenario of `compare.py` (20 writers at 100 updates/s each in one room, every
update received by every other writer; journeyboard on SQLite commits each update before
anyone receives it), without the other scenarios, so that a change to the write path can be
measured against the build before it in the same run:

- `--baseline DIR` (repeatable) also starts journeyboard from another source tree, DIR being
  the folder that holds the `journeyboard` package (e.g. a `git archive main server` unpacked
  into /tmp/main, then `--baseline /tmp/main/server`).
- The servers run in turn (this tree, each baseline, the reference), `--runs` times; each
  figure is printed with its median and spread over the runs (`spreads.py`).
- `--writers 200 --rate 1 --duration 10` is compare.py's "fanout_1x200" scenario (one room of
  200 clients, each sending one small update a second): the same measurement, so the fan-out
  can be rerun alone against a baseline too.
- `--profile OUT.prof` runs this tree's server under cProfile (event loop thread only) and
  writes the profile when the run ends (`python -m pstats OUT.prof`).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from compare import IDLE_LIMITS, Target, persist, settle, start_reference, wait_unloaded
from servers import SECRET, create_board, free_port, room_url, stop, wait_http
from spreads import figure

ROOT = Path(__file__).resolve().parents[1]


def start_tree(name: str, source: Path, folder: Path, profile: str | None = None) -> Target:
    """journeyboard from the source folder `source` (the one holding the package)."""
    port = free_port()
    env = {**os.environ, "JOURNEYBOARD_SECRET": SECRET, "PYTHONPATH": str(source)}
    launcher = ["-m", "cProfile", "-o", profile] if profile else []
    process = subprocess.Popen(
        [sys.executable, *launcher, "-m", "journeyboard", "serve", "--port", str(port),
         "--store", f"sqlite:///{folder / (name + '.db')}", "--log-level", "warning",
         *IDLE_LIMITS],
        env=env,
    )  # fmt: skip
    wait_http(f"http://127.0.0.1:{port}/healthz")
    return Target(name, process, port, lambda: room_url(port, create_board(port)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--writers", type=int, default=20)
    parser.add_argument("--rate", type=float, default=100.0)
    parser.add_argument("--baseline", action="append", default=[], help="another source tree")
    parser.add_argument("--no-reference", action="store_true")
    parser.add_argument("--profile", help="cProfile this tree's server into this file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        targets = [start_tree("journeyboard", ROOT / "server", folder, args.profile)]
        for number, source in enumerate(args.baseline, 1):
            targets.append(start_tree(f"baseline{number}", Path(source), folder))
        if not args.no_reference:
            targets.append(start_reference(folder / "reference"))
        raw: dict[str, list[dict[str, Any]]] = {t.name: [] for t in targets}
        ports = [t.port for t in targets if t.name != "y-websocket"]
        try:
            for number in range(args.runs):
                for target in targets:  # interleaved: A, B, C, A, B, C, ...
                    wait_unloaded(ports)
                    settle([t.pid for t in targets])
                    result = partial(persist, target, args.writers, args.rate, args.duration)()
                    print(f"run {number + 1} {target.name} {json.dumps(result)}", file=sys.stderr)
                    raw[target.name].append(result)
        finally:
            for target in targets:
                stop(target.process)
    print(f"`python benchmarks/persist.py {' '.join(sys.argv[1:])}`\n")
    print("| server | p50 ms | p99 ms | max ms | lost | CPU µs/delivery | generator CPU |")
    print("|---|---|---|---|---|---|---|")
    for name, results in raw.items():
        cells = [
            figure(results, "p50_ms").show(2),
            figure(results, "p99_ms").show(1),
            figure(results, "max_ms").show(1),
            str(sum(int(r["lost"]) for r in results)),
            figure(results, "cpu_us_per_delivery").show(2),
            figure(results, "generator_cpu_share").show(2),
        ]
        print(f"| {name} | " + " | ".join(cells) + " |")
    print("\nruns (p99 ms): " + "; ".join(
        f"{name} " + ", ".join(str(r["p99_ms"]) for r in results) for name, results in raw.items()
    ))  # fmt: skip


if __name__ == "__main__":
    main()
