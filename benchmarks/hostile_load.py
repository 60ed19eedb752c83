"""Heavy work against one node: a bystander's round trip while large imports and PDFs run.

    PYTHONPATH=server python benchmarks/hostile_load.py [--seconds 30] [--imports 4]
        [--pdfs 2] [--cold-reads 0] [--import-cards 20000] [--pdf-cards 2000]
        [--limit NAME=VALUE ...]

Hardening round two (issue #23, findings 2, 4 and 11). One journeyboard node on a fresh
SQLite file, and:

- a *bystander*: two sockets on a small board of their own; one renames a stage, the other
  waits to see it; the round trip, about 20 times a second, all through the run;
- `--imports` clients, each posting an unauthenticated `POST /api/boards` with an import of
  `--import-cards` cards of 40 small fields (the finding's 9.3 MB body at 20,000) again and
  again;
- `--pdfs` clients, each asking for the PDF report of its own `--pdf-cards`-card board (cards
  with workshop-like text) again and again;
- `--cold-reads` clients, each reading its own board of `--import-cards` cards as JSON
  (`GET /api/boards/{id}`) again and again, each time after the board's room has closed
  (the server runs with `--grace 1`, a client waits 2 s between reads): every read is a cold
  load of a large stored log (issue #30: such a load once stopped the node for a second).

The load runs in a separate process (threads with blocking HTTP), so that it does not share
the bystander's event loop. `--limit` is passed to the server; the script raises the import
rate and the storage quota by default (`imports_per_address_per_minute=100000`,
`stored_bytes_per_address_per_day=100 GiB`) so that the load is work done, not refusals;
`--keep-limits` leaves the server's defaults (then most imports are refused at once).
`--pythonpath` runs another checkout's server (e.g. the commit before the workers), without
the new limits.

Prints one JSON object: the bystander's round trips (count, p50, p99, max, and the trips and
seconds above 100 ms), what the load got (answers by status, seconds per answer), and the
server's CPU and peak RSS with its workers'.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import websockets
from pycrdt import Doc, Map, TransactionEvent

sys.path.insert(0, str(Path(__file__).resolve().parent))

from servers import SECRET, free_port, wait_http

from journeyboard.sync import protocol
from journeyboard.sync.protocol import SyncStep2, SyncUpdate

KINDS = ("pain", "gain", "thought", "touchpoint", "note", "feeling", "backstage", "solution")
PHRASE = (
    "customer waits for the call centre to answer while the claim form asks again for "
    "the policy number and nobody explains what happens next in the process"
)


def import_body(cards: int, fields: int = 36, seed: int = 1) -> bytes:
    """An import of `cards` cards of 4 + `fields` small fields (40 at the default)."""
    rng = random.Random(seed)
    stages = [{"id": f"s{n}", "name": f"Stage {n}", "pos": f"a{n}"} for n in range(8)]
    extra = {f"f{k}": "v" for k in range(fields)}
    items = [
        {"id": f"c{i:06d}", "kind": KINDS[i % 8], "stage": f"s{rng.randrange(8)}",
         "pos": f"a{i:06d}", "text": f"card {i}", **extra}
        for i in range(cards)
    ]  # fmt: skip
    export = {"schema": "journeyboard/export", "version": 1, "board": {"title": "hostile"},
              "stages": stages, "cards": items}  # fmt: skip
    return json.dumps({"title": "hostile", "import": export}).encode()


def pdf_board_body(cards: int, seed: int = 2) -> bytes:
    """An import of a workshop-like board: `cards` cards of one or two sentences each."""
    rng = random.Random(seed)
    stages = [{"id": f"s{n}", "name": f"Stage {n}", "pos": f"a{n}"} for n in range(8)]
    items = [
        {"id": f"c{i:06d}", "kind": KINDS[i % 8], "stage": f"s{rng.randrange(8)}",
         "pos": f"a{i:06d}", "text": " ".join(rng.choices(PHRASE.split(), k=rng.randint(6, 24)))}
        for i in range(cards)
    ]  # fmt: skip
    export = {"schema": "journeyboard/export", "version": 1, "board": {"title": "report"},
              "stages": stages, "cards": items}  # fmt: skip
    return json.dumps({"title": "report", "import": export}).encode()


# -- the server -----------------------------------------------------------------------------


def start_server(
    store: str, limits: list[str], pythonpath: str | None, extra: tuple[str, ...] = ()
) -> tuple[Any, int]:
    port = free_port()
    env = {**os.environ, "JOURNEYBOARD_SECRET": SECRET}
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    args = [arg for limit in limits for arg in ("--limit", limit)]
    process = subprocess.Popen(
        [sys.executable, "-m", "journeyboard", "serve", "--port", str(port), "--store", store,
         "--log-level", "warning", *args, *extra],
        env=env,
    )  # fmt: skip
    wait_http(f"http://127.0.0.1:{port}/healthz")
    return process, port


def tree(pid: int) -> list[int]:
    """A process and all its descendants (Linux /proc)."""
    found = [pid]
    index = 0
    while index < len(found):
        with contextlib.suppress(OSError):
            for task in Path(f"/proc/{found[index]}/task").iterdir():
                with contextlib.suppress(OSError):
                    found += [int(child) for child in (task / "children").read_text().split()]
        index += 1
    return found


def stat_of(pid: int) -> tuple[float, int]:
    """CPU seconds and RSS bytes of one process."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return cpu, int(fields[21]) * os.sysconf("SC_PAGE_SIZE")


