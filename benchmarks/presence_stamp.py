# ruff: noqa: RUF001
"""What the server's presence stamp costs a cursor move (`presence.stamp`).

    python benchmarks/presence_stamp.py [--runs 3] [--baseline DIR ...]

Stamps the state a participant's cursor sends (its cursor, view and edited card, as the app
writes them) with a participant's presence, 200,000 times, and reports microseconds per
stamp, best of 3 repeats. Each tree (this one, then each `--baseline DIR`, DIR being the folder
that holds the `journeyboard` package) runs in a fresh process of its own, the trees
interleaved `--runs` times (A, B, A, B, ...); the table gives the median and the spread.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import timeit
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STAMPS = 200_000
STATE = json.dumps(
    {
        "cursor": {"x": 1234.5, "y": 456.25, "stage": "s3", "lane": "pains"},
        "editing": None,
        "view": {"x": 0, "y": 120.5, "zoom": 1},
    },
    separators=(",", ":"),
)
PRESENCE = {
    "name": "Åsa Lindqvist",
    "color": "#2f4858",
    "role": "participant",
    "id": "p_7f3a9c",
    "department": "Claims",
}


def measure() -> float:
    """Microseconds per stamp in this process, best of 3 repeats: what the room does for
    each cursor move: `stamp(state, conn.presence_json())`, or in a tree from before the
    socket kept its presence as JSON, `stamp(state, conn.presence)`."""
    from journeyboard.sync.connection import Connection
    from journeyboard.sync.presence import stamp

    class Channel:
        closing = False

        def send(self, frame: bytes) -> None:
            return None

        def close(self, code: int, reason: str) -> None:
            return None

    conn = Connection(Channel(), True, presence=PRESENCE)
    presence_json = getattr(conn, "presence_json", None)
    if presence_json is not None:

        def one() -> object:
            return stamp(STATE, presence_json())
    else:

        def one() -> object:
            return stamp(STATE, conn.presence)  # type: ignore[arg-type]

    assert json.loads(str(one()))["user"] == PRESENCE
    best = min(timeit.repeat(one, number=STAMPS, repeat=3))
    return best / STAMPS * 1e6


def run_tree(source: Path) -> float:
    env = {**os.environ, "PYTHONPATH": str(source)}
    done = subprocess.run(
        [sys.executable, __file__, "--child"], env=env, capture_output=True, text=True, check=True
    )
    return float(done.stdout.strip())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--baseline", action="append", default=[])
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(f"{measure():.4f}")
        return
    trees = [("this tree", ROOT / "server")] + [
        (f"baseline {n}", Path(path)) for n, path in enumerate(args.baseline, 1)
    ]
    results: dict[str, list[float]] = {name: [] for name, _ in trees}
    for _ in range(args.runs):
        for name, source in trees:
            micros = run_tree(source)
            results[name].append(micros)
            print(f"{name}: {micros:.2f} µs a stamp", flush=True)
    print("\n| tree | µs a stamp, median (spread) |\n|---|---|")
    for name, values in results.items():
        print(f"| {name} | {statistics.median(values):.2f} ({min(values):.2f}–{max(values):.2f}) |")


if __name__ == "__main__":
    main()
