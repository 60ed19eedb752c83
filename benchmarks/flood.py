"""Floods on one socket: what a few kilobytes of small frames cost the server.

    python benchmarks/flood.py [--sockets 1] [--present 60] [--queries 3000] [--cards 2000]
        [--step1s 1500] [--lifted] [--json]

Hardening round two, finding 3. One journeyboard node on a fresh SQLite file, and:

- *queries*: `--present` viewers each announce a presence state near the size cap (~3.6 KB);
  then `--sockets` viewer sockets stop reading and each writes `--queries` one-byte presence
  queries (7 bytes a frame) in one go. Every answer is the whole presence (~220 KB for 60).
- *step 1*: a board with `--cards` cards (benchmarks/seed.py's board, one update); then
  `--sockets` viewer sockets stop reading and each writes `--step1s` sync step 1 frames, each
  with a state vector naming another unknown client, so that every answer is the whole board
  and none comes from the room's cache.

For each: the server's RSS before, its peak (VmHWM) and after, the time until the server has
dealt with every flooding frame (its counters of questions held back and replaced, or of
sockets closed), and a bystander's round trip on the same board (a participant's edit seen by
another participant) during the flood: the worst one.

`--lifted` runs the server with the query and sync step 1 rates lifted, to show what the
socket buffer limit alone bounds (a socket whose transport pauses stops being answered).

`--before` measures a server from before the question rates (run the command with PYTHONPATH
set to that checkout's `server/`): its flooding sockets are done once closed as too slow.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pycrdt import Doc, Map, TransactionEvent

from journeyboard.sync import protocol
from journeyboard.sync.limits import Limits
from journeyboard.sync.protocol import AwarenessEntry

sys.path.insert(0, str(Path(__file__).resolve().parent))
import rawclient
from seed import board_update
from servers import create_board, start_journeyboard, stop

MiB = 1024 * 1024
LIFTED = (
    "--limit", "awareness_queries_per_second=1000000",
    "--limit", "awareness_query_burst=1000000",
    "--limit", "sync_step1_per_second=1000000",
    "--limit", "sync_step1_burst=1000000",
)  # fmt: skip
"""The per-socket rates lifted: only `socket_buffer_bytes` bounds what a flood may cost."""

MARK = re.compile(rb"mark(\d{8})")


def memory(pid: int) -> dict[str, int]:
    values: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, rest = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            values[name] = int(rest.split()[0]) * 1024
    return values


HANDLED = (
    "journeyboard_refused_sockets_total{",
    'journeyboard_dropped_total{cause="coalesced_query"}',
    'journeyboard_dropped_total{cause="coalesced_sync_step1"}',
)


def handled(port: int) -> float:
    """Flood frames the server has visibly dealt with: sockets it refused or closed (any cause)
    and questions it held back and replaced by a newer one."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics") as response:
        text = response.read().decode()
    return sum(
        float(line.split()[-1])
        for line in text.splitlines()
        if line.startswith(HANDLED) and not line.startswith("#")
    )


def url(port: int, board: dict[str, Any], role: str) -> str:
    return f"ws://127.0.0.1:{port}/ws/{board['id']}?token={board['tokens'][role]}"


def frame(payload: bytes) -> bytes:
    """A whole client frame, masked with the zero key (payloads under 126 bytes)."""
    return bytes((0x82, 0x80 | len(payload))) + b"\x00\x00\x00\x00" + payload


async def synced(
    address: str, then: Callable[[memoryview], None] = lambda view: None
) -> rawclient.RawSocket:
    """A socket whose first frame (the server's sync step 1) has arrived: it is in its room.
    Later frames go to `then`."""
    first: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def on_frame(view: memoryview) -> None:
        if first.done():
            then(view)
        else:
            first.set_result(None)

    sock = await rawclient.connect(address, on_frame)
    await asyncio.wait_for(first, 10)
    return sock


