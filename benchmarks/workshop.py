# ruff: noqa: RUF001
"""The workshop scenario: how many live workshops each server holds on this machine.

    python benchmarks/workshop.py [--runs 3] [--duration 20] [--boards 1,2,4,6,8,12,16]
        [--servers journeyboard,y-websocket,hocuspocus,relay] [--smoke] [--out FILE]
    python benchmarks/compare.py --workshop ...   (the same, through compare.py)

A workshop is one board with `--participants` (25) and `--viewers` (5) sockets:
- every participant moves its cursor at `--cursor-hz` (10): an awareness message with a
  fresh clock and a marker ("c!" + sender + sequence) in its JSON state;
- every participant types a character every `--typing-interval` (2) seconds into a card (a
  Y.Text in a Y.Map, made with pycrdt on the participant's own document), with a marker ("k!"
  + sender + sequence) as a key of the card's map in the same transaction; one participant in
  five types into the card of the participant before it (shared cards);
- once a minute one participant pastes `--paste-cards` (50) new cards, as that many separate
  updates back to back, each with its marker (a run shorter than a minute has one paste per
  board, at a point staggered over the run);
- viewers only receive.

Every socket is a benchmarks/rawclient.py socket (one asyncio protocol each, no task per
socket; timers are loop callbacks), all of them in this one process, on uvloop when it is
installed. Each receiver finds the markers in its frames by byte search, so a server may
batch, merge or re-encode as it likes: every marker found counts.

It steps W, the number of workshops at once, through `--boards` against each server, the
servers interleaved at each W (A, B, C, D, A, B, ...), `--runs` times:
- journeyboard (`journeyboard serve`, its durable SQLite store on; participants on the
  board's participant link, viewers on its viewer link);
- the reference y-websocket server (compare.py's `start_reference`);
- Hocuspocus (`@hocuspocus/server` from the npm registry into a temporary folder, in memory,
  no extensions), through an adapter for its framing (see `Framing`);
- a raw relay (benchmarks/relay.py): no CRDT, no store, the ceiling for this machine.

A server stops stepping once it failed at a W in every run. A W is held when, in the median
of the runs, content p99 ≤ 50 ms and cursor p99 ≤ 100 ms, and no run lost content or a
cursor's final state. Writes the "Workshops" section of docs/BENCHMARKS.md between its
markers (benchmarks/sections.py), with the raw results inside it; `--rerender` rewrites it
from them. Each run's raw result holds `machine_steal_ms`, the time the host took the
machine's cores away during the load, and `generator_lag_p99_ms` and `generator_lag_max_ms`,
how late the generator's own loop ran (`LoopLag`): both are in the latencies, and neither is
the server's. The generator freezes its heap for the collector during each run's load (its
own collections would pause its loop for tens of milliseconds at W=28 and over).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import importlib.metadata
import json
import os
import platform
import random
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from array import array
from collections.abc import Callable, Coroutine, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from pycrdt import Doc, Map, Text, TransactionEvent

from journeyboard.sync.protocol import (
    encode_sync_update,
    write_var_bytes,
    write_var_string,
    write_var_uint,
)

sys.path.insert(0, str(Path(__file__).resolve().parent))
import rawclient
import sections
from compare import (
    REFERENCE,
    _probe,
    cpu_seconds,
    rss_bytes,
    settle,
    start_reference,
    wait_unloaded,
)
from loadgen import SYNC_STEP1_EMPTY, percentile
from servers import create_board, free_port, start_journeyboard, stop
from spreads import figure

ROOT = Path(__file__).resolve().parents[1]
OURS = "journeyboard"
RELAYING = "journeyboard-relaying"
"""journeyboard relaying every presence change at once (`presence_tick_ms=0`): the A/B of the
presence ticks. Not run unless named in --servers."""
SERVERS = (OURS, RELAYING, "y-websocket", "hocuspocus", "relay")
DEFAULT_SERVERS = (OURS, "y-websocket", "hocuspocus", "relay")
PEERS = ("y-websocket", "hocuspocus")
CEILING = "relay"
HOCUSPOCUS = "@hocuspocus/server@4.7.0"
HOCUSPOCUS_PEERS = ("yjs@^13.6.8", "y-protocols@^1.0.6")
"""Hocuspocus's peer dependencies, installed beside it."""
HOCUSPOCUS_SCRIPT = """\
import { Server } from "@hocuspocus/server";
const server = new Server({
  port: Number(process.env.PORT), address: "127.0.0.1", quiet: true,
});
await server.listen();
"""
"""Written into the temporary folder at run time: Hocuspocus in memory, no extensions."""
JOURNEYBOARD_ARGS = ("--grace", "2", "--limit", "boards_per_address_per_minute=100000")
"""Rooms unload 2 s after the sockets leave (10 s by default), so the wait between steps is
short; and the benchmark creates boards from one address faster than any office does. Every
limit a socket meets is the default."""

CONTENT_P99_MS = 50.0
CURSOR_P99_MS = 100.0
GRACE = 1.0
"""Seconds after the load for the last deliveries to land."""
MARK_LEN = 16
CONTENT_MARK = b"k!"
CURSOR_MARK = b"c!"
SETUP_SEQ = 0
PER_BOARD = 100
"""Sender numbers: board * 100 + socket; the board's setup gets number board * 100 + 99."""
GENERATOR_BOUND = 0.8
"""A generator using more than this share of a core may be what limits a result."""

T = TypeVar("T")


