"""Cold start: a node restarted with many boards stored, then a crowd joining a big one.

    python benchmarks/coldstart.py [--runs 3] [--boards 200] [--cards 2000] [--edits 10000]
        [--writers 10] [--joiners 30] [--out docs/BENCHMARKS.md]

Setup (once): journeyboard on a fresh SQLite file; `--boards` boards created through the HTTP
API, each given a few updates over a socket; and one big board written as a long log, the way
a workshop writes it: `--writers` clients (each its own Yjs client id) create `--cards` cards,
one update per card, then make `--edits` small edits (typing and deleting one character at a
time, moving cards, changing a field), every edit its own update.

Each run: stop the node (SIGTERM, a clean shutdown) and read the file (its size, the big
board's stored rows); start it again on the same file (time to /healthz, RSS) and measure:

- *cold*: `--joiners` sockets connect to the big board at once, each sending the empty sync
  step 1 (compare.py's `_join`), and wait for their sync step 2: per joiner the time from
  the start of its connect to its step 2, and the server's CPU meanwhile;
- *warm*: those close, and while the room is still loaded (within its 10 s grace) as many
  again join the same way;
- *unloaded*: once the room has unloaded, as many again: the process is warm but the document
  must be loaded again (separates the process's own warm-up from loading the document).

Last, `pieces` times the parts of a cold join in this process, on a copy of the file: the
store's load, applying the stored updates (the server's `apply_tolerantly`), encoding the
step 2, and, for comparison, what one compacted snapshot would cost instead.

Writes its own marked section of docs/BENCHMARKS.md (benchmarks/sections.py) with the raw
results; `--rerender` rewrites it from them.
"""

# ruff: noqa: RUF001  (the report's tables use the multiplication sign and the en dash)
from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from pycrdt import Doc, Map, TransactionEvent, merge_updates

from journeyboard.stores.sqlite import COMPACT_AFTER, SQLiteStore
from journeyboard.sync.protocol import encode_sync_step2, encode_sync_update
from journeyboard.sync.updates import (
    apply_tolerantly,
    same_document,
    state_vector,
    verified_merge,
)
from journeyboard.workshop.documents import content_name, session_name

sys.path.insert(0, str(Path(__file__).resolve().parent))
import rawclient
import sections
from compare import cpu_seconds, open_documents, rss_bytes
from loadgen import SYNC_STEP1_EMPTY, percentile
from seed import LANE_WEIGHTS, PHRASES, STAGES, card_fields
from servers import (
    SECRET,
    create_board,
    free_port,
    room_url,
    start_journeyboard,
    stop,
    wait_http,
)
from spreads import WIDE, Spread

ROOT = Path(__file__).resolve().parents[1]
START = sections.COLDSTART_START
END = sections.COLDSTART_END
GOAL = 1.5
"""Cold join at most this many times the warm join (p50 and max): issue #30 (2× in #17)."""
LIMITS = (
    "--limit", "boards_per_address_per_minute=100000",
    "--limit", "joins_per_address_per_minute=100000",
    "--limit", "joins_per_address_per_board_per_minute=100000",
    "--limit", "messages_per_second=100000",
    "--limit", "message_burst=100000",
)  # fmt: skip
"""Everything comes from one address, and the setup writes faster than people type. The
joins themselves stay far below every default limit."""
GRACE_SECONDS = 10.0
"""The default grace period (the node runs with it): the warm join must start within it."""


# -- writing the boards -----------------------------------------------------------------------


def random_card(rng: random.Random, stage_ids: list[str], index: int) -> dict[str, Any]:
    kind = rng.choices(list(LANE_WEIGHTS), list(LANE_WEIGHTS.values()))[0]
    return card_fields(rng, kind, stage_ids, index)


Edit = Callable[[Doc[Any]], None]


def _cards(doc: Doc[Any]) -> Map[Any]:
    cards: Map[Any] = doc.get("cards", type=Map)
    return cards


def add_card(card_id: str, fields: dict[str, Any]) -> Edit:
    def edit(doc: Doc[Any]) -> None:
        _cards(doc)[card_id] = Map(fields)

    return edit


def type_char(card_id: str, at: int, char: str) -> Edit:
    """One keystroke at `at` (a UTF-8 offset: every text here is ASCII)."""

    def edit(doc: Doc[Any]) -> None:
        _cards(doc)[card_id]["text"].insert(at, char)

    return edit


def delete_char(card_id: str, at: int) -> Edit:
    def edit(doc: Doc[Any]) -> None:
        del _cards(doc)[card_id]["text"][at]

    return edit


def set_fields(card_id: str, fields: dict[str, Any]) -> Edit:
    def edit(doc: Doc[Any]) -> None:
        card = _cards(doc)[card_id]
        for key, value in fields.items():
            card[key] = value

    return edit


def text_length(doc: Doc[Any], card_id: str) -> int:
    return len(_cards(doc)[card_id]["text"])


class Writer:
    """One workshop participant: a Yjs document of its own (its own client id) and a socket.

    `change` runs one transaction on the writer's document, sends the update it made and
    returns it; the caller applies it to the other writers' documents, as their browsers
    would receive it.
    """

    def __init__(self, sock: rawclient.RawSocket) -> None:
        self.doc: Doc[Any] = Doc()
        self.sock = sock
        self._captured: list[bytes] = []
        self.doc.observe(self._capture)

    def _capture(self, event: TransactionEvent) -> None:
        self._captured.append(event.update)

    def change(self, edit: Edit) -> bytes:
        self._captured.clear()
        with self.doc.transaction():
            edit(self.doc)
        if not self._captured:
            raise RuntimeError("an edit that changed nothing")
        update = merge_updates(*self._captured) if len(self._captured) > 1 else self._captured[0]
        self.sock.send(encode_sync_update(update))
        return update

    def receive(self, update: bytes) -> None:
        with self.doc.transaction(origin="remote"):
            self.doc.apply_update(update)
        self._captured.clear()


