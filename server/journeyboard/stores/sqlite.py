"""The embedded default store: one SQLite file in WAL mode with group commit.

All writes go through one writer thread: callers queue operations, and the writer runs every
operation queued since its last commit in a single transaction (group commit), then resolves
their futures on the event loop. Reads run on a second thread with their own connection, so the
event loop never blocks on disk.

One process owns the file (docs/DECISIONS.md): the store takes an exclusive `flock` on
`<file>.lock` beside it when it starts, and a second process on the same file is refused with
a clear error instead of splitting its boards between two memories. The database and its
`-wal` and `-shm` files are private to the server's user (0600, like `secret.key`): they hold
raw blind votes.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import logging
import os
import queue
import sqlite3
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from journeyboard.stores.base import Store
from journeyboard.stores.records import BoardRecord, Mark, MetricsRecord, PersonRecord, Picture
from journeyboard.sync.ports import StoreError
from journeyboard.tasks import Background, Job

log = logging.getLogger(__name__)

T = TypeVar("T")
Operation = Callable[[sqlite3.Connection], Any]

SCHEMA = """
CREATE TABLE IF NOT EXISTS updates (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    doc TEXT NOT NULL,
    data BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS updates_by_doc ON updates (doc, id);
CREATE TABLE IF NOT EXISTS snapshots (
    doc TEXT PRIMARY KEY,
    data BLOB NOT NULL,
    through_id INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS quarantine (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    doc TEXT NOT NULL,
    data BLOB NOT NULL,
    reason TEXT NOT NULL,
    at_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS seals (
    doc TEXT PRIMARY KEY,
    data BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS boards (
    id TEXT PRIMARY KEY,
    data TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS marks (
    board_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    person_id TEXT NOT NULL,
    card TEXT NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (board_id, kind, person_id, card)
);
CREATE TABLE IF NOT EXISTS metrics (
    board_id TEXT PRIMARY KEY,
    data TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS people (
    board_id TEXT NOT NULL,
    id TEXT NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (board_id, id)
);
"""

MIGRATIONS: tuple[str, ...] = (
    # 1: workshops of journeys. Every board made before is the root journey of a workshop of
    # its own (the workshop's id is its id), so its people, links and marks stay where they
    # are; persona pictures get a table.
    """
    ALTER TABLE boards ADD COLUMN workshop TEXT;
    UPDATE boards SET workshop = id WHERE workshop IS NULL;
    CREATE INDEX IF NOT EXISTS boards_by_workshop ON boards (workshop);
    CREATE TABLE IF NOT EXISTS pictures (
        board_id TEXT PRIMARY KEY,
        media_type TEXT NOT NULL,
        data BLOB NOT NULL
    );
    """,
)
"""Steps after SCHEMA, one per entry; the file records how many it has (`user_version`)."""

COMPACT_AFTER = 500
"""Log entries of one document after which the writer compacts it."""

BOARD_CACHE_SIZE = 4096
"""Board records kept in memory (a few hundred bytes each)."""


@dataclass(slots=True)
class _Pending:
    operation: Operation
    future: asyncio.Future[Any]


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA busy_timeout=5000")
    return conn


PRIVATE_MODE = 0o600
"""The mode of the database, its -wal, -shm and -journal files, and the lock file."""

SIDE_FILES = ("-wal", "-shm", "-journal")


def lock_path(path: Path) -> Path:
    return path.with_name(path.name + ".lock")


def take_lock(path: Path) -> int:
    """Hold an exclusive lock on `<path>.lock` for this process; raise StoreError when another
    process holds it. The kernel lets go of it when the process ends, even by kill -9."""
    lock = lock_path(path)
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, PRIVATE_MODE)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
        os.close(fd)
        by = f" (pid {holder})" if holder.isdigit() else ""
        raise StoreError(
            f"another journeyboard process{by} is using {path} (it holds {lock}); stop it "
            "first, or give this one its own file: two processes on one SQLite file would "
            "split its boards"
        ) from None
    except BaseException:
        os.close(fd)
        raise
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
    return fd


def release_lock(fd: int) -> None:
    with contextlib.suppress(OSError):
        fcntl.flock(fd, fcntl.LOCK_UN)
    os.close(fd)


def make_private(path: Path) -> None:
    """Create the database file 0600 if it is new (SQLite then creates its -wal and -shm
    files with the same mode), and take group and other access from existing ones."""
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_MODE))
    for name in (path.name, *(path.name + suffix for suffix in SIDE_FILES)):
        with contextlib.suppress(FileNotFoundError):
            os.chmod(path.with_name(name), PRIVATE_MODE)


def _execute(sql: str, *params: object) -> Operation:
    def run(conn: sqlite3.Connection) -> None:
        conn.execute(sql, params)

    return run


def _insert_update(name: str, update: bytes) -> Operation:
    def run(conn: sqlite3.Connection) -> int:
        cursor = conn.execute("INSERT INTO updates (doc, data) VALUES (?, ?)", (name, update))
        return cursor.lastrowid or 0

    return run


@dataclass(frozen=True, slots=True)
class _CompactionRead:
    """What a compaction read of one document: its snapshot (and the log id it covers), and
    the log entries after it."""

    through_id: int | None
    """The snapshot's `through_id` (None: the document has no snapshot)."""
    ids: list[int]
    parts: list[bytes]
    """The snapshot (if any), then the entries, oldest first."""


def _compaction_read(name: str) -> Operation:
    def run(conn: sqlite3.Connection) -> _CompactionRead:
        row = conn.execute(
            "SELECT data, through_id FROM snapshots WHERE doc = ?", (name,)
        ).fetchone()
        entries = conn.execute(
            "SELECT id, data FROM updates WHERE doc = ? ORDER BY id", (name,)
        ).fetchall()
        return _CompactionRead(
            int(row[1]) if row else None,
            [int(entry_id) for entry_id, _ in entries],
            ([bytes(row[0])] if row else []) + [bytes(data) for _, data in entries],
        )

    return run


def _compaction_install(name: str, read: _CompactionRead, snapshot: bytes) -> Operation:
    """Replace snapshot and log entries by `snapshot`, proven from `read`, if nothing that
    read covers changed since (a quarantine, a deletion, another compaction): False then,
    and the log stays as it is. Entries appended since stay after the new snapshot (the ids
    are AUTOINCREMENT: never reused)."""

    def run(conn: sqlite3.Connection) -> bool:
        row = conn.execute("SELECT through_id FROM snapshots WHERE doc = ?", (name,)).fetchone()
        last_id = read.ids[-1]
        ids = conn.execute(
            "SELECT id FROM updates WHERE doc = ? AND id <= ? ORDER BY id", (name, last_id)
        ).fetchall()
        through_id = int(row[0]) if row else None
        if through_id != read.through_id or [int(i) for (i,) in ids] != read.ids:
            return False
        conn.execute(
            "INSERT INTO snapshots (doc, data, through_id) VALUES (?, ?, ?) "
            "ON CONFLICT (doc) DO UPDATE SET data = excluded.data, "
            "through_id = excluded.through_id",
            (name, snapshot, last_id),
        )
        conn.execute("DELETE FROM updates WHERE doc = ? AND id <= ?", (name, last_id))
        return True

    return run


def _quarantine(name: str, update: bytes, reason: str) -> Operation:
    def run(conn: sqlite3.Connection) -> None:
        conn.execute(
            "INSERT INTO quarantine (doc, data, reason, at_ms) VALUES (?, ?, ?, ?)",
            (name, update, reason, int(time.time() * 1000)),
        )
        conn.execute("DELETE FROM updates WHERE doc = ? AND data = ?", (name, update))
        conn.execute("DELETE FROM snapshots WHERE doc = ? AND data = ?", (name, update))

    return run


class _Thread:
    """One thread that runs calls from the event loop in order and answers on the loop.

    It does what `loop.run_in_executor` on a one-thread pool does, with less on the way: a
    `SimpleQueue` in, `call_soon_threadsafe` back, and no concurrent Future, lock or condition
    per call. Every update crosses to the writer and back before anyone may see it, so this
    round trip is on the latency path (docs/DECISIONS.md "Group commit").
    """

    def __init__(self, name: str) -> None:
        self._inbox: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def post(self, work: Callable[[], T], reply: Callable[[bool, T | BaseException], None]) -> None:
        """Run `work` on the thread, then `reply(ok, value or exception)` on the loop."""
        self._inbox.put(_Job(work, reply, asyncio.get_running_loop()))

    def call(self, work: Callable[[], T]) -> asyncio.Future[T]:
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()

        def reply(ok: bool, value: Any) -> None:
            if future.done():
                return
            if ok:
                future.set_result(value)
            else:
                future.set_exception(value)

        self.post(work, reply)
        return future

    def _run(self) -> None:
        while (job := self._inbox.get()) is not None:
            try:
                outcome: tuple[bool, Any] = (True, job.work())
            except Exception as exc:
                outcome = (False, exc)
            with contextlib.suppress(RuntimeError):  # the loop is gone: nobody is waiting
                job.loop.call_soon_threadsafe(job.reply, *outcome)

    async def stop(self) -> None:
        """Finish what was posted, then end the thread."""
        self._inbox.put(None)
        await asyncio.get_running_loop().run_in_executor(None, self._thread.join)


@dataclass(slots=True)
class _Job:
    work: Callable[[], Any]
    reply: Callable[[bool, Any], None]
    loop: asyncio.AbstractEventLoop


def migrate(conn: sqlite3.Connection) -> None:
    """Bring the file to the newest schema, each step in one transaction with its number."""
    (current,) = conn.execute("PRAGMA user_version").fetchone()
    if current > len(MIGRATIONS):
        raise StoreError(
            f"the database has schema version {current}, newer than this journeyboard knows "
            f"({len(MIGRATIONS)}): upgrade journeyboard"
        )
    for version in range(current + 1, len(MIGRATIONS) + 1):
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in MIGRATIONS[version - 1].split(";"):
                if statement.strip():
                    conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {version:d}")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")


class SQLiteStore(Store):
    """Store documents (`UpdateLog`) and board records (`BoardRecords`) in one SQLite file."""

    def __init__(self, path: Path, *, compact_after: int = COMPACT_AFTER) -> None:
        super().__init__()
        self.path = path
        self.compact_after = compact_after
        self._writer_thread: _Thread | None = None
        self._reader_thread: _Thread | None = None
        self._compactions: dict[str, Job[bool]] = {}
        """The compaction running for each document (at most one each)."""
        self._background = Background("the SQLite store")
        """The compactions: owned from `start` to `close`."""
        self._writer: sqlite3.Connection | None = None
        self._reader: sqlite3.Connection | None = None
        self._queue: list[_Pending] = []
        self._writing = False
        """A batch is on the writer thread; what is queued meanwhile goes in the next one."""
        self._dispatch_scheduled = False
        self._drained: asyncio.Event | None = None
        self._log_lengths: dict[str, int] = {}
        self._boards: OrderedDict[str, str] = OrderedDict()
        """Board records (their JSON) as last committed, most recently used last. This process
        owns the file (docs/DECISIONS.md), so nothing else can change them behind its back."""
        self._board_writes = 0
        self._closing = False
        self._closing_lock = asyncio.Lock()
        """A second caller of `close` waits for the first close to finish."""
        self._lock: int | None = None
        """The file descriptor holding the lock on `<file>.lock` while the store is open."""

    # lifecycle ----------------------------------------------------------------------------

    async def start(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = take_lock(self.path)
        try:
            make_private(self.path)
            self._writer_thread = _Thread("sqlite-writer")
            self._reader_thread = _Thread("sqlite-reader")
            self._open_compactor()
            self._background = Background("the SQLite store")
            await self._background.__aenter__()
            self._writer = await self._writer_thread.call(self._open_writer)
            self._reader = await self._reader_thread.call(lambda: _connect(self.path))
        except BaseException:
            release_lock(self._lock)
            self._lock = None
            raise

    def _open_writer(self) -> sqlite3.Connection:
        conn = _connect(self.path)
        conn.executescript(SCHEMA)
        migrate(conn)
        return conn

    async def close(self) -> None:
        async with self._closing_lock:
            if self._writer_thread is None or self._reader_thread is None:
                return
            await self._close(self._writer_thread, self._reader_thread)

    async def _close(self, writer_thread: _Thread, reader_thread: _Thread) -> None:
        """Safe to run again after a cancelled run: each step is done once."""
        self._closing = True
        await self._background.settle()  # compactions install before the writer stops
        if self._writing or self._queue:
            self._drained = asyncio.Event()
            await self._drained.wait()
        if self._writer is not None:
            await writer_thread.call(self._writer.close)
            self._writer = None
        if self._reader is not None:
            await reader_thread.call(self._reader.close)
            self._reader = None
        await writer_thread.stop()
        await reader_thread.stop()
        await self._close_compactor()
        await self._background.__aexit__(None, None, None)
        self._writer_thread = self._reader_thread = None
        if self._lock is not None:
            release_lock(self._lock)
            self._lock = None

    async def ping(self) -> None:
        await self._read(lambda conn: conn.execute("SELECT 1").fetchone())

    # the writer ---------------------------------------------------------------------------

    def _submit(self, operation: Operation, *, closing_too: bool = False) -> asyncio.Future[Any]:
        """Queue an operation for the writer (`closing_too`: even while the store closes, for
        the steps of a compaction that `close` waits for)."""
        if self._writer_thread is None or (self._closing and not closing_too):
            raise StoreError("the store is closed")
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        self._queue.append(_Pending(operation, future))
        if not self._writing and not self._dispatch_scheduled:
            # At the end of this loop turn: what every socket that was readable together
            # sent goes into one transaction.
            self._dispatch_scheduled = True
            loop.call_soon(self._dispatch)
        return future

    def _dispatch(self) -> None:
        """Hand everything queued to the writer thread as one batch (one transaction)."""
        self._dispatch_scheduled = False
        if self._writing or not self._queue or self._writer_thread is None:
            return
        batch, self._queue = self._queue, []
        self._writing = True
        self._writer_thread.post(
            lambda: self._run_batch(batch), lambda ok, value: self._finish(batch, ok, value)
        )

    def _finish(self, batch: list[_Pending], ok: bool, value: Any) -> None:
        """On the loop: resolve the batch's futures, then send the next batch at once."""
        self._writing = False
        outcomes: list[tuple[bool, Any]] = (
            value if ok else [(False, StoreError(str(value)))] * len(batch)
        )
        for pending, (done, result) in zip(batch, outcomes, strict=True):
            if pending.future.done():
                continue
            if done:
                pending.future.set_result(result)
            else:
                pending.future.set_exception(result)
        if self._queue:
            self._dispatch()
        elif self._drained is not None:
            self._drained.set()

    def _run_batch(self, batch: list[_Pending]) -> list[tuple[bool, Any]]:
        conn = self._writer
        assert conn is not None
        try:
            conn.execute("BEGIN IMMEDIATE")
            results = [(True, pending.operation(conn)) for pending in batch]
            conn.execute("COMMIT")
            return results
        except Exception:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            log.exception("group commit of %d operations failed; retrying one by one", len(batch))
        outcomes: list[tuple[bool, Any]] = []
        for pending in batch:
            try:
                conn.execute("BEGIN IMMEDIATE")
                value = pending.operation(conn)
                conn.execute("COMMIT")
                outcomes.append((True, value))
            except Exception as exc:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                outcomes.append((False, StoreError(str(exc))))
        return outcomes

    async def _read(self, operation: Callable[[sqlite3.Connection], T]) -> T:
        if self._reader is None:
            raise StoreError("the store is not started")
        reader = self._reader

        def run() -> T:
            reader.execute("BEGIN")
            try:
                return operation(reader)
            finally:
                reader.execute("COMMIT")

        assert self._reader_thread is not None
        try:
            return await self._reader_thread.call(run)
        except sqlite3.Error as exc:
            raise StoreError(str(exc)) from exc

    # documents ----------------------------------------------------------------------------

    async def load_document(self, name: str) -> list[bytes]:
        def load(conn: sqlite3.Connection) -> list[bytes]:
            row = conn.execute("SELECT data FROM snapshots WHERE doc = ?", (name,)).fetchone()
            rows = conn.execute(
                "SELECT data FROM updates WHERE doc = ? ORDER BY id", (name,)
            ).fetchall()
            return ([bytes(row[0])] if row else []) + [bytes(r[0]) for r in rows]

        updates = await self._read(load)
        self._log_lengths[name] = len(updates)
        return updates

    def append_update(self, name: str, update: bytes) -> asyncio.Future[int]:
        committed = self._submit(_insert_update(name, update))
        length = self._log_lengths.get(name, 0) + 1
        # While one runs, the count goes on: `_compacted` starts the next one at its end.
        if length >= self.compact_after and name not in self._compactions:
            length = 0
            self._start_compaction(name)
        self._log_lengths[name] = length
        return committed

    def _start_compaction(self, name: str) -> Job[bool]:
        if not self._background.running:
            raise StoreError("the store is closed")
        job = self._background.spawn(self._compact(name), "sqlite-compaction")
        self._compactions[name] = job
        job.outcome.add_done_callback(lambda done: self._compacted(name, job, done))
        return job

    def _compacted(self, name: str, job: Job[bool], outcome: asyncio.Future[bool]) -> None:
        if self._compactions.get(name) is job:
            del self._compactions[name]
        if outcome.cancelled():
            return
        if outcome.exception() is not None:
            log.error("background compaction failed: %s", outcome.exception())
        elif outcome.result() is False:
            self.compactions_refused += 1
        elif (
            self._log_lengths.get(name, 0) >= self.compact_after
            and not self._closing
            and self._background.running
        ):
            # The log grew past `compact_after` while this one ran (its proof is off the
            # writer, so appends went on): take those entries now, not a whole round later.
            self._log_lengths[name] = 0
            self._start_compaction(name)

    async def _compact(self, name: str) -> bool:
        """Replace a document's snapshot and log by one proven snapshot; False when the proof
        failed (then the log stays as it is).

        Only its first and last steps are on the writer's queue: reading the log there (so
        it covers every append queued before) and installing the snapshot, which checks that
        what was read is still there. The proof (`verified_merge`: applying, merging and
        reading the whole document, tens of milliseconds for a large board) runs in the
        compactor's process, so appends queued meanwhile commit without waiting for it, and
        neither the writer nor the event loop waits for the GIL meanwhile (issue #30: with
        the proof on the writer, every compaction of a busy board held each update's commit,
        and its fan-out, for its whole duration; on a thread, it still held the GIL).
        """
        read: _CompactionRead = await self._submit(_compaction_read(name), closing_too=True)
        if not read.ids:
            return True
        snapshot = await self._prove(name, read.parts)
        if snapshot is None:
            log.error(
                "compaction of %s refused; its log of %d entries is kept", name, len(read.ids)
            )
            return False
        if not await self._submit(_compaction_install(name, read, snapshot), closing_too=True):
            log.info("compaction of %s skipped: its log changed while it ran", name)
        return True

    async def compact_document(self, name: str) -> None:
        self._log_lengths[name] = 0
        while (running := self._compactions.get(name)) is not None:
            await asyncio.wait({running.outcome})
        await self._start_compaction(name).wait()  # a refused proof is counted by `_compacted`

    async def quarantine(self, name: str, update: bytes, reason: str) -> None:
        await self._submit(_quarantine(name, update, reason))

    keeps_seals = True

    async def load_seal(self, name: str) -> bytes | None:
        def read(conn: sqlite3.Connection) -> bytes | None:
            row = conn.execute("SELECT data FROM seals WHERE doc = ?", (name,)).fetchone()
            return None if row is None else bytes(row[0])

        return await self._read(read)

    async def save_seal(self, name: str, seal: bytes) -> None:
        await self._submit(
            _execute(
                "INSERT INTO seals (doc, data) VALUES (?, ?) "
                "ON CONFLICT (doc) DO UPDATE SET data = excluded.data",
                name,
                seal,
            )
        )

    async def quarantined(self, name: str) -> list[tuple[bytes, str]]:
        """What loading moved aside for a document, oldest first."""

        def read(conn: sqlite3.Connection) -> list[tuple[bytes, str]]:
            rows = conn.execute(
                "SELECT data, reason FROM quarantine WHERE doc = ? ORDER BY id", (name,)
            ).fetchall()
            return [(bytes(data), str(reason)) for data, reason in rows]

        return await self._read(read)

    # boards and people --------------------------------------------------------------------

    async def create_board(self, board: BoardRecord, session_name: str, seed: bytes) -> None:
        data = json.dumps(board.to_json())

        def create(conn: sqlite3.Connection) -> None:
            conn.execute(
                "INSERT INTO boards (id, data, workshop) VALUES (?, ?, ?)",
                (board.id, data, board.workshop),
            )
            conn.execute("INSERT INTO updates (doc, data) VALUES (?, ?)", (session_name, seed))

        await self._submit(create)
        self._remember_board(board.id, data)

    async def get_board(self, board_id: str) -> BoardRecord | None:
        """The board's record; every socket's admission asks, so committed records are kept."""
        data = self._boards.get(board_id)
        if data is None:
            writes = self._board_writes
            row = await self._read(
                lambda conn: conn.execute(
                    "SELECT data FROM boards WHERE id = ?", (board_id,)
                ).fetchone()
            )
            if row is None:
                return None
            data = str(row[0])
            if writes == self._board_writes:  # no save landed while we read
                self._remember_board(board_id, data)
        else:
            self._boards.move_to_end(board_id)
        return BoardRecord.from_json(json.loads(data))

    async def save_board(self, board: BoardRecord) -> None:
        data = json.dumps(board.to_json())
        self._board_writes += 1  # a read in flight across this save must not be kept
        self._boards.pop(board.id, None)
        try:
            await self._submit(_execute("UPDATE boards SET data = ? WHERE id = ?", data, board.id))
        finally:
            self._board_writes += 1
        self._remember_board(board.id, data)

    async def list_journeys(self, workshop_id: str) -> list[BoardRecord]:
        rows = await self._read(
            lambda conn: conn.execute(
                "SELECT data FROM boards WHERE workshop = ?", (workshop_id,)
            ).fetchall()
        )
        boards = [BoardRecord.from_json(json.loads(data)) for (data,) in rows]
        return sorted(boards, key=lambda b: (b.id != workshop_id, b.created_at_ms, b.id))

    async def put_picture(self, board_id: str, picture: Picture | None) -> None:
        if picture is None:
            await self._submit(_execute("DELETE FROM pictures WHERE board_id = ?", board_id))
            return
        await self._submit(
            _execute(
                "INSERT INTO pictures (board_id, media_type, data) VALUES (?, ?, ?) "
                "ON CONFLICT (board_id) DO UPDATE SET media_type = excluded.media_type, "
                "data = excluded.data",
                board_id,
                picture.media_type,
                picture.data,
            )
        )

    async def get_picture(self, board_id: str) -> Picture | None:
        row = await self._read(
            lambda conn: conn.execute(
                "SELECT media_type, data FROM pictures WHERE board_id = ?", (board_id,)
            ).fetchone()
        )
        return Picture(str(row[0]), bytes(row[1])) if row is not None else None

    def _remember_board(self, board_id: str, data: str) -> None:
        self._boards[board_id] = data
        self._boards.move_to_end(board_id)
        while len(self._boards) > BOARD_CACHE_SIZE:
            self._boards.popitem(last=False)

    async def save_person(self, person: PersonRecord) -> None:
        await self._submit(
            _execute(
                "INSERT INTO people (board_id, id, data) VALUES (?, ?, ?) "
                "ON CONFLICT (board_id, id) DO UPDATE SET data = excluded.data",
                person.board_id,
                person.id,
                json.dumps(person.to_json()),
            )
        )

    async def get_person(self, board_id: str, person_id: str) -> PersonRecord | None:
        row = await self._read(
            lambda conn: conn.execute(
                "SELECT data FROM people WHERE board_id = ? AND id = ?", (board_id, person_id)
            ).fetchone()
        )
        return PersonRecord.from_json(json.loads(row[0])) if row else None

    async def list_people(self, board_id: str) -> list[PersonRecord]:
        rows = await self._read(
            lambda conn: conn.execute(
                "SELECT data FROM people WHERE board_id = ? ORDER BY rowid", (board_id,)
            ).fetchall()
        )
        return [PersonRecord.from_json(json.loads(r[0])) for r in rows]

    async def put_mark(
        self, board_id: str, kind: str, person_id: str, card: str, value: dict[str, Any] | None
    ) -> None:
        if value is None:
            operation = _execute(
                "DELETE FROM marks WHERE board_id = ? AND kind = ? AND person_id = ? AND card = ?",
                board_id,
                kind,
                person_id,
                card,
            )
        else:
            operation = _execute(
                "INSERT INTO marks (board_id, kind, person_id, card, data) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (board_id, kind, person_id, card) DO UPDATE SET data = excluded.data",
                board_id,
                kind,
                person_id,
                card,
                json.dumps(value),
            )
        await self._submit(operation)

    async def get_metrics(self, board_id: str) -> MetricsRecord:
        row = await self._read(
            lambda conn: conn.execute(
                "SELECT data FROM metrics WHERE board_id = ?", (board_id,)
            ).fetchone()
        )
        return MetricsRecord.from_json(json.loads(row[0])) if row else MetricsRecord(board_id)

    async def save_metrics(self, metrics: MetricsRecord) -> None:
        await self._submit(
            _execute(
                "INSERT INTO metrics (board_id, data) VALUES (?, ?) "
                "ON CONFLICT (board_id) DO UPDATE SET data = excluded.data",
                metrics.board_id,
                json.dumps(metrics.to_json()),
            )
        )

    async def list_marks(self, board_id: str, kind: str) -> list[Mark]:
        rows = await self._read(
            lambda conn: conn.execute(
                "SELECT person_id, card, data FROM marks WHERE board_id = ? AND kind = ? "
                "ORDER BY rowid",
                (board_id, kind),
            ).fetchall()
        )
        return [Mark(person, card, json.loads(data)) for person, card, data in rows]
