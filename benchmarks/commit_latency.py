"""The SQLite store's commit latency under sustained writing, without sockets.

    python benchmarks/commit_latency.py [--runs 3] [--rate 2000] [--duration 5]
        [--baseline DIR ...]

What the sustained-writing scenario (`persist.py`) asks of the store, alone: one document
gets `--rate` updates a second (each a new key in a map, like the load generator's), every one
through `SQLiteStore.append_update`, and each update's time from append to commit is
recorded. Every 500 appends the store compacts the document (`COMPACT_AFTER`), so the
compaction's cost shows in the tail. The load generator, the sockets and the fan-out are left
out: on a shared machine they are what varies most.

Each tree (this one, then each `--baseline DIR`, DIR being the folder that holds the
`journeyboard` package) runs in a process of its own, interleaved (A, B, A, B, ...), and
prints the p50, p99 and max commit latency in ms with the CPU the process used.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from spreads import figure

ROOT = Path(__file__).resolve().parents[1]


def updates(count: int) -> list[bytes]:
    from pycrdt import Doc, Map, TransactionEvent

    writers: list[Doc[Any]] = [Doc() for _ in range(20)]
    made: list[bytes] = []

    def capture(event: TransactionEvent) -> None:
        made.append(event.update)

    for doc in writers:
        doc.observe(capture)
    for seq in range(count):
        writers[seq % 20].get("bench", type=Map)[f"m!{seq % 20:06d}{seq:08d}"] = seq
    return made


async def measure(rate: float, duration: float) -> dict[str, float]:
    from journeyboard.stores.sqlite import SQLiteStore

    todo = updates(int(rate * duration))
    latencies: list[float] = []
    cpu = time.process_time()
    with tempfile.TemporaryDirectory() as folder:
        async with SQLiteStore(Path(folder) / "bench.db") as store:
            interval = 1.0 / rate
            started = time.perf_counter()
            pending: list[asyncio.Future[int]] = []
            for number, update in enumerate(todo):
                due = started + number * interval
                delay = due - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                sent = time.perf_counter()
                future = store.append_update("bench", update)
                future.add_done_callback(
                    lambda _, sent=sent: latencies.append(time.perf_counter() - sent)
                )
                pending.append(future)
            await asyncio.gather(*pending)
    cpu = time.process_time() - cpu
    ordered = sorted(latencies)

    def at(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 2)

    return {"p50_ms": at(0.5), "p99_ms": at(0.99), "max_ms": at(1.0), "cpu_s": round(cpu, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--rate", type=float, default=2000.0)
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--baseline", action="append", default=[])
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(asyncio.run(measure(args.rate, args.duration))))
        return
    trees = [("this tree", ROOT / "server")] + [
        (f"baseline {n}", Path(source)) for n, source in enumerate(args.baseline, 1)
    ]
    raw: dict[str, list[dict[str, float]]] = {name: [] for name, _ in trees}
    for number in range(args.runs):
        for name, source in trees:  # interleaved
            child = subprocess.run(
                [sys.executable, __file__, "--child", "--rate", str(args.rate),
                 "--duration", str(args.duration)],
                env={**os.environ, "PYTHONPATH": str(source)}, capture_output=True, check=True,
            )  # fmt: skip
            result = json.loads(child.stdout.decode().strip().splitlines()[-1])
            print(f"run {number + 1} {name} {json.dumps(result)}", file=sys.stderr)
            raw[name].append(result)
    print(f"`python benchmarks/commit_latency.py {' '.join(sys.argv[1:])}`\n")
    print("| tree | commit p50 ms | commit p99 ms | max ms | CPU s |")
    print("|---|---|---|---|---|")
    for name, results in raw.items():
        cells = [figure(results, key).show(2) for key in ("p50_ms", "p99_ms", "max_ms", "cpu_s")]
        print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