@dataclass
class Written:
    """The big board's log as it was written, in order."""

    log: list[bytes] = field(default_factory=list)
    kinds: dict[str, int] = field(default_factory=dict)

    def count(self, kind: str, update: bytes) -> None:
        self.log.append(update)
        self.kinds[kind] = self.kinds.get(kind, 0) + 1

    @property
    def size(self) -> int:
        return sum(len(update) for update in self.log)


async def write_small_board(url: str, rng: random.Random, cards: int) -> int:
    """A few updates: the stages, `cards` cards one by one, a little typing."""
    sock = await rawclient.connect(url)
    sock.send(SYNC_STEP1_EMPTY)
    writer = Writer(sock)
    stage_ids = [f"s{index}" for index in range(3)]

    def stages(doc: Doc[Any]) -> None:
        target = doc.get("stages", type=Map)
        for index, stage in enumerate(stage_ids):
            target[stage] = Map({"name": STAGES[index], "pos": f"a{index:04d}"})

    sent = [writer.change(stages)]
    for index in range(cards):
        sent.append(writer.change(add_card(f"c{index}", random_card(rng, stage_ids, index))))
    for char in "ok!":
        sent.append(writer.change(type_char("c0", text_length(writer.doc, "c0"), char)))
    await asyncio.sleep(0.2)
    sock.close()
    return len(sent)


async def write_small_boards(urls: list[str], seed: int) -> int:
    rng = random.Random(seed)
    total = 0
    for start in range(0, len(urls), 20):
        done = await asyncio.gather(
            *(write_small_board(url, rng, rng.randint(3, 8)) for url in urls[start : start + 20])
        )
        total += sum(done)
    return total


async def write_big_board(
    url: str, cards: int, edits: int, writers_count: int, seed: int
) -> tuple[Written, dict[int, int]]:
    """The big board as a long log: one update per card, then one per small edit, spread over
    `writers_count` writers (each its own client id). Returns what was written and the final
    state vector.

    The writers share one socket, so the node receives every update in the order it was
    made. In a real room a client only edits what the node has sent it, so causal order
    holds there too; writers on sockets of their own would race each other here (one edits
    a card whose creation is still in flight on another's socket), which no real room does.
    """
    rng = random.Random(seed)
    sock = await rawclient.connect(url)
    sock.send(SYNC_STEP1_EMPTY)
    writers = [Writer(sock) for _ in range(writers_count)]
    written = Written()

    def run(writer: Writer, kind: str, edit: Edit) -> None:
        update = writer.change(edit)
        for other in writers:
            if other is not writer:
                other.receive(update)
        written.count(kind, update)

    stage_ids = [f"stage{index}" for index in range(len(STAGES))]

    def add_stages(doc: Doc[Any]) -> None:
        target = doc.get("stages", type=Map)
        for index, (stage, name) in enumerate(zip(stage_ids, STAGES, strict=True)):
            target[stage] = Map({"name": name, "pos": f"a{index:04d}"})

    run(writers[0], "stages", add_stages)
    card_ids = [f"{rng.getrandbits(64):016x}" for _ in range(cards)]
    for index, card_id in enumerate(card_ids):
        run(rng.choice(writers), "card", add_card(card_id, random_card(rng, stage_ids, index)))
        if index % 200 == 199:
            await asyncio.sleep(0)  # let the sockets drain
    done = 0
    words = " ".join(phrase for phrases in PHRASES.values() for phrase in phrases).split()
    while done < edits:
        writer = rng.choice(writers)
        card_id = rng.choice(card_ids)
        roll = rng.random()
        if roll < 0.75:  # type a word, one keystroke per update
            word = " " + rng.choice(words)
            at = rng.randint(0, text_length(writer.doc, card_id))
            for offset, char in enumerate(word[: edits - done]):
                run(writer, "type", type_char(card_id, at + offset, char))
                done += 1
        elif roll < 0.85:  # backspace a few characters at the end, one per update
            for _ in range(min(rng.randint(1, 4), text_length(writer.doc, card_id), edits - done)):
                run(writer, "delete", delete_char(card_id, text_length(writer.doc, card_id) - 1))
                done += 1
        elif roll < 0.97:  # drag the card: a new position, sometimes a new stage
            moved: dict[str, Any] = {"pos": f"a{rng.randrange(cards):05d}{rng.choice('hmpt')}"}
            if rng.random() < 0.4:
                moved["stage"] = rng.choice(stage_ids)
            run(writer, "move", set_fields(card_id, moved))
            done += 1
        else:  # a field: the feeling score
            run(writer, "field", set_fields(card_id, {"emotion": rng.randint(-3, 3)}))
            done += 1
        if done % 200 < 5:
            await asyncio.sleep(0)
    await asyncio.sleep(0.5)
    sock.close()
    return written, state_vector(writers[0].doc)


async def wait_synced(url: str, state: dict[int, int], patience: float = 120.0) -> bytes:
    """Join until the server's document has everything written (its state vector is `state`);
    return the step 2 it sent."""
    deadline = time.monotonic() + patience
    doc: Doc[Any] = Doc()
    while time.monotonic() < deadline:
        loop = asyncio.get_running_loop()
        answer: asyncio.Future[bytes] = loop.create_future()

        def on_frame(frame: memoryview, answer: asyncio.Future[bytes] = answer) -> None:
            if bytes(frame[:2]) == b"\x00\x01" and not answer.done():
                answer.set_result(bytes(frame))

        sock = await rawclient.connect(url, on_frame)
        sock.send(SYNC_STEP1_EMPTY)
        try:
            frame = await asyncio.wait_for(answer, 60)
        finally:
            sock.close()
        doc = Doc()
        doc.apply_update(strip_step2(frame))
        if state_vector(doc) == state:
            return frame
        await asyncio.sleep(1.0)
    raise RuntimeError(
        f"the server never caught up with what was written: {state_vector(doc)} != {state}"
    )


