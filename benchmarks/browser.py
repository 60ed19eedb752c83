"""The board in a real browser: first render, a remote edit reaching the DOM, moving cursors.

    python benchmarks/browser.py [--cards 2000] [--small-cards 20] [--runs 3] [--edits 100]
        [--cursors 30] [--seconds 5] [--role facilitator] [--out docs/BENCHMARKS.md | --print]

Starts `journeyboard serve` (SQLite) as a subprocess, seeds a large and a small board through a
Yjs client (benchmarks/seed.py: eight stages, every lane, realistic text and fields), and drives
the built client (`cd client && npm run build` first) in headless Chromium with Playwright.
Every run measures, in this order (so the two board sizes interleave, A B A B ...):
- **render**: a fresh browser context opens the large board; from navigation start to the
  first frame that holds every `[data-testid="card"]`, or (a large board mounts a cell's cards
  only as it nears the viewport) every card of the first screen, laid out and painted;
- **edit** (large, then small board): a second client (tests/ysync.py, pycrdt over the
  socket) appends a unique marker to one mounted card's text, 100 times, one at a time; each is
  timed from just before the socket send to the moment the page's DOM holds the marker;
- **cursors**: that many participants (personal tokens, raw sockets) move their cursor at
  10 Hz over the large board while the page counts its frames for `--seconds`.
Then it prints a table and writes the "In the browser" section of docs/BENCHMARKS.md
(between its markers; benchmarks/compare.py keeps the section when it rewrites the file).

How an edit is timed: the page (benchmarks/browser_probe.js) notes the time when the
watched card's text in the DOM first holds the marker, from a MutationObserver (text nodes)
or from the textarea's value setter (today's editors). Python notes `time.time()` just before
it sends the update. Both clocks are the same machine's wall clock; their offset (page minus
Python) is estimated before each series from 30 round trips that read the page's
`performance.timeOrigin + performance.now()`, as (page clock) - (midpoint of the round trip),
taking the round trip with the smallest duration; half that duration bounds the error and is
reported. The probe also notes when the socket message that carried the edit began to be
handled, so "in page" (message to DOM) needs no clock alignment at all.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import math
import os
import platform
import random
import statistics
import sys
import tempfile
import time
import urllib.request
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Any

from playwright.async_api import Browser, BrowserContext, Page, async_playwright
from playwright.async_api import TimeoutError as PlaywrightTimeoutError
from pycrdt import Doc, Map, Text

from journeyboard.sync.protocol import (
    AwarenessEntry,
    encode_awareness,
    encode_awareness_update,
    encode_sync_update,
)

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
import rawclient
import sections
import seed
from loadgen import SYNC_STEP1_EMPTY
from servers import start_journeyboard, stop, wait_http

from ysync import YClient

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [  # as tests/e2e/test_browser.py launches it
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1366, "height": 768}
STATIC_INDEX = ROOT / "server" / "journeyboard" / "static" / "index.html"
PROBE = (HERE / "browser_probe.js").read_text(encoding="utf-8")
PAGE_STATE = """() => ({
  cards: document.querySelectorAll('[data-testid="card"]').length,
  firstScreen: document.querySelector('[data-first-screen]')?.dataset.firstScreen ?? null,
  testids: [...new Set(
    [...document.querySelectorAll('[data-testid]')].map((e) => e.dataset.testid)
  )].slice(0, 30),
  visibility: document.visibilityState,
  probe: window.__bench === undefined ? 'missing' : 'present',
})"""

GOAL_RENDER_S = 1.0
GOAL_EDIT_P95_MS = 16.0
GOAL_EDIT_RATIO = 1.5
GOAL_FPS = 50.0


@dataclass
class Options:
    cards: int = 2000
    small_cards: int = 20
    runs: int = 3
    edits: int = 100
    cursors: int = 30
    cursor_hz: float = 10.0
    seconds: float = 5.0
    role: str = "facilitator"


@dataclass
class Board:
    id: str
    tokens: dict[str, str]
    card_ids: list[str]
    cards: int


def percentile(values: list[float], q: float) -> float:
    """Nearest rank: the smallest value with at least q of the values at or below it."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def _post(url: str, body: dict[str, Any], token: str | None = None) -> dict[str, Any]:
    headers = {"content-type": "application/json"}
    if token is not None:
        headers["authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers=headers)
    with urllib.request.urlopen(request) as response:
        return dict(json.load(response))


def _get(url: str, token: str) -> dict[str, Any]:
    request = urllib.request.Request(url, headers={"authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request) as response:
        return dict(json.load(response))


def room(port: int, board: Board, token: str) -> str:
    return f"ws://127.0.0.1:{port}/ws/{board.id}?token={token}"


async def seed_board(port: int, cards: int, seed_value: int) -> Board:
    """A blank board filled through a Yjs client; returns once the server has committed it."""
    created = _post(f"http://127.0.0.1:{port}/api/boards", {"title": f"{cards} cards"})
    board = Board(created["id"], created["tokens"], [], cards)
    seeded = seed.board_update(cards, seed_value)
    board.card_ids = seeded.card_ids
    async with YClient(room(port, board, board.tokens["participant"])) as writer:
        await asyncio.wait_for(writer.synced.wait(), 30)
        await writer.send_raw(encode_sync_update(seeded.update))
        deadline = time.monotonic() + 60
        url = f"http://127.0.0.1:{port}/api/boards/{board.id}"
        while time.monotonic() < deadline:
            data = await asyncio.to_thread(_get, url, board.tokens["facilitator"])
            if len(data["content"].get("cards", {})) == cards:
                return board
            await asyncio.sleep(0.2)
    raise RuntimeError(f"the {cards}-card board was not stored in time")


def page_url(port: int, board: Board, role: str) -> str:
    token = board.tokens[role]
    return f"http://127.0.0.1:{port}/b/{board.id}#token={token}&bench_cards={board.cards}"


async def new_page(browser: Browser) -> tuple[BrowserContext, Page]:
    context = await browser.new_context(viewport=VIEWPORT)  # type: ignore[arg-type]
    context.set_default_timeout(120_000)
    await context.add_init_script(PROBE)
    page = await context.new_page()
    page.on("dialog", lambda dialog: asyncio.ensure_future(dialog.dismiss()))
    return context, page


class PageTrouble:
    """What went wrong in a page while it loaded: console errors, failed or refused requests,
    socket closes. Codes, statuses, URLs without tokens and the app's console errors; never
    the board's text."""

    def __init__(self, page: Page) -> None:
        self.events: list[str] = []
        page.on("pageerror", lambda error: self._add(f"page error: {error.name}"))
        page.on("console", lambda message: self._console(message.type, message.text))
        page.on("requestfailed", lambda request: self._add(f"failed: {_path(request.url)}"))
        page.on("response", lambda response: self._response(response.status, response.url))
        page.on("websocket", self._socket)

    def _add(self, event: str) -> None:
        if len(self.events) < 40:
            self.events.append(event)

    def _console(self, kind: str, text: str) -> None:
        if kind == "error":  # the app's own messages; a URL in one loses its tokens
            self._add(f"console error: {_path(text)[:160]}")

    def _response(self, status: int, url: str) -> None:
        if status >= 400:
            self._add(f"HTTP {status}: {_path(url)}")

    def _socket(self, socket: Any) -> None:
        path = _path(socket.url)
        self._add(f"socket opened: {path}")
        socket.on("close", lambda _socket: self._add(f"socket closed: {path}"))


def _path(url: str) -> str:
    """A URL without its query and fragment (where the tokens are)."""
    return url.split("#", 1)[0].split("?", 1)[0]


async def open_board(
    browser: Browser, port: int, board: Board, role: str
) -> tuple[BrowserContext, Page, dict[str, float]]:
    """A fresh context (empty cache and storage) showing the board, and the render's timings.

    When the board does not render in time, the error says what the page saw (the number of
    cards in the DOM, the page's state, errors and refused requests) instead of a bare timeout.
    """
    context, page = await new_page(browser)
    trouble = PageTrouble(page)
    await page.goto(page_url(port, board, role), wait_until="commit")
    try:
        await page.wait_for_function("() => window.__bench.render() !== null", polling=100)
    except PlaywrightTimeoutError as error:
        try:
            seen: object = await page.evaluate(PAGE_STATE)
        except Exception as unreadable:  # the page crashed or closed: say so
            seen = f"the page could not be read ({type(unreadable).__name__})"
        raise RuntimeError(
            f"the {board.cards}-card board did not render: {seen}; {trouble.events}"
        ) from error
    timings: dict[str, float] = await page.evaluate("() => window.__bench.render()")
    await page.evaluate("() => window.__bench.settle(20, 25, 10000)")
    return context, page, timings


def render_figures(timings: dict[str, Any]) -> dict[str, Any]:
    """Seconds from navigation start to each step of the first render."""

    def s(ms: float | None) -> float | None:
        return None if ms is None else round(ms / 1000, 3)

    sync = timings.get("sync") or {}
    lookup = timings.get("lookup") or {}
    return {
        "painted_s": s(timings["painted"]),
        "all_cards_s": s(timings["allCards"]),
        "first_card_s": s(timings["firstCard"]),
        "cards_mounted": timings.get("mounted"),
        "dom_content_loaded_s": s(timings.get("domContentLoaded")),
        "lookup_start_s": s(lookup.get("start")),
        "lookup_end_s": s(lookup.get("end")),
        "lookup_kb": round(lookup["bytes"] / 1024) if "bytes" in lookup else None,
        "sync_arrived_s": s(sync.get("start")),
        "sync_kb": round(sync["bytes"] / 1024) if "bytes" in sync else None,
        "sync_applied_ms": round(sync["handled"] - sync["start"], 1) if sync else None,
    }


async def clock_offset(page: Page, samples: int = 30) -> tuple[float, float]:
    """(page clock - this process's clock, error bound), both in ms."""
    best = (0.0, math.inf)
    for _ in range(samples):
        before = time.time() * 1000
        page_now = float(await page.evaluate("() => window.__bench.clock()"))
        after = time.time() * 1000
        if after - before < best[1] * 2:
            best = (page_now - (before + after) / 2, (after - before) / 2)
    return best


async def edit_series(
    page: Page, port: int, board: Board, edits: int, rng: random.Random, tag: str
) -> dict[str, Any]:
    """`edits` single-card text edits from another client, each timed to the page's DOM.

    The edited cards are drawn from those the page has mounted: a large board mounts a cell's
    cards only once it comes near the viewport, and an edit to a card nobody can see changes
    no DOM (client/src/ui/cellMounter.ts).
    """
    offset, bound = await clock_offset(page)
    mounted: list[str] = await page.evaluate(
        "() => [...document.querySelectorAll('[data-testid=\"card\"]')]"
        ".map((card) => card.dataset.cardId)"
    )
    choices = [card_id for card_id in board.card_ids if card_id in set(mounted)]
    e2e: list[float] = []
    in_page: list[float] = []
    painted: list[float] = []
    missed = 0
    async with YClient(room(port, board, board.tokens["participant"])) as editor:
        await asyncio.wait_for(editor.synced.wait(), 30)
        cards = editor.doc.get("cards", type=Map)
        for number in range(edits):
            card_id = rng.choice(choices)
            marker = f" {tag}x{number:03d}"
            await page.evaluate(
                "([id, marker]) => window.__bench.watch(id, marker)", [card_id, marker]
            )

            def append(doc: Doc[Any], card_id: str = card_id, marker: str = marker) -> None:
                text = cards[card_id]["text"]
                assert isinstance(text, Text)
                text.insert(len(text), marker)

            sent = time.time() * 1000
            await editor.change(append)
            seen = await page.evaluate("(ms) => window.__bench.seen(ms)", 5000)
            if seen is None:
                missed += 1
            else:
                e2e.append(seen["dom"] - offset - sent)
                painted.append(seen["painted"] - offset - sent)
                if seen["message"] is not None:
                    in_page.append(seen["dom"] - seen["message"])
            await asyncio.sleep(rng.uniform(0.03, 0.08))
    return {
        "cards": board.cards,
        "edits": edits,
        "load_average": round(os.getloadavg()[0], 2),
        "missed": missed,
        "clock_offset_ms": round(offset, 3),
        "clock_bound_ms": round(bound, 3),
        **summary("dom", e2e),
        **summary("in_page", in_page),
        **summary("painted", painted),
    }


def summary(name: str, values: list[float]) -> dict[str, float | None]:
    if not values:
        return {f"{name}_p50_ms": None, f"{name}_p95_ms": None, f"{name}_max_ms": None}
    return {
        f"{name}_p50_ms": round(percentile(values, 0.50), 2),
        f"{name}_p95_ms": round(percentile(values, 0.95), 2),
        f"{name}_max_ms": round(max(values), 2),
    }


async def cursors(page: Page, port: int, board: Board, options: Options) -> dict[str, Any]:
    """Participants moving their cursors at `cursor_hz` while the page counts frames."""
    people = []
    for number in range(options.cursors):
        joined = await asyncio.to_thread(
            _post,
            f"http://127.0.0.1:{port}/api/boards/{board.id}/join",
            {"name": f"Person {number + 1:02d}", "department": "Bench"},
            board.tokens["participant"],
        )
        people.append(joined["token"])
    received = [0]

    def on_frame(frame: memoryview) -> None:
        received[0] += 1

    sockets = [await rawclient.connect(room(port, board, token), on_frame) for token in people]
    for sock in sockets:
        sock.send(SYNC_STEP1_EMPTY)
    rng = random.Random()  # fresh client ids: a peer's old id with a higher clock would win
    stop_at = asyncio.Event()

    async def move(number: int, sock: rawclient.RawSocket) -> None:
        client_id = rng.getrandbits(31)
        phase = rng.random() * math.tau
        interval = 1.0 / options.cursor_hz
        await asyncio.sleep(rng.random() * interval)
        clock = 0
        started = time.perf_counter()
        next_at = started
        while not stop_at.is_set():
            t = time.perf_counter() - started
            clock += 1
            cursor = {
                "x": round(700 + 600 * math.sin(t * 0.7 + phase)),
                "y": round(400 + 300 * math.sin(t * 1.1 + 2 * phase)),
            }
            state = json.dumps({"cursor": cursor, "editing": None, "view": None})
            entry = AwarenessEntry(client_id, clock, state)
            sock.send(encode_awareness(encode_awareness_update([entry])))
            next_at += interval
            await asyncio.sleep(max(0.0, next_at - time.perf_counter()))

    movers = [asyncio.create_task(move(n, s)) for n, s in enumerate(sockets)]
    try:
        await asyncio.sleep(1.5)  # everyone has been heard of before the count starts
        cdp = await page.context.new_cdp_session(page)
        await cdp.send("Performance.enable")
        before = _metrics(await cdp.send("Performance.getMetrics"))
        wall = time.perf_counter()
        result = await page.evaluate("(ms) => window.__bench.frames(ms)", options.seconds * 1000)
        after = _metrics(await cdp.send("Performance.getMetrics"))
        wall = time.perf_counter() - wall
        await cdp.detach()
    finally:
        stop_at.set()
        await asyncio.gather(*movers)
        for sock in sockets:
            sock.close()
    times: list[float] = result["times"]
    gaps = [b - a for a, b in itertools.pairwise(times)]
    elapsed_s = (times[-1] - times[0]) / 1000
    busy = {k: after[k] - before[k] for k in ("TaskDuration", "ScriptDuration", "LayoutDuration")}
    return {
        "cursors": options.cursors,
        "load_average": round(os.getloadavg()[0], 2),
        "hz": options.cursor_hz,
        "fps": round(len(gaps) / elapsed_s, 1),
        "frame_p95_ms": round(percentile(gaps, 0.95), 1),
        "frame_max_ms": round(max(gaps), 1),
        "frames_over_33ms": sum(g > 33.4 for g in gaps),
        "messages_per_s": round(result["messages"] / elapsed_s),
        "main_thread_busy": round(busy["TaskDuration"] / wall, 2),
        "script_share": round(busy["ScriptDuration"] / wall, 2),
        "layout_share": round(busy["LayoutDuration"] / wall, 2),
    }


def _metrics(answer: dict[str, Any]) -> dict[str, float]:
    return {m["name"]: float(m["value"]) for m in answer["metrics"]}


async def measure(port: int, options: Options) -> dict[str, Any]:
    """Run every scenario `options.runs` times against the server on `port`; raw results."""
    large = await seed_board(port, options.cards, seed_value=1)
    small = await seed_board(port, options.small_cards, seed_value=2)
    rng = random.Random(42)
    raw: dict[str, list[dict[str, Any]]] = {
        "render": [],
        "edit_large": [],
        "edit_small": [],
        "cursors": [],
    }
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for run in range(options.runs):
                context, page, timings = await open_board(browser, port, large, options.role)
                raw["render"].append(
                    {
                        **render_figures(timings),
                        "cards": options.cards,
                        "load_average": round(os.getloadavg()[0], 2),
                        "dom_nodes": await page.evaluate(
                            "() => document.getElementsByTagName('*').length"
                        ),
                    }
                )
                print(f"run {run + 1}: render {raw['render'][-1]}", flush=True)
                raw["edit_large"].append(
                    await edit_series(page, port, large, options.edits, rng, f"L{run}")
                )
                print(f"run {run + 1}: edit, large {raw['edit_large'][-1]}", flush=True)
                small_context, small_page, _ = await open_board(browser, port, small, options.role)
                raw["edit_small"].append(
                    await edit_series(small_page, port, small, options.edits, rng, f"S{run}")
                )
                print(f"run {run + 1}: edit, small {raw['edit_small'][-1]}", flush=True)
                await small_context.close()
                raw["cursors"].append(await cursors(page, port, large, options))
                print(f"run {run + 1}: cursors {raw['cursors'][-1]}", flush=True)
                await context.close()
        finally:
            await browser.close()
    return {"options": asdict(options), "chromium": CHROMIUM, **raw}


def median(rows: list[dict[str, Any]], key: str) -> float:
    return float(statistics.median(row[key] for row in rows))


def spread(rows: list[dict[str, Any]], key: str, unit: str) -> str:
    values = [row[key] for row in rows]
    return f"{min(values):g}–{max(values):g} {unit}"


def goals(raw: dict[str, Any]) -> list[tuple[str, str, str, str, bool]]:
    """(goal, median, spread over the runs, target, met) rows."""
    render, large, small, moving = (
        raw["render"],
        raw["edit_large"],
        raw["edit_small"],
        raw["cursors"],
    )
    ratios = [a["dom_p95_ms"] / b["dom_p95_ms"] for a, b in zip(large, small, strict=True)]
    render_s = median(render, "painted_s")
    edit_p95 = median(large, "dom_p95_ms")
    ratio = statistics.median(ratios)
    fps = median(moving, "fps")
    cards, few = raw["options"]["cards"], raw["options"]["small_cards"]
    return [
        (
            f"First render, {cards:,} cards: navigation to every card laid out and painted",
            f"{render_s:g} s",
            spread(render, "painted_s", "s"),
            f"≤ {GOAL_RENDER_S:g} s",
            render_s <= GOAL_RENDER_S,
        ),
        (
            f"Remote text edit to the DOM, {cards:,} cards, p95 of {raw['options']['edits']}",
            f"{edit_p95:g} ms",
            spread(large, "dom_p95_ms", "ms"),
            f"≤ {GOAL_EDIT_P95_MS:g} ms",
            edit_p95 <= GOAL_EDIT_P95_MS,
        ),
        (
            f"The same p95, {cards:,} against {few} cards",
            f"{ratio:.2f}×",
            f"{min(ratios):.2f}–{max(ratios):.2f}×",
            f"≤ {GOAL_EDIT_RATIO:g}×",
            ratio <= GOAL_EDIT_RATIO,
        ),
        (
            f"{raw['options']['cursors']} cursors moving at {raw['options']['cursor_hz']:g} Hz, "
            f"{cards:,} cards: frames per second",
            f"{fps:g}",
            spread(moving, "fps", "fps"),
            f"≥ {GOAL_FPS:g}",
            fps >= GOAL_FPS,
        ),
    ]


def table(header: list[str], rows: list[list[Any]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join("n/a" if c is None else str(c) for c in row) + " |" for row in rows]
    return lines


def report(raw: dict[str, Any], command: str) -> str:
    """The "In the browser" section of docs/BENCHMARKS.md, markers included."""
    options = raw["options"]
    lines = [
        sections.BROWSER_START,
        "## In the browser",
        "",
        f"Measured {raw.get('date', date.today().isoformat())} with `{command}`: the built "
        "client in headless "
        f"Chromium ({raw.get('chromium_version', '?')}, {VIEWPORT['width']}×{VIEWPORT['height']}, "
        f"as the {options['role']}) against `journeyboard serve` on SQLite, both on this "
        f"machine ({platform.machine()}, {os.cpu_count()} cores) with the generators; "
        f"{options['runs']} run{'s' if options['runs'] != 1 else ''}, "
        "scenarios interleaved, medians with the spread over the runs.",
        "",
    ]
    lines += table(
        ["goal", "median", "spread", "target", "met"],
        [[g, m, s, t, "yes" if ok else "no"] for g, m, s, t, ok in goals(raw)],
    )
    runs = list(
        zip(raw["render"], raw["edit_large"], raw["edit_small"], raw["cursors"], strict=True)
    )
    lines += ["", "### Per run", ""]
    lines += table(
        ["run", "page loaded s", "board look-up s (KB)", "sync arrived s (KB)",
         "sync applied ms", "all cards in DOM s", "painted s", "DOM nodes", "load average"],
        [
            [n + 1, r["dom_content_loaded_s"],
             f"{r.get('lookup_start_s')}–{r.get('lookup_end_s')} ({r.get('lookup_kb')})",
             f"{r['sync_arrived_s']} ({r['sync_kb']})", r["sync_applied_ms"],
             r["all_cards_s"], r["painted_s"], f"{r['dom_nodes']:,}", r["load_average"]]
            for n, (r, _, _, _) in enumerate(runs)
        ],
    )  # fmt: skip
    lines += [""]
    lines += table(
        ["run", f"edit, {options['cards']:,} cards: p50 / p95 / max ms", "in page p95 ms",
         "painted p95 ms", f"edit, {options['small_cards']} cards: p50 / p95 / max ms",
         "fps", "frame p95 ms", "main thread busy", "load average"],
        [
            [n + 1, f"{a['dom_p50_ms']} / {a['dom_p95_ms']} / {a['dom_max_ms']}",
             a["in_page_p95_ms"], a["painted_p95_ms"],
             f"{b['dom_p50_ms']} / {b['dom_p95_ms']} / {b['dom_max_ms']}",
             c["fps"], c["frame_p95_ms"], f"{c['main_thread_busy']:.0%}",
             f"{a['load_average']} / {b['load_average']} / {c['load_average']}"]
            for n, (_, a, b, c) in enumerate(runs)
        ],
    )  # fmt: skip
    lines += [
        "",
        "- **Render** runs in a fresh browser context (empty cache and storage) from navigation "
        "start to the first frame that holds every card, laid out and painted (a task posted "
        "from that frame's requestAnimationFrame). It includes loading the page, the HTTP "
        "look-up, both sockets' sync and the first layout. The steps: the page's "
        "DOMContentLoaded; the board look-up (`GET /api/boards/ID?only=session`, the "
        "session part only; on a first visit the page opens its sockets alongside it, "
        "otherwise after it); the content document's sync arriving (the first "
        "socket message of 64 KB or more) and its handler (decoding and applying the update, "
        "reading the board); the first frame holding every card (Svelte mounts them between "
        "the two); that frame laid out and painted.",
        "- **Edit**: another client (pycrdt, tests/ysync.py) appends a marker to one random "
        "card's text, one edit at a time, 30–80 ms apart; timed from just before its socket "
        "send to the moment the page's DOM holds the marker (MutationObserver, or the "
        "textarea's value setter). The two clocks are aligned from 30 round trips before each "
        "series (error bound under "
        f"{max(r['clock_bound_ms'] for r in raw['edit_large'] + raw['edit_small']):.2f} ms "
        'here); "in page" runs from the start of the socket message to the DOM change and '
        "needs no alignment. The difference is the server's commit and relay.",
        "- **Cursors**: participants with personal tokens send presence states at the rate "
        "over raw sockets (the page reads presence at most every 25 ms, in a frame); it "
        "counts requestAnimationFrame callbacks for "
        f'{options["seconds"]:g} s. "Main thread busy" is Chromium\'s TaskDuration over '
        "that window. The generators and the server share the machine's two cores with the "
        "browser, so this is a pessimistic figure for a participant's own laptop.",
        "- **Load average** (1 minute, at the end of each scenario; for the edits and cursors: "
        "large board / small board / cursors) says how busy the machine was: above 2 on these "
        "2 cores, something else competed with the browser and the figures read high.",
        "- Where the time goes (the board's components, layout and paint, the start-up), and "
        "the figures before the board model re-read only what changed: docs/MEASUREMENTS.md.",
        "",
        "Raw results:",
        "",
        "```json",
        json.dumps(raw, indent=1),
        "```",
        sections.BROWSER_END,
    ]
    return "\n".join(lines)


def write_section(path: Path, section: str) -> None:
    """Put the section into `path` in place of the old one (benchmarks/sections.py)."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    path.write_text(sections.with_browser_section(text, section), encoding="utf-8")


def print_table(raw: dict[str, Any]) -> None:
    for line in table(
        ["goal", "median", "spread", "target", "met"],
        [[g, m, s, t, "yes" if ok else "no"] for g, m, s, t, ok in goals(raw)],
    ):
        print(line)


async def chromium_version() -> str:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        version = browser.version
        await browser.close()
        return version


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cards", type=int, default=Options.cards)
    parser.add_argument("--small-cards", type=int, default=Options.small_cards)
    parser.add_argument("--runs", type=int, default=Options.runs)
    parser.add_argument("--edits", type=int, default=Options.edits)
    parser.add_argument("--cursors", type=int, default=Options.cursors)
    parser.add_argument("--cursor-hz", type=float, default=Options.cursor_hz)
    parser.add_argument("--seconds", type=float, default=Options.seconds)
    parser.add_argument("--role", choices=("facilitator", "viewer"), default=Options.role)
    parser.add_argument("--port", type=int, help="use a running server instead of starting one")
    parser.add_argument("--out", default=str(ROOT / "docs" / "BENCHMARKS.md"))
    parser.add_argument("--print", action="store_true", help="print the section, write nothing")
    parser.add_argument(
        "--rerender", action="store_true", help="rewrite the section from the raw results it holds"
    )
    args = parser.parse_args()
    if args.rerender:
        out = Path(args.out)
        old = sections.browser_section(out.read_text(encoding="utf-8"))
        if old is None:
            raise SystemExit(f"{out} has no browser section")
        raw = json.loads(old.split("```json\n", 1)[1].split("\n```", 1)[0])
        command = old.split("with `", 1)[1].split("`", 1)[0]
        write_section(out, report(raw, command))
        print(f"rewrote the browser section of {out}")
        return
    if not STATIC_INDEX.exists():
        raise SystemExit("the client is not built: cd client && npm run build")
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    options = Options(
        args.cards, args.small_cards, args.runs, args.edits, args.cursors, args.cursor_hz,
        args.seconds, args.role,
    )  # fmt: skip
    process = None
    if args.port is None:
        folder = tempfile.mkdtemp(prefix="jb-browser-")
        process, port = start_journeyboard(f"sqlite:///{folder}/bench.db")
    else:
        port = args.port
        wait_http(f"http://127.0.0.1:{port}/healthz")
    try:
        raw = asyncio.run(measure(port, options))
        raw["chromium_version"] = asyncio.run(chromium_version())
        raw["date"] = date.today().isoformat()
    finally:
        if process is not None:
            stop(process)
    print_table(raw)
    section = report(raw, "python benchmarks/browser.py " + " ".join(sys.argv[1:]))
    if args.print:
        print(section)
    else:
        write_section(Path(args.out), section)
        print(f"wrote the browser section of {args.out}")


if __name__ == "__main__":
    main()