class Bystander:
    """A participant who edits every 50 ms and another who waits for each edit."""

    def __init__(self) -> None:
        self.doc: Doc[Any] = Doc()
        self.sent: dict[int, float] = {}
        self.trips: list[float] = []
        self.writer: rawclient.RawSocket | None = None
        self.reader: rawclient.RawSocket | None = None
        self._updates: list[bytes] = []
        self._all_back = asyncio.Event()
        self.doc.observe(self._capture)

    def _capture(self, event: TransactionEvent) -> None:
        self._updates.append(event.update)

    def _on_frame(self, view: memoryview) -> None:
        now = time.perf_counter()
        for match in MARK.finditer(bytes(view)):
            sent = self.sent.pop(int(match.group(1)), None)
            if sent is not None:
                self.trips.append(now - sent)
        if not self.sent:
            self._all_back.set()

    async def start(self, address: str) -> None:
        self.writer = await synced(address)
        self.reader = await synced(address, self._on_frame)

    def edit(self, seq: int) -> None:
        assert self.writer is not None
        self.doc.get("bystander", type=Map)["m"] = f"mark{seq:08d}"
        update = self._updates.pop()
        self.sent[seq] = time.perf_counter()
        self._all_back.clear()
        self.writer.send(protocol.encode_sync_update(update))

    async def run(self, until: asyncio.Event) -> None:
        seq = 0
        while not until.is_set():
            seq += 1
            self.edit(seq)
            await asyncio.sleep(0.05)
        if self.sent:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._all_back.wait(), 10)

    def close(self) -> None:
        for sock in (self.writer, self.reader):
            if sock is not None:
                sock.close()


async def flood(
    pid: int,
    port: int,
    board: dict[str, Any],
    frames: list[bytes],
    sockets: int,
    expect: int,
) -> dict[str, Any]:
    """Write `frames` in one go on each of `sockets` viewer sockets that never read; the flood
    is dealt with once `handled` has grown by `expect` per socket."""
    flooders = [await synced(url(port, board, "viewer")) for _ in range(sockets)]
    for sock in flooders:
        assert sock.transport is not None
        sock.transport.pause_reading()
    bystander = Bystander()
    await bystander.start(url(port, board, "participant"))
    seen = handled(port)
    before = memory(pid)
    done = asyncio.Event()
    edits = asyncio.create_task(bystander.run(done))
    await asyncio.sleep(0.2)  # a few round trips before the flood
    payload = b"".join(frames)
    started = time.perf_counter()
    for sock in flooders:
        assert sock.transport is not None
        sock.transport.write(payload)
    dealt_with: float | None = None
    deadline = started + 60
    while time.perf_counter() < deadline:
        # In a thread: the bystander keeps editing while a busy server answers slowly.
        if await asyncio.to_thread(handled, port) >= seen + expect * sockets:
            dealt_with = time.perf_counter() - started
            break
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.5)
    done.set()
    await edits
    after = memory(pid)
    bystander.close()
    for sock in flooders:
        sock.close()
    return {
        "sockets": sockets,
        "frames_per_socket": len(frames),
        "bytes_per_socket": len(payload),
        "rss_before_mib": round(before["VmRSS"] / MiB, 1),
        "rss_peak_mib": round(after["VmHWM"] / MiB, 1),
        "rss_after_mib": round(after["VmRSS"] / MiB, 1),
        "growth_mib": round((after["VmHWM"] - before["VmRSS"]) / MiB, 1),
        "handled_after_s": None if dealt_with is None else round(dealt_with, 2),
        "bystander_max_ms": round(1000 * max(bystander.trips, default=float("nan")), 1),
        "bystander_lost": len(bystander.sent),
    }


async def present(port: int, board: dict[str, Any], count: int) -> list[rawclient.RawSocket]:
    """`count` viewers with presence states near the size cap; wait until a watcher has all."""
    seen: set[int] = set()
    everyone = asyncio.Event()

    def on_frame(view: memoryview) -> None:
        data = bytes(view)
        if data[:1] == bytes((protocol.MESSAGE_AWARENESS,)):
            message = protocol.decode_message(data)
            assert isinstance(message, protocol.AwarenessMessage)
            for entry in protocol.decode_awareness_update(message.payload):
                if not entry.is_removal:
                    seen.add(entry.client_id)
            if len(seen) >= count:
                everyone.set()

    watcher = await rawclient.connect(url(port, board, "viewer"), on_frame)
    sockets = [watcher]
    for index in range(count):
        sock = await synced(url(port, board, "viewer"))
        state = json.dumps({"cursor": [index, index], "pad": "p" * 3500})
        entry = AwarenessEntry(1_000 + index, 1, state)
        sock.send(protocol.encode_awareness(protocol.encode_awareness_update([entry])))
        sockets.append(sock)
    await asyncio.wait_for(everyone.wait(), 30)
    return sockets


