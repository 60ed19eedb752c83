"""The SQLite store's commit latency under sustained writing, without sockets.

    python benchmarks/commit_latency.py [--runs 3] [--rate 2000] [--duration 5]
        [--baseline DIR ...] [--loop-lag]

What the sustained-writing scenario (`persist.py`) asks of the store, alone: one document
gets `--rate` updates a second (each a new key in a map, like the load generator's), every one
through `SQLiteStore.append_update`, and each update's time from append to commit is
recorded. Every 500 appends the store compacts the document (`COMPACT_AFTER`), so the
compaction's cost shows in the tail. The load generator, the sockets and the fan-out are left
out: on a shared machine they are what varies most.

Each tree (this one, then each `--baseline DIR`, DIR being the folder that holds the
`journeyboard` package) runs in a process of its own, interleaved (A, B, A, B, ...), and
prints the p50, p99 and max commit latency in ms with the CPU the process used (its child
processes included: the compaction proof's, issue #30). `--loop-lag` also measures how late
the event loop wakes from a 1 ms sleep meanwhile (p99 and max): what a compaction that holds
the GIL costs every socket of the server.
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


def cpu_with_children() -> float:
    """This process's CPU seconds, and its children's that have ended (the store's compaction
    process ends when the store closes)."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


async def measure(rate: float, duration: float, loop_lag: bool = False) -> dict[str, float]:
    from journeyboard.stores.sqlite import SQLiteStore

    todo = updates(int(rate * duration))
    latencies: list[float] = []
    lags: list[float] = []
    measuring = True

    async def ticker() -> None:
        while measuring:
            before = time.perf_counter()
            await asyncio.sleep(0.001)
            lags.append(time.perf_counter() - before - 0.001)

    cpu = cpu_with_children()
    with tempfile.TemporaryDirectory() as folder:
        async with SQLiteStore(Path(folder) / "bench.db") as store:
            ticking = asyncio.create_task(ticker()) if loop_lag else None
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
            measuring = False
            if ticking is not None:
                await ticking
    cpu = cpu_with_children() - cpu

    def at(values: list[float], q: float) -> float:
        ordered = sorted(values)
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 2)

    result = {
        "p50_ms": at(latencies, 0.5),
        "p99_ms": at(latencies, 0.99),
        "max_ms": at(latencies, 1.0),
        "cpu_s": round(cpu, 2),
    }
    if loop_lag:
        result |= {"lag_p99_ms": at(lags, 0.99), "lag_max_ms": at(lags, 1.0)}
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--rate", type=float, default=2000.0)
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--baseline", action="append", default=[])
    parser.add_argument("--loop-lag", action="store_true", help="also the event loop's lag")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(asyncio.run(measure(args.rate, args.duration, args.loop_lag))))
        return
    trees = [("this tree", ROOT / "server")] + [
        (f"baseline {n}", Path(source)) for n, source in enumerate(args.baseline, 1)
    ]
    raw: dict[str, list[dict[str, float]]] = {name: [] for name, _ in trees}
    for number in range(args.runs):
        for name, source in trees:  # interleaved
            child = subprocess.run(
                [sys.executable, __file__, "--child", "--rate", str(args.rate),
                 "--duration", str(args.duration), *(["--loop-lag"] if args.loop_lag else [])],
                env={**os.environ, "PYTHONPATH": str(source)}, capture_output=True, check=True,
            )  # fmt: skip
            result = json.loads(child.stdout.decode().strip().splitlines()[-1])
            print(f"run {number + 1} {name} {json.dumps(result)}", file=sys.stderr)
            raw[name].append(result)
    print(f"`python benchmarks/commit_latency.py {' '.join(sys.argv[1:])}`\n")
    keys = ["p50_ms", "p99_ms", "max_ms", "cpu_s"]
    head = "| tree | commit p50 ms | commit p99 ms | max ms | CPU s |"
    if args.loop_lag:
        keys += ["lag_p99_ms", "lag_max_ms"]
        head += " loop lag p99 ms | loop lag max ms |"
    print(head)
    print("|---" * len(keys) + "|---|")
    for name, results in raw.items():
        cells = [figure(results, key).show(2) for key in keys]
        print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
