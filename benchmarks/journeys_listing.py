"""GET /api/boards/{id}/journeys on a full workshop: how long it takes and how long it holds the
event loop (issue #27).

    python benchmarks/journeys_listing.py [--journeys 50] [--cards 300] [--repeats 5]

In-process (no HTTP): a memory store wired as `web.app.Services.build` wires a node, a root
journey seeded with `--cards` cards (benchmarks/seed.py) and `--journeys - 1` to-be journeys
copied from it (each with the same cards). It lists the workshop `--repeats` times with every
room unloaded ("cold": nothing of the workshop open on this node) and `--repeats` times with
every room open and unchanged ("warm": people on the journeys), while a ticker notes the
longest stretch the event loop could not run it (its "longest stall").
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import seed

from journeyboard.settings import Settings
from journeyboard.stores.memory import MemoryStore
from journeyboard.web.services import Services
from journeyboard.workshop import documents, journeys

SECRET = "benchmark-secret-0123456789abcdef"


class Ticker:
    """The longest gap between two runs of a task that asks to run every millisecond (the
    gap still open when it stops counts too)."""

    def __init__(self) -> None:
        self.longest = 0.0
        self._last = 0.0
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(0.001)
            now = time.perf_counter()
            self.longest = max(self.longest, now - self._last)
            self._last = now

    async def __aenter__(self) -> Ticker:
        self.longest = 0.0
        self._last = time.perf_counter()
        self._task = asyncio.create_task(self._run())
        await asyncio.sleep(0)  # the ticker is running
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.longest = max(self.longest, time.perf_counter() - self._last)
        assert self._task is not None
        self._task.cancel()


async def series(
    wired: Services, lead: Any, names: list[str], count: int, repeats: int, *, hold: bool
) -> dict[str, float]:
    """List the workshop `repeats` times; with `hold` False, once every room has unloaded."""
    took: list[float] = []
    stalls: list[float] = []
    for _ in range(repeats):
        if not hold:
            while any(name in wired.rooms.rooms for name in names):  # noqa: ASYNC110 (polls the grace)
                await asyncio.sleep(0.05)
        async with Ticker() as ticker:
            started = time.perf_counter()
            listed = await journeys.list_journeys(wired.boards, lead)
            took.append(time.perf_counter() - started)
        stalls.append(ticker.longest)
        assert len(listed["journeys"]) == count
    return {
        "median_ms": round(statistics.median(took) * 1000, 1),
        "max_ms": round(max(took) * 1000, 1),
        "longest_stall_ms": round(max(stalls) * 1000, 1),
    }


async def measure(count: int, cards: int, repeats: int) -> dict[str, Any]:
    store = MemoryStore()
    wired = Services.build(
        Settings(store_url="memory://", secret=SECRET, grace_seconds=0.05), store
    )
    async with wired.rooms:
        created = await wired.boards.create("Motor claim", template=None, persona="", scope="")
        root = created.board.id
        seeded = seed.board_update(cards, 1)
        await store.append_update(documents.content_name(root), seeded.update)
        lead = await wired.boards.authenticate(root, created.tokens["facilitator"])
        for _ in range(count - 1):
            await journeys.add_journey(wired.boards, lead, {"relation": "to_be"})
        names = [
            name(journey.id)
            for journey in await wired.boards.records.list_journeys(root)
            for name in (documents.content_name, documents.session_name)
        ]
        results: dict[str, Any] = {"journeys": count, "cards_each": cards}
        results["cold"] = await series(wired, lead, names, count, repeats, hold=False)
        held = [await wired.rooms.acquire(name) for name in names]
        results["open, first"] = await series(wired, lead, names, count, 1, hold=True)
        results["open, unchanged"] = await series(wired, lead, names, count, repeats, hold=True)
        for room in held:
            wired.rooms.release(room.name)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--journeys", type=int, default=50)
    parser.add_argument("--cards", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    print(asyncio.run(measure(args.journeys, args.cards, args.repeats)))


if __name__ == "__main__":
    main()