def strip_step2(frame: bytes) -> bytes:
    """The update inside a sync step 2 frame (message 0, sync 1, var-length payload)."""
    pos, shift, size = 2, 0, 0
    while True:
        byte = frame[pos]
        pos += 1
        size |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            break
    return frame[pos : pos + size]


# -- the store file ---------------------------------------------------------------------------


def file_facts(path: Path, board_id: str) -> dict[str, Any]:
    """What the stopped node left on disk: file sizes, and the big board's rows."""
    sizes = {
        suffix or "db": path.with_name(path.name + suffix).stat().st_size
        for suffix in ("", "-wal", "-shm")
        if path.with_name(path.name + suffix).exists()
    }
    name = content_name(board_id)
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        rows, log_bytes = conn.execute(
            "SELECT COUNT(*), COALESCE(SUM(LENGTH(data)), 0) FROM updates WHERE doc = ?", (name,)
        ).fetchone()
        snapshot = conn.execute(
            "SELECT LENGTH(data), through_id FROM snapshots WHERE doc = ?", (name,)
        ).fetchone()
        all_rows = conn.execute("SELECT COUNT(*) FROM updates").fetchone()[0]
        snapshots = conn.execute("SELECT COUNT(*) FROM snapshots").fetchone()[0]
        boards = conn.execute("SELECT COUNT(*) FROM boards").fetchone()[0]
    conn.close()
    return {
        "file_bytes": sizes,
        "big_log_rows": int(rows),
        "big_log_bytes": int(log_bytes),
        "big_snapshot_bytes": int(snapshot[0]) if snapshot else 0,
        "big_rows": int(rows) + (1 if snapshot else 0),
        "all_log_rows": int(all_rows),
        "all_snapshots": int(snapshots),
        "boards": int(boards),
    }


def compactions_refused(port: int) -> float:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        for line in response.read().decode().splitlines():
            name, _, value = line.partition(" ")
            if name in (
                "journeyboard_compactions_refused",
                "journeyboard_compactions_refused_total",
            ):
                return float(value)
    return float("nan")


# -- one measurement --------------------------------------------------------------------------