async def big_board(port: int, cards: int) -> dict[str, Any]:
    board = create_board(port)
    seeded = board_update(cards)
    writer = await synced(url(port, board, "participant"))
    writer.send(protocol.encode_sync_update(seeded.update))
    # A joiner's sync step 2 holds the board once it is committed.
    got: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    def on_frame(view: memoryview) -> None:
        if bytes(view[:2]) == b"\x00\x01" and not got.done():
            got.set_result(len(view))

    for _ in range(100):
        joiner = await rawclient.connect(url(port, board, "viewer"), on_frame)
        joiner.send(protocol.encode_sync_step1(b"\x00"))
        size = await asyncio.wait_for(got, 30)
        joiner.close()
        if size > len(seeded.update) // 2:
            break
        got = asyncio.get_running_loop().create_future()
        await asyncio.sleep(0.1)
    writer.close()
    board["step2_bytes"] = size
    return board


def step1s(count: int) -> list[bytes]:
    return [
        frame(
            protocol.encode_sync_step1(
                protocol.write_var_uint(1)
                + protocol.write_var_uint(5_000_000 + i)
                + protocol.write_var_uint(1)
            )
        )
        for i in range(count)
    ]


async def run(args: argparse.Namespace, pid: int, port: int) -> dict[str, Any]:
    results: dict[str, Any] = {}
    board = create_board(port)
    crowd = await present(port, board, args.present)
    query = frame(bytes((protocol.MESSAGE_QUERY_AWARENESS,)))
    closes = args.lifted or args.before
    # Past the rates every question but the burst and one waiting is replaced (counted); with
    # no rates, the socket is closed once its buffer is full (counted once).
    limits = Limits() if not args.before else None
    expect = 1 if closes or not limits else args.queries - limits.awareness_query_burst - 1
    results["queries"] = await flood(pid, port, board, [query] * args.queries, args.sockets, expect)
    results["queries"]["present"] = args.present
    for sock in crowd:
        sock.close()
    big = await big_board(port, args.cards)
    expect = 1 if closes or not limits else args.step1s - limits.sync_step1_burst - 1
    results["step1"] = await flood(pid, port, big, step1s(args.step1s), args.sockets, expect)
    results["step1"]["cards"] = args.cards
    results["step1"]["step2_bytes"] = big["step2_bytes"]
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sockets", type=int, default=1)
    parser.add_argument("--present", type=int, default=60)
    parser.add_argument("--queries", type=int, default=3000)
    parser.add_argument("--cards", type=int, default=2000)
    parser.add_argument("--step1s", type=int, default=1500)
    parser.add_argument("--lifted", action="store_true", help="lift the query and step 1 rates")
    parser.add_argument(
        "--before", action="store_true", help="a server from before the query and step 1 rates"
    )
    parser.add_argument("--json", action="store_true", help="print the results as JSON only")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        store = f"sqlite:///{Path(directory) / 'flood.db'}"
        process, port = start_journeyboard(store, *(LIFTED if args.lifted else ()))
        try:
            results = asyncio.run(run(args, process.pid, port))
        finally:
            stop(process)
    results["command"] = "python benchmarks/flood.py " + " ".join(sys.argv[1:])
    results["cpus"] = os.cpu_count()
    if args.json:
        print(json.dumps(results, indent=2))
        return
    print(f"{results['command']}  ({results['cpus']} CPUs)")
    for name, row in results.items():
        if isinstance(row, dict):
            print(f"{name}: {json.dumps(row)}")


if __name__ == "__main__":
    main()
