"""The 2,000-card board's first render on several checkouts, interleaved (issue #27).

    python benchmarks/first_render.py [--runs 4] [--cards 2000] [--role facilitator]
        [--profile DIR] NAME=CHECKOUT ...

Each CHECKOUT (a worktree with its client built: `cd client && npx vite build`) gets its own
`journeyboard serve` (SQLite, PYTHONPATH=CHECKOUT/server, so its own server and static files)
and its own seeded board (benchmarks/seed.py). Then, `--runs` times, one fresh browser context
per checkout in turn (A B C A B C ...) opens its board as benchmarks/browser.py's render does
and notes the painted time (of every card, or of the first screen's cards where the client
mounts the rest as they scroll into view), how many cards were mounted then, and the
renderer's main-thread CPU time up to it (Chromium's `Performance.getMetrics` ThreadTime: time
spent waiting for a core, on a shared machine, does not count). `--profile DIR` also writes a
CPU profile of each load (open in Chrome DevTools).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
import browser
from playwright.async_api import async_playwright
from servers import SECRET, free_port, stop, wait_http


def serve(checkout: str) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    folder = tempfile.mkdtemp(prefix="jb-render-")
    env = {**os.environ, "JOURNEYBOARD_SECRET": SECRET, "PYTHONPATH": f"{checkout}/server"}
    process = subprocess.Popen(
        [sys.executable, "-m", "journeyboard", "serve", "--port", str(port),
         "--store", f"sqlite:///{folder}/render.db", "--log-level", "warning"],
        env=env, cwd=checkout,
    )  # fmt: skip
    wait_http(f"http://127.0.0.1:{port}/healthz")
    return process, port


async def load(
    chromium: Any, port: int, board: browser.Board, role: str, profile: Path | None
) -> dict[str, Any]:
    context, page = await browser.new_page(chromium)
    cdp = await context.new_cdp_session(page)
    await cdp.send("Performance.enable")
    if profile is not None:
        await cdp.send("Profiler.enable")
        await cdp.send("Profiler.setSamplingInterval", {"interval": 200})
        await cdp.send("Profiler.start")
    await page.goto(browser.page_url(port, board, role), wait_until="commit")
    await page.wait_for_function("() => window.__bench.render() !== null", polling=100)
    metrics = browser._metrics(await cdp.send("Performance.getMetrics"))
    if profile is not None:
        stopped = await cdp.send("Profiler.stop")
        await asyncio.to_thread(profile.write_text, json.dumps(stopped["profile"]), "utf-8")
    timings = browser.render_figures(await page.evaluate("() => window.__bench.render()"))
    await context.close()
    return {
        "painted_s": timings["painted_s"],
        "cpu_s": round(metrics["ThreadTime"], 3),
        "cards_mounted": timings["cards_mounted"],
    }


async def measure(args: argparse.Namespace) -> dict[str, list[dict[str, Any]]]:
    targets = dict(target.split("=", 1) for target in args.targets)
    processes: list[subprocess.Popen[bytes]] = []
    boards: dict[str, tuple[int, browser.Board]] = {}
    results: dict[str, list[dict[str, Any]]] = {name: [] for name in targets}
    try:
        for name, checkout in targets.items():
            process, port = serve(checkout)
            processes.append(process)
            boards[name] = (port, await browser.seed_board(port, args.cards, seed_value=1))
        async with async_playwright() as playwright:
            chromium = await playwright.chromium.launch(
                executable_path=browser.CHROMIUM, args=browser.CHROMIUM_ARGS
            )
            for run in range(args.runs):
                for name, (port, board) in boards.items():
                    profile = None
                    if args.profile is not None:
                        profile = Path(args.profile) / f"{name}-{run}.cpuprofile"
                    got = await load(chromium, port, board, args.role, profile)
                    got["load_average"] = round(os.getloadavg()[0], 2)
                    results[name].append(got)
                    print(name, run + 1, got, flush=True)
            await chromium.close()
    finally:
        for process in processes:
            stop(process)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=4)
    parser.add_argument("--cards", type=int, default=2000)
    parser.add_argument("--role", choices=("facilitator", "viewer"), default="facilitator")
    parser.add_argument("--profile", help="write a CPU profile of each load into this folder")
    parser.add_argument("targets", nargs="+", metavar="NAME=CHECKOUT")
    args = parser.parse_args()
    results = asyncio.run(measure(args))
    for name, rows in results.items():
        for key in ("cpu_s", "painted_s"):
            values = [row[key] for row in rows]
            print(
                f"{name}: {key} median {statistics.median(values):.2f}"
                f" ({min(values):.2f}-{max(values):.2f})"
            )


if __name__ == "__main__":
    main()