def quiet(pid: int, timeout: float) -> None:
    """compare.settle with a bounded wait: until the node is idle (under 2% of a core)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        before = cpu_seconds(pid)
        time.sleep(0.2)
        if cpu_seconds(pid) - before < 0.005:
            return


Crowd = tuple[list[float], list[int], list[rawclient.RawSocket]]


async def _crowd(url: str, joiners: int) -> Crowd:
    """`joiners` sockets at once; each one's time from connect to its sync step 2 (s), the
    sizes of those frames, and the sockets (still open)."""
    loop = asyncio.get_running_loop()

    async def one() -> tuple[float, int, rawclient.RawSocket]:
        synced: asyncio.Future[tuple[float, int]] = loop.create_future()

        def on_frame(frame: memoryview) -> None:
            if bytes(frame[:2]) == b"\x00\x01" and not synced.done():
                synced.set_result((time.perf_counter() - started, len(frame)))

        started = time.perf_counter()
        sock = await rawclient.connect(url, on_frame)
        sock.send(SYNC_STEP1_EMPTY)
        took, size = await asyncio.wait_for(synced, 120)
        return took, size, sock

    results = await asyncio.gather(*(one() for _ in range(joiners)))
    return [r[0] for r in results], [r[1] for r in results], [r[2] for r in results]


def join(url: str, pid: int, joiners: int, marks: dict[str, float] | None = None) -> dict[str, Any]:
    """One crowd joining; closes its sockets once every one of them has its step 2. `marks`
    gets when the crowd started and when its last step 2 came (`time.perf_counter`)."""

    async def go() -> tuple[list[float], list[int], float, int]:
        before = cpu_seconds(pid)
        started = time.perf_counter()
        times, sizes, socks = await _crowd(url, joiners)
        if marks is not None:
            marks.update(started=started, ended=time.perf_counter())
        used = cpu_seconds(pid) - before
        rss = rss_bytes(pid)
        for sock in socks:
            sock.close()
        await asyncio.sleep(0.1)
        return times, sizes, used, rss

    times, sizes, used, rss = asyncio.run(go())
    ms = [t * 1000 for t in times]
    return {
        "joiners": joiners,
        "p50_ms": round(percentile(ms, 0.5), 1),
        "max_ms": round(max(ms), 1),
        "min_ms": round(min(ms), 1),
        "server_cpu_s": round(used, 3),
        "step2_bytes": max(sizes),
        "rss_after_mb": round(rss / 2**20, 1),
    }


def one_run(
    store: str, db: Path, board: dict[str, Any], joiners: int, unloaded: bool
) -> dict[str, Any]:
    """Restart the node on the stored file, then the cold, warm (and unloaded) joins."""
    facts = file_facts(db, board["id"])
    started = time.perf_counter()
    process, port = start_journeyboard(store, *LIMITS)
    ready = time.perf_counter() - started
    try:
        startup_cpu = cpu_seconds(process.pid)
        result: dict[str, Any] = {
            "store": facts,
            "ready_s": round(ready, 3),
            "startup_cpu_s": round(startup_cpu, 3),
            "rss_ready_mb": round(rss_bytes(process.pid) / 2**20, 1),
        }
        quiet(process.pid, 3.0)
        result["rss_idle_mb"] = round(rss_bytes(process.pid) / 2**20, 1)
        url = room_url(port, board)
        result["cold"] = join(url, process.pid, joiners)
        closed = time.monotonic()
        quiet(process.pid, 2.0)
        result["open_documents_before_warm"] = open_documents(port)
        if time.monotonic() - closed > GRACE_SECONDS - 3:
            raise RuntimeError("the warm join would start too close to the end of the grace")
        result["warm"] = join(url, process.pid, joiners)
        result["warm"]["seconds_after_cold_closed"] = round(time.monotonic() - closed, 2)
        if unloaded:
            deadline = time.monotonic() + 40
            while open_documents(port) > 0 and time.monotonic() < deadline:
                time.sleep(0.5)
            quiet(process.pid, 3.0)
            result["open_documents_before_unloaded"] = open_documents(port)
            result["unloaded"] = join(url, process.pid, joiners)
        result["compactions_refused"] = compactions_refused(port)
        result["rss_end_mb"] = round(rss_bytes(process.pid) / 2**20, 1)
    finally:
        stop(process)
    return result


# -- the cold join inside the node -----------------------------------------------------------


def instrument(events_path: Path) -> None:
    """Wrap the cold join's steps in this process (a node about to start) to log their times.

    Nothing in the server changes: its functions are wrapped from outside before it starts.
    Each event is one JSON line: what, when it started (`time.perf_counter`, the same
    monotonic clock as the benchmark's), how long it took (ms), and details.
    """
    import gc

    from journeyboard.sync import bindings, connection, loading
    from journeyboard.sync import manager as managers
    from journeyboard.sync import room as rooms
    from journeyboard.web.admission import SocketGate

    events = events_path.open("a", buffering=1, encoding="utf-8")

    def note(what: str, started: float, **extra: Any) -> None:
        took = (time.perf_counter() - started) * 1000
        events.write(json.dumps({"what": what, "at": started, "ms": took, **extra}) + "\n")

    patched: Any = loading  # wrapped from outside: the types stay the server's
    binder: Any = bindings  # a room's client bindings are applied the same way
    room: Any = rooms.Room
    manager: Any = managers.RoomManager
    gate: Any = SocketGate
    store: Any = SQLiteStore
    apply = patched.apply_tolerantly

    def timed_apply(updates: list[bytes], *rest: Any) -> Any:
        started = time.perf_counter()
        result = apply(updates, *rest)
        note("apply_tolerantly", started, parts=len(updates))
        return result

    patched.apply_tolerantly = timed_apply
    binder.apply_tolerantly = timed_apply
    check = patched.check_stored

    def timed_check(updates: list[bytes]) -> Any:
        started = time.perf_counter()
        result = check(updates)
        note("check_stored", started, parts=len(updates))
        return result

    patched.check_stored = timed_check
    read = store.load_document

    async def timed_read(self: SQLiteStore, name: str) -> list[bytes]:
        started = time.perf_counter()
        result: list[bytes] = await read(self, name)
        note("store_load", started, doc=name, parts=len(result))
        return result

    store.load_document = timed_read
    room_load = room.load

    async def timed_room_load(self: rooms.Room) -> Any:
        started = time.perf_counter()
        result = await room_load(self)
        note("room_load", started, doc=self.name)
        return result

    room.load = timed_room_load
    open_room = manager._load

    async def timed_open(self: managers.RoomManager, name: str) -> rooms.Room:
        started = time.perf_counter()
        result: rooms.Room = await open_room(self, name)
        note("open_room", started, doc=name)
        return result

    manager._load = timed_open
    answer = room._answer_step1

    def timed_answer(self: rooms.Room, conn: connection.Connection, state: bytes) -> None:
        started = time.perf_counter()
        answer(self, conn, state)
        note("answer_step1", started, doc=self.name)

    room._answer_step1 = timed_answer
    apply_stored = getattr(room, "apply_stored", None)  # a tree that answers from stored bytes

    if apply_stored is not None:

        def timed_apply_stored(self: rooms.Room) -> None:
            pending = self.unapplied.update is not None
            started = time.perf_counter()
            apply_stored(self)
            if pending:
                note("apply_stored", started, doc=self.name)

        room.apply_stored = timed_apply_stored
    admit = gate.start

    async def timed_admit(self: SocketGate, request: Any, channel: Any) -> Any:
        started = time.perf_counter()
        result = await admit(self, request, channel)
        note("admit", started)
        return result

    gate.start = timed_admit
    collecting: dict[str, float] = {}

    def on_gc(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            collecting["at"] = time.perf_counter()
        elif "at" in collecting:
            note("gc", collecting.pop("at"), generation=info.get("generation"))

    gc.callbacks.append(on_gc)


def serve_instrumented(events_path: Path, argv: list[str]) -> None:
    """`python -m journeyboard serve ...` with `instrument` in place."""
    instrument(events_path)
    from journeyboard.cli import main as journeyboard_main

    journeyboard_main(argv)


def start_instrumented(store: str, events_path: Path) -> tuple[subprocess.Popen[bytes], int]:
    """servers.start_journeyboard, through `serve_instrumented`."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, __file__, "--serve-instrumented", str(events_path), "serve",
         "--port", str(port), "--store", store, "--log-level", "warning", *LIMITS],
        env={**os.environ, "JOURNEYBOARD_SECRET": SECRET},
    )  # fmt: skip
    wait_http(f"http://127.0.0.1:{port}/healthz")
    return process, port


