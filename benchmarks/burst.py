"""Burst benchmark: one writer sends N updates as fast as it can; R readers receive them.

Measures how long a burst takes to be committed to the store and fanned out to every reader
(the server sends nothing before its commit, so the last delivery bounds both).

    python benchmarks/burst.py [--updates 1000] [--readers 10] [--runs 3]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import websockets
from pycrdt import Doc, Map

from journeyboard.sync import protocol

sys.path.insert(0, str(Path(__file__).parent))
from servers import create_board, start_journeyboard, stop


async def reader(url: str, expected: int, ready: asyncio.Event, done: list[float]) -> None:
    async with websockets.connect(url, max_size=None) as ws:
        seen = 0
        ready.set()
        async for frame in ws:
            assert isinstance(frame, bytes)
            if frame[:2] == b"\x00\x02" and frame != protocol.KEEPALIVE_FRAME:
                seen += 1
                if seen == expected:
                    done.append(time.perf_counter())
                    return


async def one_run(port: int, updates: int, readers: int) -> float:
    board = create_board(port, template="blank")
    tokens = board["tokens"]
    assert isinstance(tokens, dict)
    url = f"ws://127.0.0.1:{port}/ws/{board['id']}?token={tokens['participant']}"
    done: list[float] = []
    ready = [asyncio.Event() for _ in range(readers)]
    tasks = [asyncio.create_task(reader(url, updates, ready[i], done)) for i in range(readers)]
    for event in ready:
        await event.wait()
    await asyncio.sleep(0.2)
    doc: Doc[object] = Doc()
    cards = doc.get("cards", type=Map)
    frames: list[bytes] = []
    doc.observe(lambda event: frames.append(protocol.encode_sync_update(event.update)))
    for i in range(updates):
        cards[f"c{i}"] = i
    async with websockets.connect(url, max_size=None) as writer:
        started = time.perf_counter()
        for frame in frames:
            await writer.send(frame)
        await asyncio.gather(*tasks)
    return max(done) - started


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--updates", type=int, default=1000)
    parser.add_argument("--readers", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        process, port = start_journeyboard(f"sqlite:///{Path(tmp) / 'bench.db'}")
        try:
            times = [await one_run(port, args.updates, args.readers) for _ in range(args.runs)]
        finally:
            stop(process)
    median = statistics.median(times)
    print(
        json.dumps(
            {
                "updates": args.updates,
                "readers": args.readers,
                "runs_s": [round(t, 4) for t in times],
                "median_s": round(median, 4),
                "updates_per_s": round(args.updates / median),
                "deliveries_per_s": round(args.updates * args.readers / median),
            }
        )
    )


if __name__ == "__main__":
    asyncio.run(main())