def run_async(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run on uvloop when it is installed (the generator's sockets are all in this loop)."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coroutine)
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(coroutine)


# -- the wire ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Framing:
    """How one server wants y-websocket messages framed.

    The stock y-websocket framing is a message per websocket frame. Hocuspocus puts the
    document's name (a varString) before every message, in both directions, and holds every
    message of a socket until the socket has authenticated for that document: an Auth
    message (type 2) with a Token sub-message (0) and the token as a varString
    (@hocuspocus/common's `writeAuthentication`). It answers a sync step 1 with a SyncReply
    (type 4, the same body as a sync message) and acknowledges each update with a SyncStatus
    (type 8), which receivers here ignore.
    """

    document: str | None = None

    @property
    def prefix(self) -> bytes:
        return b"" if self.document is None else write_var_string(self.document)

    @property
    def keepalive(self) -> bytes | None:
        """What a silent socket sends every 15 s, if the server closes silent sockets.

        Hocuspocus closes a socket it has heard nothing from for 60 s (its `timeout`); the
        stock provider's awareness renewal keeps a viewer's socket open. A viewer here sends
        a QueryAwareness (type 3) instead.
        """
        return None if self.document is None else b"\x03"

    def hello(self) -> list[bytes]:
        """What a socket sends first: Hocuspocus's Auth (with any token), then sync step 1."""
        auth = [self.prefix + b"\x02\x00" + write_var_string("bench")] if self.document else []
        return [*auth, self.prefix + SYNC_STEP1_EMPTY]


def awareness_message(client_id: int, clock: int, state: bytes) -> bytes:
    """y-websocket message 1: varUint8Array(varUint(1) clientID clock varString(state))."""
    update = b"\x01" + write_var_uint(client_id) + write_var_uint(clock) + write_var_bytes(state)
    return b"\x01" + write_var_bytes(update)


# -- one workshop ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Load:
    """What each workshop does (the command line's figures)."""

    participants: int = 25
    viewers: int = 5
    cursor_hz: float = 10.0
    typing_interval: float = 2.0
    paste_cards: int = 50
    paste_every: float = 60.0
    shared_every: int = 5

    def card_of(self, participant: int) -> int:
        """The card a participant types into: one in `shared_every` shares its neighbour's."""
        if self.shared_every and participant % self.shared_every == self.shared_every - 1:
            return participant - 1
        return participant


@dataclass(frozen=True)
class BoardLinks:
    """Where one workshop's sockets connect."""

    participant_url: str
    viewer_url: str
    framing: Framing


@dataclass
class Tally:
    """What the receivers of one workshop saw."""

    setup_marker: bytes = b""
    content_sent: dict[bytes, float] = field(default_factory=dict)
    cursor_sent: dict[bytes, tuple[int, int, float]] = field(default_factory=dict)
    """Marker: (sender, sequence, sent at)."""
    final_cursor: dict[int, int] = field(default_factory=dict)
    content_latency: array[float] = field(default_factory=lambda: array("d"))
    cursor_latency: array[float] = field(default_factory=lambda: array("d"))
    content_duplicates: int = 0
    cursor_stale: int = 0
    """Cursor states received that were not newer than one already received (late or again)."""

    def reset(self) -> None:
        self.content_sent.clear()
        self.cursor_sent.clear()
        self.final_cursor.clear()
        self.content_latency = array("d")
        self.cursor_latency = array("d")
        self.content_duplicates = self.cursor_stale = 0


class Peer:
    """One socket of a workshop: a participant (it sends) or a viewer (it only receives)."""

    __slots__ = (
        "card",
        "client_id",
        "clock",
        "doc",
        "got_setup",
        "last_cursor",
        "number",
        "participant",
        "seen",
        "seq",
        "skip",
        "sock",
        "synced",
        "tally",
        "updates",
    )

    def __init__(self, number: int, participant: bool, tally: Tally, skip: int) -> None:
        self.number = number
        self.participant = participant
        self.tally = tally
        self.skip = skip  # bytes of framing before each message (Hocuspocus's document name)
        self.sock: rawclient.RawSocket | None = None
        self.synced: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.got_setup: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.seen: set[bytes] = set()
        self.last_cursor: dict[int, int] = {}
        self.client_id = random.getrandbits(32) or 1  # a distinct awareness id per socket
        self.doc: Doc[Any] = Doc(client_id=self.client_id)
        self.updates: list[bytes] = []
        self.card: Map[Any] | None = None
        self.seq = 0
        self.clock = 0

    # receiving ---------------------------------------------------------------------------

    def on_frame(self, frame: memoryview) -> None:
        now = time.perf_counter()
        data = bytes(frame)
        skip = self.skip
        if len(data) < skip + 2:
            return
        kind = data[skip]
        if kind == 1:
            self._cursors(data, now)
        elif kind == 0 or kind == 4:  # sync (4: Hocuspocus's SyncReply)
            if data[skip + 1] == 1 and not self.synced.done():
                self.synced.set_result(None)
            self._content(data, now)

    def _content(self, data: bytes, now: float) -> None:
        tally, seen, number = self.tally, self.seen, self.number
        sent = tally.content_sent
        at = data.find(CONTENT_MARK, self.skip)
        while at >= 0:
            marker = data[at : at + MARK_LEN]
            at = data.find(CONTENT_MARK, at + MARK_LEN)
            started = sent.get(marker)
            if started is None or int(marker[2:8]) == number:
                continue  # not ours to count, or our own update echoed back
            if marker in seen:
                tally.content_duplicates += 1
            else:
                seen.add(marker)
                tally.content_latency.append(now - started)
                if marker == tally.setup_marker and not self.got_setup.done():
                    self.got_setup.set_result(None)

    def _cursors(self, data: bytes, now: float) -> None:
        tally, last = self.tally, self.last_cursor
        sent = tally.cursor_sent
        at = data.find(CURSOR_MARK, self.skip)
        while at >= 0:
            entry = sent.get(data[at : at + MARK_LEN])
            at = data.find(CURSOR_MARK, at + MARK_LEN)
            if entry is None:
                continue
            sender, seq, started = entry
            if sender == self.number:
                continue
            if seq > last.get(sender, 0):
                last[sender] = seq
                tally.cursor_latency.append(now - started)
            else:
                tally.cursor_stale += 1

    # sending -------------------------------------------------------------------------------

    def send(self, message: bytes, prefix: bytes) -> None:
        if self.sock is not None and not self.sock.closed.done():
            self.sock.send(prefix + message)

    def capture(self, event: TransactionEvent) -> None:
        self.updates.append(event.update)

    def cursor(self, prefix: bytes) -> None:
        self.clock += 1
        marker = b"c!%06d%08d" % (self.number, self.clock)
        x, y = random.randrange(4000), random.randrange(3000)
        state = b'{"cursor":{"x":%d,"y":%d},"m":"%s"}' % (x, y, marker)
        message = awareness_message(self.client_id, self.clock, state)
        self.tally.cursor_sent[marker] = (self.number, self.clock, time.perf_counter())
        self.tally.final_cursor[self.number] = self.clock
        self.send(message, prefix)

    def type_character(self, prefix: bytes) -> None:
        assert self.card is not None
        self.seq += 1
        marker = f"k!{self.number:06d}{self.seq:08d}"
        text = self.card["text"]
        with self.doc.transaction():
            text.insert(len(text), random.choice("etaoin shrdlu"))
            self.card[marker] = self.seq
        frame = encode_sync_update(self.updates.pop())
        self.updates.clear()
        self.tally.content_sent[marker.encode()] = time.perf_counter()
        self.send(frame, prefix)


class Workshop:
    """One board's sockets, its cards, and the timers that drive its participants."""

    def __init__(self, index: int, links: BoardLinks, load: Load, paste_at: list[float]) -> None:
        self.index = index
        self.links = links
        self.load = load
        self.paste_at = paste_at  # seconds into the run
        self.tally = Tally()
        self.prefix = links.framing.prefix
        skip = len(self.prefix)
        base = index * PER_BOARD
        self.participants = [
            Peer(base + i, True, self.tally, skip) for i in range(load.participants)
        ]
        self.viewers = [
            Peer(base + load.participants + i, False, self.tally, skip) for i in range(load.viewers)
        ]
        self.setup_marker = b"k!%06d%08d" % (base + PER_BOARD - 1, SETUP_SEQ)
        self.tally.setup_marker = self.setup_marker
        self.setup = self._setup_update()
        self.pastes = self._paste_frames(len(paste_at))

    @property
    def peers(self) -> list[Peer]:
        return self.participants + self.viewers

    def _setup_update(self) -> bytes:
        """Every card the participants type into, made once and applied to every doc."""
        doc: Doc[Any] = Doc()
        with doc.transaction():
            cards = doc.get("cards", type=Map)
            for card in sorted({self.load.card_of(i) for i in range(self.load.participants)}):
                cards[f"card{card:03d}"] = Map(
                    {"kind": "note", "stage": "s1", "text": Text(f"Card {card}: ")}
                )
            cards[self.setup_marker.decode()] = True
        update = doc.get_update()
        for peer in self.participants:
            peer.doc.apply_update(update)
            peer.card = peer.doc.get("cards", type=Map)[
                f"card{self.load.card_of(peer.number % PER_BOARD):03d}"
            ]
            peer.doc.observe(peer.capture)
        return update

    def _paste_frames(self, bursts: int) -> list[list[tuple[bytes, bytes]]]:
        """Each burst's (marker, frame) pairs, made before the run from a document of their own.

        The paste comes from its own client id, so making it ahead of time leaves no gap in
        the typing participant's clocks; making it during the run would measure pycrdt.
        """
        doc: Doc[Any] = Doc()
        doc.apply_update(self.setup)
        cards = doc.get("cards", type=Map)
        updates: list[bytes] = []
        doc.observe(lambda event: updates.append(event.update))
        sender = self.participants[0].number
        frames: list[list[tuple[bytes, bytes]]] = []
        seq = 10_000_000  # the paste's sequence numbers never meet the typing's
        for _ in range(bursts):
            burst = []
            for _ in range(self.load.paste_cards):
                seq += 1
                marker = f"k!{sender:06d}{seq:08d}"
                with doc.transaction():
                    cards[f"paste{seq}"] = Map(
                        {
                            "kind": "note",
                            "stage": "s1",
                            "text": Text(f"Pasted idea {seq}"),
                            marker: 1,
                        }
                    )
                burst.append((marker.encode(), encode_sync_update(updates.pop())))
            frames.append(burst)
        return frames

    def paste(self, burst: int) -> None:
        sender = self.participants[0]
        sent = self.tally.content_sent
        for marker, frame in self.pastes[burst]:
            sent[marker] = time.perf_counter()
            sender.send(frame, self.prefix)

    def start(self, loop: asyncio.AbstractEventLoop, at: float, until: float) -> None:
        """Schedule every participant's cursor and typing, and the pastes, from `at` on."""
        interval = 1.0 / self.load.cursor_hz
        typing = self.load.typing_interval
        prefix = self.prefix

        def repeat(action: Callable[[], None], when: float, every: float) -> None:
            def tick() -> None:
                nonlocal when
                action()
                when += every
                if when < until:
                    loop.call_at(max(when, loop.time()), tick)

            loop.call_at(when, tick)

        for peer in self.participants:
            repeat(partial(peer.cursor, prefix), at + random.random() * interval, interval)
            repeat(partial(peer.type_character, prefix), at + random.random() * typing, typing)
        for burst, offset in enumerate(self.paste_at):
            loop.call_at(at + offset, self.paste, burst)
        keepalive = self.links.framing.keepalive
        if keepalive is not None:
            for peer in self.viewers:
                repeat(partial(peer.send, keepalive, prefix), at + random.random() * 15, 15.0)


class LoopLag:
    """How late the generator's own loop runs a callback due every `every` seconds: a receiver
    reads its frames no sooner than its loop gets to them, so this lateness is inside every
    latency the run measures (the server's share is the rest)."""

    def __init__(self, loop: asyncio.AbstractEventLoop, every: float = 0.005) -> None:
        self.loop = loop
        self.every = every
        self.late_ms: list[float] = []

    def start(self, at: float, until: float) -> None:
        def tick(due: float) -> None:
            now = self.loop.time()
            self.late_ms.append((now - due) * 1000)
            if now < until:
                following = max(due + self.every, now)
                self.loop.call_at(following, tick, following)

        self.loop.call_at(at, tick, at)


def paste_times(board: int, boards: int, duration: float, every: float) -> list[float]:
    """When board `board` pastes: staggered over the boards, then every `every` seconds.

    A run shorter than `every` gets one paste per board, at a point staggered over its middle
    (10% to 90% of the run), so that no two boards paste at once.
    """
    period = min(every, duration)
    first = period * (0.1 + 0.8 * (board + 0.5) / boards)
    times = []
    while first < duration - 0.5:
        times.append(first)
        first += every
    return times


async def _connect(peer: Peer, url: str, framing: Framing) -> None:
    peer.sock = await rawclient.connect(url, peer.on_frame)
    for message in framing.hello():
        peer.sock.send(message)


async def workshops(
    links: list[BoardLinks], load: Load, duration: float, pid: int
) -> dict[str, Any]:
    """Run len(links) workshops at once against one server; the figures of the run."""
    loop = asyncio.get_running_loop()
    rss_before = rss_bytes(pid)
    boards = [
        Workshop(i, board, load, paste_times(i, len(links), duration, load.paste_every))
        for i, board in enumerate(links)
    ]
    jobs = [
        (peer, board.links.participant_url if peer.participant else board.links.viewer_url,
         board.links.framing)
        for board in boards for peer in board.peers
    ]  # fmt: skip
    connect_errors = 0
    for start in range(0, len(jobs), 50):  # in waves, so that the accept queue keeps up
        outcome = await asyncio.gather(
            *(_connect(*job) for job in jobs[start : start + 50]), return_exceptions=True
        )
        connect_errors += sum(isinstance(o, BaseException) for o in outcome)
    live = [peer for peer, _, _ in jobs if peer.sock is not None]
    await asyncio.wait_for(asyncio.gather(*(peer.synced for peer in live)), 60)
    for board in boards:  # the cards first, from one participant; everyone must have them
        board.tally.content_sent[board.setup_marker] = time.perf_counter()
        board.participants[0].send(encode_sync_update(board.setup), board.prefix)
    waiting = [peer.got_setup for board in boards for peer in board.peers[1:] if peer.sock]
    await asyncio.wait(waiting, timeout=30)
    setup_missing = sum(
        board.setup_marker not in peer.seen for board in boards for peer in board.peers[1:]
    )
    for board in boards:
        board.tally.reset()
        for peer in board.peers:
            peer.seen.clear()
    await asyncio.sleep(0.5)
    cpu_before, usage_before = cpu_seconds(pid), resource.getrusage(resource.RUSAGE_SELF)
    steal_before = steal_seconds()
    # The generator's own oldest-generation collections paused its loop for 27-52 ms at W=28
    # to 32, inside every latency it measured, whichever server ran; with what it holds
    # frozen before the load, 7-9 ms. Unfrozen after the run, so that runs do not pile up.
    gc.collect()
    gc.freeze()
    try:
        started, at = time.perf_counter(), loop.time() + 0.05
        lag = LoopLag(loop)
        lag.start(at, at + duration)
        for board in boards:
            board.start(loop, at, at + duration)
        await asyncio.sleep(at - loop.time() + duration + GRACE)
        elapsed = time.perf_counter() - started
        cpu_used = cpu_seconds(pid) - cpu_before
        stolen = steal_seconds() - steal_before
    finally:
        gc.unfreeze()
    usage_after = resource.getrusage(resource.RUSAGE_SELF)
    rss_after = rss_bytes(pid)
    closed_early = sum(peer.sock is not None and peer.sock.closed.done() for peer in live)
    for peer in live:
        assert peer.sock is not None
        peer.sock.close()
    return summarize(boards, load, duration, {
        "seconds": round(elapsed - GRACE, 2),
        "server_cpu_s": round(cpu_used, 2),
        "generator_cpu_share": round(
            (usage_after.ru_utime + usage_after.ru_stime - usage_before.ru_utime
             - usage_before.ru_stime) / elapsed, 2),
        "rss_before_mb": round(rss_before / 2**20, 1),
        "rss_after_mb": round(rss_after / 2**20, 1),
        "machine_steal_ms": round(stolen * 1000),
        "generator_lag_p99_ms": round(percentile(lag.late_ms, 0.99), 2),
        "generator_lag_max_ms": round(max(lag.late_ms, default=float("nan")), 2),
        "connect_errors": connect_errors + len(jobs) - len(live),
        "closed_early": closed_early,
        "setup_missing": setup_missing,
    })  # fmt: skip


def steal_seconds() -> float:
    """The time the host gave this machine's cores to others (every core, /proc/stat's steal):
    a run that failed with steal in it may not be the server's doing."""
    with open("/proc/stat", encoding="ascii") as stat:
        fields = stat.readline().split()
    return int(fields[8]) / os.sysconf("SC_CLK_TCK") if len(fields) > 8 else 0.0


def summarize(
    boards: list[Workshop], load: Load, duration: float, measured: dict[str, Any]
) -> dict[str, Any]:
    """The figures of one run: latencies, losses, shares, CPU and memory."""
    content_ms = [x * 1000 for board in boards for x in board.tally.content_latency]
    cursor_ms = [x * 1000 for board in boards for x in board.tally.cursor_latency]
    content_sent = sum(len(board.tally.content_sent) for board in boards)
    receivers = load.participants + load.viewers - 1
    cursor_sent = sum(len(board.tally.cursor_sent) for board in boards)
    final_lost = pairs = 0
    for board in boards:
        for sender, final in board.tally.final_cursor.items():
            for peer in board.peers:
                if peer.number != sender:
                    pairs += 1
                    final_lost += peer.last_cursor.get(sender, 0) != final
    participants = len(boards) * load.participants
    result = {
        "boards": len(boards),
        "participants": participants,
        "viewers": len(boards) * load.viewers,
        "content_sent": content_sent,
        "content_expected": content_sent * receivers,
        "content_received": len(content_ms),
        "content_lost": content_sent * receivers - len(content_ms),
        "content_duplicates": sum(board.tally.content_duplicates for board in boards),
        "content_p50_ms": round(percentile(content_ms, 0.50), 2),
        "content_p99_ms": round(percentile(content_ms, 0.99), 2),
        "content_max_ms": round(max(content_ms, default=float("nan")), 2),
        "cursor_sent": cursor_sent,
        "cursor_received": len(cursor_ms),
        "cursor_delivery_share": round(len(cursor_ms) / max(cursor_sent * receivers, 1), 4),
        "cursor_stale": sum(board.tally.cursor_stale for board in boards),
        "cursor_pairs": pairs,
        "cursor_final_lost": final_lost,
        "cursor_p50_ms": round(percentile(cursor_ms, 0.50), 2),
        "cursor_p99_ms": round(percentile(cursor_ms, 0.99), 2),
        "cursor_max_ms": round(max(cursor_ms, default=float("nan")), 2),
        **measured,
    }
    result["cpu_ms_per_participant_s"] = round(
        result["server_cpu_s"] * 1000 / max(participants * duration, 1e-9), 3
    )
    result["rss_mb_per_board"] = round(
        (result["rss_after_mb"] - result["rss_before_mb"]) / len(boards), 2
    )
    result["held"] = held(result)
    return result


def held(result: dict[str, Any]) -> bool:
    """One run within the targets: latencies, and nothing lost."""
    return bool(
        result["content_p99_ms"] <= CONTENT_P99_MS
        and result["cursor_p99_ms"] <= CURSOR_P99_MS
        and lossless(result)
    )


def lossless(result: dict[str, Any]) -> bool:
    return bool(
        result["content_lost"] == 0
        and result["cursor_final_lost"] == 0
        and result["connect_errors"] == 0
        and result["closed_early"] == 0
        and result.get("setup_missing", 0) == 0
    )


# -- the servers -----------------------------------------------------------------------------


@dataclass
class Target:
    """One server under test: its process and how to open a board on it."""

    name: str
    process: subprocess.Popen[bytes]
    port: int
    version: str
    new_board: Callable[[], BoardLinks]

    @property
    def pid(self) -> int:
        return self.process.pid


def package_version(folder: Path, package: str) -> str:
    manifest = folder / "node_modules" / package / "package.json"
    return str(json.loads(manifest.read_text(encoding="utf-8"))["version"])


def wait_socket(url: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            asyncio.run(_probe(url))
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def journeyboard_version() -> str:
    """The package's version and the commit it runs from (noting uncommitted changes)."""
    version = importlib.metadata.version("journeyboard")

    def git(*command: str) -> str:
        done = subprocess.run(
            ["git", "-C", str(ROOT), *command], capture_output=True, text=True, check=False
        )
        return done.stdout.strip()

    commit = git("rev-parse", "--short", "HEAD")
    if not commit:
        return version
    dirty = git("status", "--porcelain", "--", "server")
    return f"{version} at {commit}" + (" with uncommitted changes under server/" if dirty else "")


def start_ours(folder: Path, name: str = OURS, *extra: str) -> Target:
    store = f"sqlite:///{folder / 'workshop.db'}"
    process, port = start_journeyboard(store, *JOURNEYBOARD_ARGS, *extra)

    version = journeyboard_version() + (f", `{' '.join(extra)}`" if extra else "")
    return Target(name, process, port, version, lambda: journeyboard_board(port))


def journeyboard_board(port: int) -> BoardLinks:
    """A new board on the journeyboard server at `port`: its participant and viewer links."""
    board = create_board(port, template="blank")
    url = f"ws://127.0.0.1:{port}/ws/{board['id']}?token="
    return BoardLinks(
        url + board["tokens"]["participant"], url + board["tokens"]["viewer"], Framing()
    )


def start_relaying(folder: Path) -> Target:
    return start_ours(folder, RELAYING, "--limit", "presence_tick_ms=0")


def start_y_websocket(folder: Path) -> Target:
    ref = start_reference(folder)
    version = f"{REFERENCE}, yjs {package_version(folder, 'yjs')}"

    def new_board() -> BoardLinks:
        url = f"ws://127.0.0.1:{ref.port}/room-{uuid.uuid4().hex}"
        return BoardLinks(url, url, Framing())

    return Target("y-websocket", ref.process, ref.port, version, new_board)


def start_hocuspocus(folder: Path) -> Target:
    subprocess.run(
        ["npm", "install", "--no-audit", "--no-fund", "--silent", "--prefix", str(folder),
         HOCUSPOCUS, *HOCUSPOCUS_PEERS],
        check=True,
    )  # fmt: skip
    script = folder / "start.mjs"
    script.write_text(HOCUSPOCUS_SCRIPT, encoding="utf-8")
    port = free_port()
    process = subprocess.Popen(
        ["node", str(script)], cwd=folder, env={**os.environ, "PORT": str(port)},
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    wait_socket(f"ws://127.0.0.1:{port}/")
    version = (
        f"@hocuspocus/server@{package_version(folder, '@hocuspocus/server')}, "
        f"yjs {package_version(folder, 'yjs')}"
    )

    def new_board() -> BoardLinks:
        url = f"ws://127.0.0.1:{port}/"
        return BoardLinks(url, url, Framing(document=f"board-{uuid.uuid4().hex}"))

    return Target("hocuspocus", process, port, version, new_board)


def start_relay(folder: Path) -> Target:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve().parent / "relay.py"), "--port", str(port)]
    )
    wait_socket(f"ws://127.0.0.1:{port}/probe")
    try:
        loop = "uvloop " + importlib.metadata.version("uvloop")
    except importlib.metadata.PackageNotFoundError:
        loop = "asyncio"
    version = f"benchmarks/relay.py, Python {platform.python_version()}, {loop}"

    def new_board() -> BoardLinks:
        url = f"ws://127.0.0.1:{port}/room-{uuid.uuid4().hex}"
        return BoardLinks(url, url, Framing())

    return Target(CEILING, process, port, version, new_board)


STARTERS: dict[str, Callable[[Path], Target]] = {
    OURS: start_ours,
    RELAYING: start_relaying,
    "y-websocket": start_y_websocket,
    "hocuspocus": start_hocuspocus,
    CEILING: start_relay,
}


@dataclass(frozen=True)
class Pinning:
    """Which core the servers run on and which the generator runs on (issue #30, item 1).

    Unpinned, a server and the generator share both cores, and a server can borrow the
    generator's core (or the generator the server's): the count is then of the machine, not
    of one server on one core. Pinned, every server under test starts with its affinity set to
    `server` (its threads, worker processes and Node's thread pool inherit it), and the
    generator moves to `generator` once they are up.
    """

    server: int
    generator: int


def parse_pinning(text: str) -> Pinning | None:
    """`--pin SERVER,GENERATOR` (core numbers), or `none`."""
    if text.strip().lower() == "none":
        return None
    try:
        server, generator = (int(part) for part in text.split(","))
    except ValueError:
        raise SystemExit(
            f"--pin takes two core numbers, SERVER,GENERATOR, or none: {text!r}"
        ) from None
    allowed = os.sched_getaffinity(0)
    if server == generator or not {server, generator} <= allowed:
        raise SystemExit(f"--pin {text}: two different cores of {sorted(allowed)}")
    return Pinning(server, generator)


def affinity_of(pid: int) -> set[int]:
    """The cores any thread of `pid`, or of a process it started, may run on."""
    cores: set[int] = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        cores |= os.sched_getaffinity(int(task.name))
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text(encoding="ascii").rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue  # gone meanwhile
        if parent == pid:
            cores |= affinity_of(int(stat.parent.name))
    return cores


@contextmanager
def running(
    names: list[str], folder: Path, pinning: Pinning | None = None
) -> Iterator[list[Target]]:
    everywhere = os.sched_getaffinity(0)
    with ExitStack() as stack:
        stack.callback(os.sched_setaffinity, 0, everywhere)
        if pinning is not None:  # what starts now inherits the server's core
            os.sched_setaffinity(0, {pinning.server})
        targets = []
        for name in names:
            (folder / name).mkdir()
            target = STARTERS[name](folder / name)
            stack.callback(stop, target.process)
            targets.append(target)
        if pinning is not None:
            os.sched_setaffinity(0, {pinning.generator})
            for target in targets:
                if affinity_of(target.pid) != {pinning.server}:
                    raise SystemExit(f"{target.name} is not pinned to core {pinning.server}")
        yield targets


# -- the run ---------------------------------------------------------------------------------


def measure(target: Target, boards: int, load: Load, duration: float) -> dict[str, Any]:
    links = [target.new_board() for _ in range(boards)]
    return run_async(workshops(links, load, duration, target.pid))


def run(args: argparse.Namespace, load: Load) -> tuple[dict[str, Any], dict[str, str]]:
    """Step W for every server, interleaved; stop a server once it fails a W in every run."""
    raw: dict[str, dict[str, list[dict[str, Any]]]] = {}
    with (
        tempfile.TemporaryDirectory() as tmp,
        running(args.servers, Path(tmp), args.pin) as targets,
    ):
        versions = {target.name: target.version for target in targets}
        ports = [target.port for target in targets if target.name in (OURS, RELAYING)]
        pids = [target.pid for target in targets]
        active = list(targets)
        for boards in args.boards:
            for number in range(args.runs):
                for target in active:  # interleaved: A, B, C, D, A, B, ...
                    wait_unloaded(ports)
                    settle(pids)
                    result = measure(target, boards, load, args.duration)
                    print(f"W={boards} run {number + 1} {target.name} {json.dumps(result)}",
                          file=sys.stderr)  # fmt: skip
                    raw.setdefault(target.name, {}).setdefault(str(boards), []).append(result)
            active = [t for t in active if any(r["held"] for r in raw[t.name][str(boards)])]
            if not active:
                break
    return raw, versions


# -- the report ------------------------------------------------------------------------------


def step_held(results: list[dict[str, Any]]) -> bool:
    """A W is held: latencies within the targets in the median, no losses in any run."""
    return (
        figure(results, "content_p99_ms").median <= CONTENT_P99_MS
        and figure(results, "cursor_p99_ms").median <= CURSOR_P99_MS
        and all(lossless(r) for r in results)
    )


def largest_held(steps: dict[str, list[dict[str, Any]]]) -> int:
    """The largest W held, stepping up from the smallest: 0 if the first W failed."""
    largest = 0
    for boards in sorted(steps, key=int):
        if not step_held(steps[boards]):
            break
        largest = int(boards)
    return largest


COLUMNS = (  # (key, heading, digits)
    ("content_p50_ms", "content p50 ms", 1),
    ("content_p99_ms", "content p99 ms", 1),
    ("cursor_p50_ms", "cursor p50 ms", 1),
    ("cursor_p99_ms", "cursor p99 ms", 1),
    ("cursor_delivery_share", "cursor delivery share", 3),
    ("cpu_ms_per_participant_s", "CPU ms per participant-s", 2),
    ("rss_mb_per_board", "RSS MB/board", 1),
    ("rss_after_mb", "RSS MB", 0),
    ("generator_cpu_share", "generator CPU", 2),
)


def best_peer(raw: dict[str, Any], boards: str, key: str) -> tuple[str, float] | None:
    """The peer with the lowest median of `key` at W=`boards`."""
    found = [
        (name, figure(raw[name][boards], key).median)
        for name in PEERS
        if name in raw and boards in raw[name]
    ]
    return min(found, key=lambda pair: pair[1]) if found else None


def ratio_cells(raw: dict[str, Any], boards: str, key: str) -> str:
    peer = best_peer(raw, boards, key)
    if OURS not in raw or boards not in raw[OURS] or peer is None:
        return "–"
    ours = figure(raw[OURS][boards], key).median
    ceiling = (
        f"; relay {figure(raw[CEILING][boards], key).median:g}"
        if CEILING in raw and boards in raw[CEILING]
        else ""
    )
    value = f"{ours / peer[1]:.2f}×" if peer[1] else "–"
    return f"{value} ({ours:g} against {peer[0]} {peer[1]:g}{ceiling})"


def pinned_sentence(pin: dict[str, int] | None) -> str:
    if pin is None:
        return "The servers and the generator share the cores (not pinned)."
    return (
        f"Pinned: each server under test on core {pin['server']} (its threads and child "
        f"processes inherit the affinity; checked in /proc before the first run), the "
        f"generator on core {pin['generator']}."
    )


def report(raw: dict[str, Any], facts: dict[str, Any], args: dict[str, Any], command: str) -> str:
    names = [name for name in SERVERS if name in raw]
    steps = sorted({boards for name in names for boards in raw[name]}, key=int)
    load = args["load"]
    short = args["duration"] < load["paste_every"]
    lines = [
        sections.WORKSHOP_START,
        "## Workshops: how many live workshops each server holds",
        "",
        f"Measured {facts['date']} with `{command}`. A workshop is one board with "
        f"{load['participants']} participants and {load['viewers']} viewers: every participant "
        f"moves its cursor {load['cursor_hz']:g} times a second and types a character every "
        f"{load['typing_interval']:g} s into a card (one in {load['shared_every']} into a card "
        f"another participant types into too), and one participant pastes "
        f"{load['paste_cards']} cards as {load['paste_cards']} updates back to back "
        + (
            "once per run (the run is shorter than a minute: each board pastes once, the "
            "boards' pastes staggered over the run)"
            if short
            else f"every {load['paste_every']:g} s (the boards staggered)"
        )
        + f"; viewers only receive. W workshops run at once for {args['duration']:g} s "
        f"(benchmarks/workshop.py; every socket a benchmarks/rawclient.py socket in one "
        f"generator process on {facts['generator_loop']}); the servers interleaved at each W, "
        f"{args['runs']} run{'s' if args['runs'] != 1 else ''} each. Each cell is the median "
        "over the runs, with the spread (min–max) in brackets.",
        "",
        f"- Machine: {facts['cores']} cores, {facts['arch']}, Python {facts['python']}, "
        f"Node {facts['node']}, pycrdt {facts['pycrdt']} in the generator; load average "
        f"{' / '.join(str(x) for x in facts['load_average_before'])} before the run. "
        + pinned_sentence(args.get("pin")),
        *(f"- {name}: {facts['versions'][name]}." for name in names),
        f"- journeyboard runs with its durable SQLite store on and `{' '.join(JOURNEYBOARD_ARGS)}`"
        " (the benchmark creates boards faster than an office does; every limit the sockets "
        "meet is the default, and 10 cursor moves a second are within awareness_per_second=30); "
        "participants use the board's participant link, viewers its viewer link (read-only). "
        "y-websocket and Hocuspocus keep everything in memory; the relay keeps nothing and "
        "merges nothing, and is the ceiling, not a peer.",
        f"- Held: content p99 ≤ {CONTENT_P99_MS:g} ms and cursor p99 ≤ {CURSOR_P99_MS:g} ms in "
        "the median of the runs, and in every run no content lost (every content update must "
        "reach all the board's other sockets), no cursor final state lost (a second after the "
        "load every receiver's newest cursor state of each sender is the sender's last one), "
        "no socket refused or closed. A server stops stepping once it failed a W in every run.",
        "",
        "Largest W held:",
        "",
    ]
    largest = {name: largest_held(raw[name]) for name in names}
    for name in names:
        tried = max(int(boards) for boards in raw[name])
        label = " (the ceiling)" if name == CEILING else ""
        lines.append(f"- {name}{label}: **{largest[name]}** (tried up to W={tried})")
    lines += ["", "### Against the best peer (the better of y-websocket and Hocuspocus)", ""]
    held_by_all = [
        boards
        for boards in steps
        if all(name in raw and boards in raw[name] for name in (OURS, *PEERS))
        and all(int(boards) <= largest[name] for name in PEERS if name in largest)
    ]
    at = [f"W={held_by_all[-1]} (the largest all peers held)"] if held_by_all else []
    keys = [held_by_all[-1]] if held_by_all else []
    if "4" in steps and "4" not in keys:
        at.append("W=4")
        keys.append("4")
    if at:
        lines += [
            "| journeyboard / best peer | " + " | ".join(at) + " |",
            "|---|" + "---|" * len(at),
        ]
        for key, heading in (
            ("cpu_ms_per_participant_s", "server CPU per participant-second (ms)"),
            ("content_p99_ms", "content p99 (ms)"),
            ("cursor_p99_ms", "cursor p99 (ms)"),
        ):
            lines.append(
                f"| {heading} | " + " | ".join(ratio_cells(raw, k, key) for k in keys) + " |"
            )
    best = max((largest[name] for name in PEERS if name in largest), default=0)
    if OURS in largest:
        lines += [
            "",
            f"Workshops held: journeyboard {largest[OURS]}, best peer {best}"
            + (f" ({largest[OURS] / best:.2f}×)" if best else "")
            + (f"; the relay {largest[CEILING]}" if CEILING in largest else "")
            + ".",
        ]
    for boards in steps:
        lines += [
            "",
            f"### W = {boards} ({int(boards) * load['participants']} participants, "
            f"{int(boards) * (load['participants'] + load['viewers'])} sockets)",
            "",
            "| server | held runs | "
            + " | ".join(heading for _, heading, _ in COLUMNS)
            + " | content lost | duplicates | cursor final lost |",
            "|---|---|" + "---|" * (len(COLUMNS) + 3),
        ]
        for name in names:
            results = raw[name].get(boards)
            if not results:
                continue
            cells = [figure(results, key).show(digits) for key, _, digits in COLUMNS]
            lost = sum(int(r["content_lost"]) for r in results)
            duplicates = sum(int(r["content_duplicates"]) for r in results)
            final = sum(int(r["cursor_final_lost"]) for r in results)
            lines.append(
                f"| {name} | {sum(r['held'] for r in results)}/{len(results)} | "
                + " | ".join(cells)
                + f" | {lost} | {duplicates} | {final} of {results[0]['cursor_pairs']} |"
            )
    bound = sorted(
        {
            f"{name} at W={boards}"
            for name in names
            for boards, results in raw[name].items()
            if max(float(r["generator_cpu_share"]) for r in results) > GENERATOR_BOUND
        },
        key=lambda text: (text.split(" at W=")[0], int(text.split("W=")[1])),
    )
    lines += [
        "",
        "Latency is from send to receive at every receiver (participants and viewers), by "
        "time.perf_counter in the one generator process: content over every content update "
        "and receiver, cursor over every cursor state a receiver got that was newer than the "
        "last it had from that sender. Cursor delivery share: such states received over states "
        "sent × receivers; a server that sends only the newest state per tick scores below 1 "
        "and is not penalised for it. CPU per participant-second: the server process's CPU "
        "(/proc) from the start of the load to the end of the 1 s grace, over participants × "
        "the load's seconds. RSS MB/board: the growth of the server's RSS from before the "
        "sockets connect to the end of the load, over W; RSS MB: the absolute RSS then. "
        "Generator CPU: the share of a core the generator process used during the load.",
        "",
        "Generator over "
        + f"{GENERATOR_BOUND:.0%} of a core (the figure may be the generator's, not the "
        "server's): " + ("; ".join(bound) if bound else "none") + ".",
        "",
        "Participants do not apply what they receive to their documents (only the servers "
        "integrate everyone's edits); a shared card gets concurrent inserts from its two "
        "typists. The Hocuspocus adapter prefixes every message with the document's name and "
        "sends an Auth message (any token: no extension checks it) before sync step 1; its "
        "viewers send a QueryAwareness every 15 s, as Hocuspocus closes a socket silent for 60 s.",
        *(["", str(args["note"])] if args.get("note") else []),
        "",
        "### Raw results (workshops)",
        "",
        "```json",
        json.dumps({"machine": facts, "args": args, "runs": raw}, indent=1),
        "```",
        sections.WORKSHOP_END,
    ]
    return "\n".join(lines)


def machine(versions: dict[str, str]) -> dict[str, Any]:
    """What the figures ran on (kept with the raw results, so --rerender can print it)."""
    node = subprocess.run(["node", "--version"], capture_output=True, text=True, check=False)
    try:
        loop = "uvloop " + importlib.metadata.version("uvloop")
    except importlib.metadata.PackageNotFoundError:
        loop = "asyncio"
    return {
        "date": time.strftime("%Y-%m-%d"),
        "cores": os.cpu_count(),
        "arch": platform.machine(),
        "python": platform.python_version(),
        "node": node.stdout.strip(),
        "pycrdt": importlib.metadata.version("pycrdt"),
        "generator_loop": loop,
        "load_average_before": [round(x, 2) for x in os.getloadavg()],
        "versions": versions,
    }


def parse_raw(section: str) -> dict[str, Any]:
    return dict(json.loads(section.split("```json\n", 1)[1].split("\n```", 1)[0]))


def main(argv: list[str] | None = None, prog: str = "python benchmarks/workshop.py") -> None:
    parser = argparse.ArgumentParser(prog=prog, description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of load per run")
    parser.add_argument("--boards", default="1,2,4,6,8,12,16", help="the W to step through")
    parser.add_argument(
        "--servers",
        default=",".join(DEFAULT_SERVERS),
        help=f"comma-separated, of {', '.join(SERVERS)}",
    )
    parser.add_argument("--participants", type=int, default=25, help="per workshop")
    parser.add_argument("--viewers", type=int, default=5, help="per workshop")
    parser.add_argument("--cursor-hz", type=float, default=10.0)
    parser.add_argument("--typing-interval", type=float, default=2.0, help="seconds")
    parser.add_argument("--paste-cards", type=int, default=50)
    parser.add_argument("--paste-every", type=float, default=60.0, help="seconds")
    parser.add_argument("--note", default="", help="a paragraph printed with the figures")
    parser.add_argument(
        "--pin",
        default="0,1" if len(os.sched_getaffinity(0)) >= 2 else "none",
        help="SERVER,GENERATOR: the core each server under test runs on, and the generator's "
        "(default 0,1); `none` lets them share every core",
    )
    parser.add_argument(
        "--smoke", action="store_true", help="W=1,2, 5 s, 1 run; prints (writes only --out)"
    )
    parser.add_argument("--out", default=None, help="default: docs/BENCHMARKS.md")
    parser.add_argument(
        "--rerender", action="store_true", help="rewrite the section from the raw results it holds"
    )
    args = parser.parse_args(argv)
    out = Path(args.out or ROOT / "docs" / "BENCHMARKS.md")
    if args.rerender:
        old = sections.workshop_section(out.read_text(encoding="utf-8"))
        if old is None:
            raise SystemExit(f"{out} has no workshops section")
        saved = parse_raw(old)
        command = old.split("with `", 1)[1].split("`", 1)[0]
        section = report(saved["runs"], saved["machine"], saved["args"], command)
        out.write_text(sections.with_workshop_section(out.read_text(encoding="utf-8"), section))
        print(f"rewrote the workshops section of {out}")
        return
    if args.smoke:
        args.runs, args.duration, args.boards = 1, 5.0, "1,2"
    args.boards = [int(w) for w in str(args.boards).split(",") if w.strip()]
    args.pin = parse_pinning(args.pin)
    args.servers = [name.strip() for name in args.servers.split(",") if name.strip()]
    for name in args.servers:
        if name not in SERVERS:
            raise SystemExit(f"unknown server {name!r}: one of {', '.join(SERVERS)}")
    if args.participants + args.viewers >= PER_BOARD - 1 or max(args.boards) >= 10_000:
        raise SystemExit("up to 98 sockets a workshop and 9,999 workshops (the markers' digits)")
    load = Load(
        args.participants, args.viewers, args.cursor_hz, args.typing_interval,
        args.paste_cards, args.paste_every,
    )  # fmt: skip
    command = f"{prog} " + " ".join(sys.argv[1:] if argv is None else argv)
    load_average = os.getloadavg()
    raw, versions = run(args, load)
    facts = machine(versions)
    facts["load_average_before"] = [round(x, 2) for x in load_average]
    settings: dict[str, Any] = {
        "runs": args.runs,
        "duration": args.duration,
        "boards": args.boards,
        "load": asdict(load),
        "pin": None if args.pin is None else asdict(args.pin),
    }
    if args.note:
        settings["note"] = args.note
    section = report(raw, facts, settings, command.strip())
    if args.smoke:
        print(section)
        if args.out is None:
            return
    text = out.read_text(encoding="utf-8") if out.exists() else ""
    out.write_text(sections.with_workshop_section(text, section), encoding="utf-8")
    print(f"wrote the workshops section of {out}")


if __name__ == "__main__":
    main()