def inside(store: str, board: dict[str, Any], joiners: int, folder: Path) -> dict[str, Any]:
    """One more restart, instrumented: a cold join, and the node's own account of it."""
    events_path = folder / f"events-{board['id']}.jsonl"
    events_path.unlink(missing_ok=True)
    process, port = start_instrumented(store, events_path)
    try:
        quiet(process.pid, 3.0)
        marks: dict[str, float] = {}
        result = join(room_url(port, board), process.pid, joiners, marks)
        quiet(process.pid, 1.0)
    finally:
        stop(process)
    events = [
        json.loads(line)
        for line in events_path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    joined_at, ended = marks["started"], marks["ended"]
    window = [event for event in events if joined_at <= event["at"] <= ended]
    content = content_name(board["id"])

    def first(what: str, doc: str | None = None) -> dict[str, Any] | None:
        """The earliest-starting event of a kind (events are logged as they end)."""
        found = [e for e in window if e["what"] == what and (doc is None or e.get("doc") == doc)]
        return dict(min(found, key=lambda event: event["at"])) if found else None

    def offset(event: dict[str, Any] | None) -> dict[str, float] | None:
        if event is None:
            return None
        start = (event["at"] - joined_at) * 1000
        return {"start_ms": round(start, 2), "ms": round(event["ms"], 2)}

    opened, loaded = first("open_room", content), first("room_load", content)
    constructed = None
    if opened is not None and loaded is not None:  # from `_load`'s start to `Room.load`'s
        constructed = {"at": opened["at"], "ms": (loaded["at"] - opened["at"]) * 1000}
    answers = sorted(
        (e for e in window if e["what"] == "answer_step1" and e.get("doc") == content),
        key=lambda event: event["at"],
    )
    gcs = [event for event in window if event["what"] == "gc"]
    admits = [event for event in window if event["what"] == "admit"]
    return {
        "join": result,
        "first_admit_done": offset(first("admit")),
        "content_store_load": offset(first("store_load", content)),
        "content_check": offset(first("check_stored")),  # only past 64 KiB: the content's
        "content_apply": offset(first("apply_tolerantly")),  # the session's comes after
        "content_construct": offset(constructed),
        "content_room_load": offset(first("room_load", content)),
        "session_open": offset(first("open_room", session_name(board["id"]))),
        "content_open": offset(first("open_room", content)),
        "first_answer_step1": offset(answers[0]) if answers else None,
        "content_apply_stored": offset(first("apply_stored", content)),
        "answers_after_first_ms": round(sum(e["ms"] for e in answers[1:]), 2),
        "answers": len(answers),
        "admits": len(admits),
        "gc_pauses": len(gcs),
        "gc_ms": round(sum(event["ms"] for event in gcs), 2),
        "gc_in_join": [
            {**(offset(event) or {}), "generation": event.get("generation")} for event in gcs
        ],
        "gc_by_generation": {
            str(g): round(sum(e["ms"] for e in gcs if e.get("generation") == g), 2)
            for g in sorted({e.get("generation") for e in gcs}, key=str)
        },
    }


# -- the pieces, in this process --------------------------------------------------------------


def reencode_and_prove(doc: Doc[Any]) -> bytes:
    """A compaction that stores the loaded document's own encoding: encode it, build a fresh
    document from that, and prove the two the same (as `verified_merge`'s fallback does)."""
    encoded = doc.get_update()
    again: Doc[Any] = Doc()
    again.apply_update(encoded)
    if not same_document(doc, again):
        raise RuntimeError("the re-encoded document differs")
    return encoded


def _best(times: list[float]) -> dict[str, float]:
    """The first time (the one a fresh process pays), the median and the best."""
    return {
        "first_ms": round(times[0] * 1000, 2),
        "median_ms": round(statistics.median(times) * 1000, 2),
        "min_ms": round(min(times) * 1000, 2),
    }


def pieces(db: Path, board_id: str, repeats: int = 5) -> dict[str, Any]:
    """Time the parts of a cold join of the big board, on a copy of the stopped node's file,
    in a fresh Python process (as the restarted node is: its first apply is its slowest).

    The same code the server runs: `SQLiteStore.load` (its reader thread), `apply_tolerantly`
    (what `Room.load` applies the updates with), `Doc.get_update` and `encode_sync_step2` (what
    `_answer_step1` sends). Then the same for the board's session document, which the first
    content socket opens too. And, for the fix: `verified_merge` (what a compaction costs),
    a compaction by re-encoding the loaded document, and applying and encoding one compacted
    snapshot instead of the log.
    """
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "copy.db"
        shutil.copyfile(db, copy)
        done = subprocess.run(
            [sys.executable, __file__, "--pieces", str(copy), board_id, "--runs", str(repeats)],
            capture_output=True,
            text=True,
            check=True,
        )
    return dict(json.loads(done.stdout))


async def _pieces(db: Path, board_id: str, repeats: int) -> dict[str, Any]:
    name, session = content_name(board_id), session_name(board_id)
    has_snapshot = file_facts(db, board_id)["big_snapshot_bytes"] > 0
    out: dict[str, Any] = {}
    timings: dict[str, list[float]] = {}

    def timed(key: str, work: Callable[[], Any]) -> Any:
        started = time.perf_counter()
        value = work()
        timings.setdefault(key, []).append(time.perf_counter() - started)
        return value

    async def timed_async(key: str, work: Callable[[], Any]) -> Any:
        started = time.perf_counter()
        value = await work()
        timings.setdefault(key, []).append(time.perf_counter() - started)
        return value

    out["anyio_backend_imported_before"] = "anyio._backends._asyncio" in sys.modules
    timed("first_doc_in_loop", Doc)  # pycrdt's Doc asks anyio for the running backend
    timed("first_doc_in_loop", Doc)
    store = SQLiteStore(db)
    await timed_async("store_start", store.start)
    try:
        updates: list[bytes] = []
        for _ in range(repeats):
            loaded = await timed_async("load_content", lambda: store.load(name))
            updates = loaded.updates
            await timed_async("load_session", lambda: store.load(session))
            await timed_async("get_board", lambda: store.get_board(board_id))
            store._boards.clear()  # the board cache: empty after a restart
        out["stored_parts"] = len(updates)
        out["stored_bytes"] = sum(len(update) for update in updates)
        doc: Doc[Any] = Doc()
        for _ in range(repeats):
            doc, skipped = timed("apply_tolerantly", lambda: apply_tolerantly(updates))
            assert not skipped
        plain: Doc[Any] = Doc()
        for _ in range(repeats):
            plain = Doc()

            def apply_each(target: Doc[Any] = plain) -> None:
                with target.transaction():
                    for update in updates:
                        target.apply_update(update)

            timed("apply_each_in_one_transaction", apply_each)
        if has_snapshot and len(updates) > 1:
            for _ in range(repeats):
                timed("apply_snapshot_only", lambda: Doc().apply_update(updates[0]))
                timed("apply_log_only", lambda: apply_tolerantly(updates[1:]))
        encoded = b""
        for _ in range(repeats):
            encoded = timed("encode_update", doc.get_update)
            timed("encode_step2_frame", partial(encode_sync_step2, encoded))
            timed("get_state", doc.get_state)
        out["step2_update_bytes"] = len(encoded)
        # The fix: one compacted snapshot in place of the log.
        snapshot: bytes | None = None
        for _ in range(max(1, repeats // 2)):
            snapshot = timed("verified_merge", lambda: verified_merge(updates))
        assert snapshot is not None
        for _ in range(repeats):
            timed("merge_updates", lambda: merge_updates(*updates))
        for _ in range(repeats):
            timed("reencode_and_prove", partial(reencode_and_prove, doc))
        out["snapshot_bytes"] = len(snapshot)
        compacted: Doc[Any] = Doc()
        for _ in range(repeats):
            compacted, _ = timed("apply_compacted_snapshot", lambda: apply_tolerantly([snapshot]))
        for _ in range(repeats):
            timed("encode_from_compacted", compacted.get_update)
        for _ in range(repeats):
            timed("apply_step2_encoding", lambda: apply_tolerantly([encoded]))
    finally:
        await store.close()
    out["timings"] = {key: _best(values) for key, values in timings.items()}
    return out


# -- the run ----------------------------------------------------------------------------------


VARIANTS = {
    "compacted": "as the node stored it (compacted every "
    f"{COMPACT_AFTER} appends: a snapshot and the log since)",
    "long_log": "the same updates as a long log, no snapshot (compaction never ran)",
}
"""The big board twice over: what the node itself left, and the log the brief asks about."""


async def store_long_log(db: Path, name: str, log: list[bytes]) -> None:
    """Append `log` to a document through the store itself, with its compaction off."""
    async with SQLiteStore(db, compact_after=len(log) + 1) as store:
        await asyncio.gather(*(store.append_update(name, update) for update in log))


def run(args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    db = folder / "cold.db"
    store = f"sqlite:///{db}"
    setup: dict[str, Any] = {}
    started = time.perf_counter()
    process, port = start_journeyboard(store, *LIMITS)
    try:
        boards = [create_board(port, template="blank") for _ in range(args.boards)]
        setup["small_board_updates"] = asyncio.run(
            write_small_boards([room_url(port, b) for b in boards], args.seed)
        )
        big = {"compacted": create_board(port, template="blank")}
        big["long_log"] = create_board(port, template="blank")
        url = room_url(port, big["compacted"])
        written, state = asyncio.run(
            write_big_board(url, args.cards, args.edits, args.writers, args.seed)
        )
        step2 = asyncio.run(wait_synced(url, state))
        setup.update(
            {
                "big_updates_written": len(written.log),
                "big_bytes_written": written.size,
                "big_kinds": written.kinds,
                "writers": args.writers,
                "big_step2_bytes": len(step2),
                "compactions_refused": compactions_refused(port),
            }
        )
    finally:
        stop(process)
    asyncio.run(store_long_log(db, content_name(big["long_log"]["id"]), written.log))
    setup["seconds"] = round(time.perf_counter() - started, 1)
    print(f"setup {json.dumps(setup)}", file=sys.stderr)
    runs: dict[str, list[dict[str, Any]]] = {variant: [] for variant in VARIANTS}
    for number in range(args.runs):
        for variant in VARIANTS:  # interleaved: a restart for each
            result = one_run(store, db, big[variant], args.joiners, not args.no_unloaded)
            print(f"run {number + 1} {variant} {json.dumps(result)}", file=sys.stderr)
            runs[variant].append(result)
    found: dict[str, Any] = {}
    for variant, board in big.items():
        found[variant] = pieces(db, board["id"])
        found[variant]["inside"] = inside(store, board, args.joiners, folder)
        print(f"pieces {variant} {json.dumps(found[variant])}", file=sys.stderr)
    return {"setup": setup, "runs": runs, "pieces": found}


# -- the report -------------------------------------------------------------------------------


def spread(runs: list[dict[str, Any]], phase: str, key: str) -> Spread:
    return Spread.of([float(r[phase][key]) for r in runs if phase in r])


def ratios(runs: list[dict[str, Any]], key: str, over: str = "warm", top: str = "cold") -> Spread:
    """Run i's cold figure over run i's warm one (seconds apart, in one process)."""
    return Spread.of([float(r[top][key]) / float(r[over][key]) for r in runs])


def machine() -> dict[str, Any]:
    return {
        "date": time.strftime("%Y-%m-%d"),
        "cores": os.cpu_count(),
        "arch": platform.machine(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "load_average_before": [round(x, 2) for x in os.getloadavg()],
    }


PIECE_LABELS = (
    ("first_doc_in_loop", "the process's first `pycrdt.Doc()` in the event loop (then a second)"),
    ("load_content", "`SQLiteStore.load` of the content document (reader thread, one query)"),
    ("apply_tolerantly", "applying the stored parts (`apply_tolerantly`, as `Room.load` does)"),
    ("apply_snapshot_only", "… of which the stored snapshot alone"),
    ("apply_log_only", "… of which the log after it alone"),
    ("encode_update", "encoding the full state (`Doc.get_update`, the step 2 of `_answer_step1`)"),
    ("encode_step2_frame", "framing the step 2 (`encode_sync_step2`)"),
    ("load_session", "`SQLiteStore.load` of the session document (opened with the first socket)"),
    ("get_board", "`get_board` from SQLite (the board cache is empty after a restart)"),
    ("verified_merge", "a compaction's proof (`verified_merge` of the stored parts)"),
    ("merge_updates", "… of which `merge_updates` alone"),
    ("reencode_and_prove", "a compaction by re-encoding the loaded document, with its proof"),
    ("apply_compacted_snapshot", "applying one compacted snapshot instead"),
    ("apply_step2_encoding", "applying the re-encoded state (`Doc.get_update`) instead"),
    ("encode_from_compacted", "encoding from a document built from that snapshot"),
)


def _store_line(variant: str, store: dict[str, Any], written: int) -> str:
    rows = store["big_log_rows"]
    snapshot = store["big_snapshot_bytes"]
    held = f"a snapshot of {snapshot / 1024:.0f} KB and " if snapshot else "no snapshot, "
    return (
        f"- *{variant}*, {VARIANTS[variant]}: {store['big_rows']} rows, {held}{rows} logged "
        f"updates ({store['big_log_bytes'] / 1024:.0f} KB) of the {written} written."
    )


INSIDE_LABELS = (
    ("first_admit_done", "admission of the first socket (`SocketGate.start`, room open included)"),
    ("content_open", "opening the content room (`RoomManager._load`: load, then `on_open`)"),
    ("content_construct", "… `Room(...)`: its first `pycrdt.Doc` imports anyio's backend"),
    ("content_room_load", "… `Room.load`"),
    ("content_store_load", "… … `SQLiteStore.load_document`"),
    ("content_check", "… … `check_stored` (what yjs can read; a worker thread)"),
    ("content_apply", "… … `apply_tolerantly`"),
    ("session_open", "… opening the session room (`on_open`)"),
    ("first_answer_step1", "the first `_answer_step1` (encodes the step 2)"),
    (
        "content_apply_stored",
        "applying the stored snapshot the joiners were answered from (`Room.apply_stored`)",
    ),
)


def inside_lines(inside: dict[str, Any]) -> list[str]:
    """The instrumented cold join: when each step started after the crowd did, and how long."""
    join = inside["join"]
    lines = [
        f"In the node (one more restart, its functions wrapped from outside, "
        f"benchmarks/coldstart.py `instrument`): a cold join of {join['joiners']}, p50 "
        f"{join['p50_ms']:g} ms, max {join['max_ms']:g} ms. Times from the moment the crowd "
        "started connecting:",
        "",
        "| step | starts at ms | takes ms |",
        "|---|---|---|",
    ]
    for key, label in INSIDE_LABELS:
        step = inside.get(key)
        if step is not None:
            lines.append(f"| {label} | {step['start_ms']:g} | {step['ms']:g} |")
    lines += [
        f"| the other {inside['answers'] - 1} `_answer_step1` (the cached frame), together | – | "
        f"{inside['answers_after_first_ms']:g} |",
        f"| garbage collection during the join ({inside['gc_pauses']} pauses) | – | "
        f"{inside['gc_ms']:g} |",
    ]
    return lines


def report(raw: dict[str, Any], facts: dict[str, Any], args: dict[str, Any], command: str) -> str:
    setup, all_runs, found = raw["setup"], raw["runs"], raw["pieces"]
    variants = [variant for variant in VARIANTS if all_runs.get(variant)]
    first = all_runs[variants[0]][0]
    store, joiners = first["store"], first["cold"]["joiners"]
    every = [run for variant in variants for run in all_runs[variant]]
    kinds = ", ".join(f"{count} {kind}" for kind, count in setup["big_kinds"].items())
    written = setup["big_updates_written"]
    lines = [
        START,
        "## Cold start: a restarted node, then a crowd joining its biggest board",
        "",
        f"Measured {facts['date']} with `{command}` (benchmarks/coldstart.py). One journeyboard "
        f"node on SQLite holding {store['boards']} boards: {args['boards']} small ones, given "
        f"{setup['small_board_updates']} updates over sockets in all, and a big board of "
        f"{args['cards']} cards written by {setup['writers']} clients (each its own Yjs client "
        f"id), one update per change: {written} updates ({kinds}; "
        f"{setup['big_bytes_written'] / 1024:.0f} KB), sent over a socket to the node. The "
        "same updates are also stored as a long log on a second board, through "
        "`SQLiteStore.append_update` with compaction off, as a log stands when compaction "
        "never ran or was refused. Each run restarts the node (SIGTERM, a clean shutdown, "
        f"then a new process on the same file) once per variant, and {joiners} sockets join "
        "that variant's board at once (empty sync step 1, benchmarks/rawclient.py): *cold* "
        "right after the restart; *warm* once those have closed, while the room is still "
        "loaded (within the 10 s grace); *unloaded* once the room has unloaded, the process "
        "warm. Warm joiners get the step 2 the cold ones left in the room's cache (the "
        "document did not change since); unloaded ones, like cold ones, a fresh room's first "
        "encoding. A joiner's time runs from the start of its connect to its sync step 2; server "
        f"CPU is the node's, over the whole join. {args['runs']} runs; each cell is the median "
        f"over the runs, the spread (min–max) in brackets, ⚠ a spread over {WIDE:.0%} of the "
        "median.",
        "",
        f"- Machine: {facts['cores']} cores, {facts['arch']}, Python {facts['python']}, SQLite "
        f"{facts['sqlite']}; load average "
        f"{' / '.join(str(x) for x in facts['load_average_before'])} (1 / 5 / 15 min) before "
        "the run. The cores are shared with the benchmark's own process and with other work.",
        f"- On disk after a clean shutdown: "
        f"{', '.join(f'{k} {v / 2**20:.1f} MB' for k, v in store['file_bytes'].items())}; "
        f"{store['all_log_rows']} logged updates and {store['all_snapshots']} "
        f"snapshot{'' if store['all_snapshots'] == 1 else 's'} in all. "
        f"Compactions refused while the node was written to: {setup['compactions_refused']:g}.",
        *(_store_line(v, all_runs[v][0]["store"], written) for v in variants),
        f"- The step 2 each joiner receives: {first['cold']['step2_bytes'] / 1024:.0f} KB.",
        "- Node start (restarted to /healthz, polled every 50 ms): "
        f"{Spread.of([r['ready_s'] for r in every]).show(2, ' s')}, "
        f"{Spread.of([r['startup_cpu_s'] for r in every]).show(2, ' s')} CPU, RSS "
        f"{Spread.of([r['rss_idle_mb'] for r in every]).show(1, ' MB')} once idle.",
        "",
        "| board | join | p50 ms | max ms | server CPU s | RSS after MB |",
        "|---|---|---|---|---|---|",
    ]
    for variant in variants:
        runs = all_runs[variant]
        for phase in ("cold", "warm", "unloaded"):
            if phase in runs[0]:
                lines.append(
                    f"| {variant} | {phase} | {spread(runs, phase, 'p50_ms').show()} | "
                    f"{spread(runs, phase, 'max_ms').show()} | "
                    f"{spread(runs, phase, 'server_cpu_s').show(3)} | "
                    f"{spread(runs, phase, 'rss_after_mb').show()} |"
                )
    lines += [
        "",
        f"Goal: a cold join at most {GOAL:g}× the warm join. Cold over warm, run by run (the "
        "median and spread of the ratios); *unloaded / warm* is the same with the process "
        "warm, what the document alone costs:",
        "",
        "| board | figure | cold / warm | unloaded / warm | target | met |",
        "|---|---|---|---|---|---|",
    ]
    verdicts: list[str] = []
    for variant in variants:
        runs = all_runs[variant]
        for key, label in (("p50_ms", "p50"), ("max_ms", "max")):
            cold = ratios(runs, key)
            unloaded = (
                ratios(runs, key, over="warm", top="unloaded").show(1, "×")
                if "unloaded" in runs[0]
                else "–"
            )
            met = cold.median <= GOAL
            verdicts.append(f"{variant} {label} {'met' if met else 'missed'}")
            lines.append(
                f"| {variant} | {label} | {cold.show(1, '×')} | {unloaded} | ≤ {GOAL:g}× | "
                f"{'yes' if met else 'no'} |"
            )
    lines += ["", f"Goal: {'; '.join(verdicts)}."]
    for variant in variants:
        part = found[variant]
        timings = part["timings"]
        lines += [
            "",
            f"### Where the cold time goes: {variant} ({part['stored_parts']} stored parts, "
            f"{part['stored_bytes'] / 1024:.0f} KB)",
            "",
            "The code the server runs on a cold join, timed on a copy of the stopped node's "
            "file in a fresh Python process: the first time (what the restarted node pays), "
            "then the median and the best of a few repeats.",
            "",
            "| piece | first ms | median ms | min ms |",
            "|---|---|---|---|",
        ]
        for key, label in PIECE_LABELS:
            if key in timings:
                t = timings[key]
                lines.append(
                    f"| {label} | {t['first_ms']:g} | {t['median_ms']:g} | {t['min_ms']:g} |"
                )
        if "inside" in part:
            lines += ["", *inside_lines(part["inside"])]
        lines += [
            "",
            f"The state encoded for a step 2 is {part['step2_update_bytes'] / 1024:.0f} KB; "
            f"one compacted snapshot (`verified_merge`) of the stored parts is "
            f"{part['snapshot_bytes'] / 1024:.0f} KB.",
        ]
    lines += [
        *(["", str(args["note"])] if args.get("note") else []),
        "",
        "### Raw results (cold start)",
        "",
        "```json",
        json.dumps({"machine": facts, "args": args, **raw}, indent=1),
        "```",
        END,
    ]
    return "\n".join(lines)


def parse_raw(section: str) -> dict[str, Any]:
    return dict(json.loads(section.split("```json\n", 1)[1].split("\n```", 1)[0]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--boards", type=int, default=200, help="small boards besides the big one")
    parser.add_argument("--cards", type=int, default=2000)
    parser.add_argument("--edits", type=int, default=10000, help="small edits after the cards")
    parser.add_argument("--writers", type=int, default=10, help="clients writing the big board")
    parser.add_argument("--joiners", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-unloaded", action="store_true", help="skip the unloaded join")
    parser.add_argument("--note", default="", help="a paragraph printed with the figures")
    parser.add_argument("--out", default=str(ROOT / "docs" / "BENCHMARKS.md"))
    parser.add_argument(
        "--rerender", action="store_true", help="rewrite the section from the raw results it holds"
    )
    parser.add_argument(
        "--pieces", nargs=2, metavar=("DB", "BOARD"), help=argparse.SUPPRESS
    )  # internal: `pieces` in a fresh process, --runs repeats; prints JSON
    if sys.argv[1:2] == ["--serve-instrumented"]:  # internal: a node for `inside`
        serve_instrumented(Path(sys.argv[2]), sys.argv[3:])
        return
    args = parser.parse_args()
    if args.pieces:
        print(json.dumps(asyncio.run(_pieces(Path(args.pieces[0]), args.pieces[1], args.runs))))
        return
    out = Path(args.out)
    if args.rerender:
        old = sections.marked_section(out.read_text(encoding="utf-8"), START, END)
        if old is None:
            raise SystemExit(f"{out} has no cold-start section")
        saved = parse_raw(old)
        command = old.split("with `", 1)[1].split("`", 1)[0]
        section = report(saved, saved.pop("machine"), saved.pop("args"), command)
        text = out.read_text(encoding="utf-8")
        out.write_text(sections.with_marked_section(text, section, START, END), encoding="utf-8")
        print(f"rewrote the cold-start section of {out}")
        return
    command = ("python benchmarks/coldstart.py " + " ".join(sys.argv[1:])).strip()
    facts = machine()
    with tempfile.TemporaryDirectory() as tmp:
        raw = run(args, Path(tmp))
    settings: dict[str, Any] = {
        key: getattr(args, key)
        for key in ("runs", "boards", "cards", "edits", "writers", "joiners", "seed")
    }
    if args.note:
        settings["note"] = args.note
    section = report(raw, facts, settings, command)
    text = out.read_text(encoding="utf-8") if out.exists() else ""
    out.write_text(sections.with_marked_section(text, section, START, END), encoding="utf-8")
    print(f"wrote the cold-start section of {out}")


if __name__ == "__main__":
    main()