class Sampler(threading.Thread):
    """Peak RSS of the server and of its workers (together), and everyone's CPU, sampled every
    0.2 s (a worker's last 0.2 s before it ends are missed)."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.server_peak = 0
        self.workers_peak = 0
        self.workers_seen: set[int] = set()
        self.commands: set[str] = set()
        self.cpu: dict[int, float] = {}
        """The last CPU seconds seen of each process (so that ended workers still count)."""
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.wait(0.2):
            workers = 0
            for pid in tree(self.pid):
                with contextlib.suppress(OSError, IndexError, ValueError):
                    cpu, rss = stat_of(pid)
                    self.cpu[pid] = cpu
                    if pid == self.pid:
                        self.server_peak = max(self.server_peak, rss)
                    else:
                        workers += rss
                        if pid not in self.workers_seen:
                            self.workers_seen.add(pid)
                            with contextlib.suppress(OSError):
                                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
                                self.commands.add(cmdline.replace(b"\0", b" ")[-40:].decode())
            self.workers_peak = max(self.workers_peak, workers)


# -- the load (in its own process) ----------------------------------------------------------


def _loop_requests(
    make: Any, until: float, results: list[tuple[int, float]], lock: threading.Lock
) -> None:
    with httpx.Client(timeout=600) as http:
        while time.monotonic() < until:
            started = time.monotonic()
            try:
                status = make(http).status_code
            except httpx.HTTPError:
                status = 0
            with lock:
                results.append((status, time.monotonic() - started))
            if status in (429, 503):
                time.sleep(1.0)  # a refused client waits a little, as Retry-After asks


def _loop_cold_reads(
    url: str, auth: dict[str, str], until: float, results: list[tuple[int, float]], lock: Any
) -> None:
    with httpx.Client(timeout=600) as http:
        while time.monotonic() < until:
            started = time.monotonic()
            try:
                status = http.get(url, headers=auth).status_code
            except httpx.HTTPError:
                status = 0
            with lock:
                results.append((status, time.monotonic() - started))
            time.sleep(COLD_PAUSE)  # the room closes after its grace: the next read is cold


COLD_PAUSE = 2.0
"""Seconds a cold reader waits between reads (the server's grace is 1 s)."""


def load(
    port: int,
    seconds: float,
    imports: int,
    body: bytes,
    pdf_boards: list[dict[str, Any]],
    cold_boards: list[dict[str, Any]],
) -> dict[str, Any]:
    base = f"http://127.0.0.1:{port}"
    until = time.monotonic() + seconds
    lock = threading.Lock()
    imported: list[tuple[int, float]] = []
    rendered: list[tuple[int, float]] = []
    headers = {"content-type": "application/json"}
    threads = [
        threading.Thread(
            target=_loop_requests,
            args=(
                lambda http: http.post(f"{base}/api/boards", content=body, headers=headers),
                until,
                imported,
                lock,
            ),
        )
        for _ in range(imports)
    ]
    for board in pdf_boards:
        url = f"{base}/api/boards/{board['id']}/export.pdf"
        auth = {"authorization": f"Bearer {board['tokens']['viewer']}"}
        threads.append(
            threading.Thread(
                target=_loop_requests,
                args=(
                    lambda http, url=url, auth=auth: http.get(url, headers=auth),
                    until,
                    rendered,
                    lock,
                ),
            )
        )
    read: list[tuple[int, float]] = []
    for board in cold_boards:
        auth = {"authorization": f"Bearer {board['tokens']['viewer']}"}
        url = f"{base}/api/boards/{board['id']}"
        threads.append(
            threading.Thread(target=_loop_cold_reads, args=(url, auth, until, read, lock))
        )
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {"imports": summary(imported), "pdfs": summary(rendered), "cold_reads": summary(read)}


def summary(results: list[tuple[int, float]]) -> dict[str, Any]:
    by_status: dict[str, int] = {}
    for status, _ in results:
        by_status[str(status)] = by_status.get(str(status), 0) + 1
    done = [seconds for status, seconds in results if status in (200, 201)]
    return {
        "answers": by_status,
        "seconds_per_success": round(statistics.mean(done), 2) if done else None,
    }


def _load_in_child(queue: Any, *args: Any) -> None:
    queue.put(load(*args))


# -- the bystander --------------------------------------------------------------------------


class Peer:
    """A minimal y-websocket peer: syncs, applies what it hears, sends its own changes."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.doc: Doc[Any] = Doc()
        self.synced = asyncio.Event()
        self.changed = asyncio.Event()
        self.ws: Any = None
        self.task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self.ws = await websockets.connect(self.url, max_size=None, ping_interval=None)
        await self.ws.send(protocol.encode_sync_step1(self.doc.get_state()))
        self.task = asyncio.create_task(self._read())
        await asyncio.wait_for(self.synced.wait(), 30)

    async def _read(self) -> None:
        with contextlib.suppress(websockets.ConnectionClosed):
            async for frame in self.ws:
                message = protocol.decode_message(frame)
                if isinstance(message, SyncStep2 | SyncUpdate):
                    self.doc.apply_update(message.update)
                    self.synced.set()
                    self.changed.set()

    async def change(self, name: str, stage: str) -> None:
        updates: list[bytes] = []

        def capture(event: TransactionEvent) -> None:
            updates.append(event.update)

        subscription = self.doc.observe(capture)
        with self.doc.transaction():
            self.doc.get("stages", type=Map)[stage]["name"] = name
        self.doc.unobserve(subscription)
        await self.ws.send(protocol.encode_sync_update(updates[0]))

    def name_of(self, stage: str) -> Any:
        entry = self.doc.get("stages", type=Map).get(stage)
        return entry.get("name") if entry is not None else None

    async def close(self) -> None:
        await self.ws.close()
        if self.task is not None:
            await self.task


async def bystander(url: str, stop: asyncio.Event) -> list[tuple[float, float]]:
    """Round trips until `stop`: (when each started, its seconds)."""
    writer, reader = Peer(url), Peer(url)
    await writer.start()
    await reader.start()
    stage = next(iter(writer.doc.get("stages", type=Map).keys()))
    trips: list[tuple[float, float]] = []
    number = 0
    try:
        while not stop.is_set():
            number += 1
            name = f"probe {number}"
            started = time.monotonic()
            await writer.change(name, stage)
            while reader.name_of(stage) != name:
                reader.changed.clear()
                await asyncio.wait_for(reader.changed.wait(), 120)
            trips.append((started, time.monotonic() - started))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 0.05)
    finally:
        await writer.close()
        await reader.close()
    return trips


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def run(args: argparse.Namespace) -> dict[str, Any]:
    limits = list(args.limit)
    if not args.keep_limits:
        limits = [
            "imports_per_address_per_minute=100000",
            f"stored_bytes_per_address_per_day={100 << 30}",
            *limits,
        ]
    with tempfile.TemporaryDirectory() as directory:
        store = f"sqlite:///{Path(directory) / 'bench.db'}"
        extra = ("--grace", "1") if args.cold_reads else ()
        process, port = start_server(store, limits, args.pythonpath, extra)
        try:
            base = f"http://127.0.0.1:{port}"
            async with httpx.AsyncClient(timeout=600) as http:
                board = (await http.post(f"{base}/api/boards", json={"title": "bystander"})).json()

                async def imported(body: bytes) -> dict[str, Any]:
                    answer = await http.post(
                        f"{base}/api/boards", content=body,
                        headers={"content-type": "application/json"},
                    )  # fmt: skip
                    assert answer.status_code == 201, answer.text
                    return dict(answer.json())

                pdf_body = pdf_board_body(args.pdf_cards)
                pdf_boards = [await imported(pdf_body) for _ in range(args.pdfs)]
                body = import_body(args.import_cards)
                cold_boards = [await imported(body) for _ in range(args.cold_reads)]
                await asyncio.sleep(COLD_PAUSE)  # their rooms close: the first reads are cold
            url = f"ws://127.0.0.1:{port}/ws/{board['id']}?token={board['tokens']['participant']}"
            stop = asyncio.Event()
            probe = asyncio.create_task(bystander(url, stop))
            idle_seconds = 3.0
            await asyncio.sleep(idle_seconds)  # the bystander alone first: its quiet baseline
            sampler = Sampler(process.pid)
            sampler.cpu = {pid: stat_of(pid)[0] for pid in tree(process.pid)}
            cpu_before = sum(sampler.cpu.values())
            sampler.start()
            context = multiprocessing.get_context("fork")
            queue = context.Queue()
            child = context.Process(
                target=_load_in_child,
                args=(queue, port, args.seconds, args.imports, body, pdf_boards, cold_boards),
            )
            started = time.monotonic()
            child.start()
            await asyncio.to_thread(child.join)
            load_result = queue.get(timeout=10)
            child.join()
            loaded_for = time.monotonic() - started
            stop.set()
            trips = await probe
            sampler.stop.set()
            for pid in tree(process.pid):
                with contextlib.suppress(OSError, IndexError, ValueError):
                    sampler.cpu[pid] = stat_of(pid)[0]
            cpu_after = sum(sampler.cpu.values())
        finally:
            process.terminate()
            process.wait(timeout=30)
    quiet = [seconds for at, seconds in trips if at < started]
    during = [seconds for at, seconds in trips if started <= at < started + loaded_for]
    ms = [t * 1000 for t in during]
    return {
        "settings": {
            "seconds": args.seconds,
            "imports": args.imports,
            "pdfs": args.pdfs,
            "cold_reads": args.cold_reads,
            "import_cards": args.import_cards,
            "import_body_bytes": len(body),
            "pdf_cards": args.pdf_cards,
            "limits": limits,
            "pythonpath": args.pythonpath,
            "cores": os.cpu_count(),
        },
        "bystander": {
            "round_trips": len(ms),
            "p50_ms": round(statistics.median(ms), 1),
            "p99_ms": round(percentile(ms, 0.99), 1),
            "max_ms": round(max(ms), 1),
            "seconds_above_100ms": round(sum(t for t in during if t > 0.1), 1),
            "trips_above_100ms": sum(1 for t in during if t > 0.1),
            "quiet_p50_ms": round(statistics.median(quiet) * 1000, 1),
        },
        "load": load_result,
        "loaded_seconds": round(loaded_for, 1),
        "server_cpu_seconds_with_workers": round(cpu_after - cpu_before, 1),
        "server_peak_rss_mb": round(sampler.server_peak / 2**20),
        "workers_peak_rss_mb": round(sampler.workers_peak / 2**20),
        "worker_processes_seen": len(sampler.workers_seen),
        "worker_commands": sorted(sampler.commands),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--imports", type=int, default=4)
    parser.add_argument("--pdfs", type=int, default=2)
    parser.add_argument("--cold-reads", type=int, default=0)
    parser.add_argument("--import-cards", type=int, default=20_000)
    parser.add_argument("--pdf-cards", type=int, default=2_000)
    parser.add_argument("--limit", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--keep-limits", action="store_true")
    parser.add_argument("--pythonpath", default=None)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(args)), indent=2))


if __name__ == "__main__":
    main()
