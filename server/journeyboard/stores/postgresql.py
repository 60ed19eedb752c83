"""The scaled-out system of record: PostgreSQL, shared by every node, with group commit.

Every document has a row in `documents` holding its head (the sequence number of its newest
update), its snapshot and the number the snapshot runs through; its updates are rows of
`updates` keyed by (doc, seq). Sequence numbers are per document, start at 1 and have no gaps:
a commit takes the next numbers by bumping the head in the same transaction as it writes the
rows, and the row lock on the head makes nodes that append to one document take turns, so the
order of the numbers is the order of the commits. A bus (Redis) can then announce "update n of
this document" and a node that sees a gap reads what it missed with `read_since`.

Appends go through one writer task per store (`group_commit.GroupCommit`): it writes
everything queued since its last commit in one transaction and only then resolves the
callers' futures, each with its update's number. Compaction merges snapshot and log under the
document's row lock through `verified_merge` and trims the log in the same transaction.

The schema is versioned (`MIGRATIONS`, recorded in `schema_version`); a node applies what is
missing at start under an advisory lock and refuses a database newer than it knows.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import logging
import secrets
from collections.abc import AsyncIterator, Sequence
from typing import Any

import psycopg
from psycopg import AsyncConnection
from psycopg.conninfo import conninfo_to_dict
from psycopg.rows import TupleRow
from psycopg.types.json import Jsonb
from psycopg_pool import AsyncConnectionPool

from journeyboard.stores.base import SharedLog, Store
from journeyboard.stores.group_commit import Append, GroupCommit
from journeyboard.stores.records import BoardRecord, Mark, MetricsRecord, PersonRecord, Picture
from journeyboard.sync.ports import KeyedLocks, LoadedDocument, StoreError
from journeyboard.tasks import Background, Job

log = logging.getLogger(__name__)

COMPACT_AFTER = 500
"""Log entries of one document after which it is compacted (counted from the head)."""

POOL_SIZE = 10
"""Connections per node: the writer, readers, and one per board command being run."""

CONNECT_TIMEOUT_SECONDS = 5
"""How long connecting (and waiting for a pooled connection) may take before StoreError."""

RECONNECT_SECONDS = 4
"""How long the pool keeps retrying a lost connection on its own. Its retries back off (1, 2,
4, 8 s... apart), so a longer chain would leave reads failing for many seconds after PostgreSQL
is back; after this it gives up, and the next read or probe starts a fresh chain at once."""

MIGRATIONS: tuple[str, ...] = (
    # 1: documents with their log and snapshot, quarantine, boards, people, marks.
    """
    CREATE TABLE documents (
        name TEXT PRIMARY KEY,
        head BIGINT NOT NULL DEFAULT 0,
        snapshot BYTEA,
        snapshot_seq BIGINT NOT NULL DEFAULT 0
    );
    CREATE TABLE updates (
        doc TEXT NOT NULL,
        seq BIGINT NOT NULL,
        data BYTEA NOT NULL,
        PRIMARY KEY (doc, seq)
    );
    CREATE TABLE quarantine (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        doc TEXT NOT NULL,
        data BYTEA NOT NULL,
        reason TEXT NOT NULL,
        at TIMESTAMPTZ NOT NULL DEFAULT now()
    );
    CREATE INDEX quarantine_by_doc ON quarantine (doc, id);
    CREATE TABLE boards (
        id TEXT PRIMARY KEY,
        data JSONB NOT NULL
    );
    CREATE TABLE people (
        board_id TEXT NOT NULL,
        id TEXT NOT NULL,
        position BIGINT GENERATED ALWAYS AS IDENTITY,
        data JSONB NOT NULL,
        PRIMARY KEY (board_id, id)
    );
    CREATE TABLE marks (
        board_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        person_id TEXT NOT NULL,
        card TEXT NOT NULL,
        position BIGINT GENERATED ALWAYS AS IDENTITY,
        data JSONB NOT NULL,
        PRIMARY KEY (board_id, kind, person_id, card)
    );
    """,
    # 2: workshops of journeys: every board made before is the root journey of a workshop
    # of its own (its id is the workshop's); persona pictures.
    """
    ALTER TABLE boards ADD COLUMN workshop TEXT;
    UPDATE boards SET workshop = id WHERE workshop IS NULL;
    ALTER TABLE boards ALTER COLUMN workshop SET NOT NULL;
    CREATE INDEX boards_by_workshop ON boards (workshop);
    CREATE TABLE pictures (
        board_id TEXT PRIMARY KEY,
        media_type TEXT NOT NULL,
        data BYTEA NOT NULL
    );
    """,
    # 3: measured values at touchpoints, one record per board (issue #28).
    """
    CREATE TABLE metrics (
        board_id TEXT PRIMARY KEY,
        data JSONB NOT NULL
    );
    """,
    # 4: seals over stored parts that passed the load-time check (sync/seals.py, issue #30).
    """
    CREATE TABLE seals (
        doc TEXT PRIMARY KEY,
        data BYTEA NOT NULL
    );
    """,
)
"""The schema, one step per entry; the database records how many it has (schema_version)."""

SCHEMA_VERSION = len(MIGRATIONS)

RETRYABLE = (psycopg.errors.DeadlockDetected, psycopg.errors.SerializationFailure)
"""Errors after which PostgreSQL rolled the transaction back, so running it again is safe."""


class BadURLError(StoreError, ValueError):
    """The store URL cannot name a PostgreSQL database (a ValueError too, which the command
    line reports as one line, as for any other unusable store URL)."""


def advisory_key(name: str) -> int:
    """A stable signed 64-bit key for `pg_advisory_lock` (the same on every node)."""
    digest = hashlib.blake2b(f"journeyboard:{name}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


MIGRATION_LOCK = advisory_key("migrations")


def describe_url(url: str) -> str:
    """The server a URL names, for messages (never the password)."""
    try:
        params = conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "?"
    host = params.get("host") or "localhost"
    port = params.get("port") or "5432"
    return f"{host}:{port}/{params.get('dbname') or params.get('user') or ''}"


def first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


class PostgreSQLStore(Store):
    """Store documents (`UpdateLog`) and board records (`BoardRecords`) in a PostgreSQL
    database shared by every node (the nodes need a bus: `shared_log`)."""

    def __init__(
        self, url: str, *, compact_after: int = COMPACT_AFTER, pool_size: int = POOL_SIZE
    ) -> None:
        super().__init__()
        self._command_locks = KeyedLocks()
        self._process = secrets.token_hex(4)
        if url.startswith("postgres://"):  # libpq takes both; say it one way
            url = "postgresql://" + url[len("postgres://") :]
        try:
            params = conninfo_to_dict(url)
        except psycopg.ProgrammingError as exc:
            raise BadURLError(f"bad PostgreSQL URL: {first_line(exc)}") from None
        port = str(params.get("port") or "5432")
        if not all(part.isdigit() for part in port.split(",")):
            raise BadURLError(f"bad PostgreSQL URL: the port {port!r} is not a number")
        self.url = url
        self.where = describe_url(url)
        self.compact_after = compact_after
        self.pool_size = pool_size
        self._pool: AsyncConnectionPool[AsyncConnection[TupleRow]] | None = None
        self._writer_pool: AsyncConnectionPool[AsyncConnection[TupleRow]] | None = None
        self._lock_slots = asyncio.Semaphore(1)
        self._writer: GroupCommit | None = None
        self._writing: Job[None] | None = None
        self._background = Background("the PostgreSQL store")
        """The writer and compactions: owned from `start` to `close`."""
        self._compacting: set[str] = set()
        self._retry_compaction_at: dict[str, int] = {}
        """The head a document's log must reach before its refused compaction is retried."""
        self._closing_lock = asyncio.Lock()
        """A second caller of `close` waits for the first close to finish."""

    # lifecycle ----------------------------------------------------------------------------

    async def start(self) -> None:
        try:
            conn = await AsyncConnection.connect(
                self.url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_SECONDS
            )
        except (psycopg.Error, OSError) as exc:
            raise StoreError(
                f"cannot connect to PostgreSQL at {self.where}: {first_line(exc)}"
            ) from None
        async with conn:
            await self._migrate(conn)
        # The writer has a connection of its own, so that readers and held board locks
        # never keep a commit waiting.
        pool, writer_pool = self._new_pool(self.pool_size), self._new_pool(1)
        try:
            await pool.open(wait=True, timeout=CONNECT_TIMEOUT_SECONDS)
            await writer_pool.open(wait=True, timeout=CONNECT_TIMEOUT_SECONDS)
        except psycopg.Error as exc:
            await pool.close()
            await writer_pool.close()
            raise StoreError(
                f"cannot connect to PostgreSQL at {self.where}: {first_line(exc)}"
            ) from None
        self._pool, self._writer_pool = pool, writer_pool
        # Board locks each hold a connection for a whole command: leave some for reads.
        self._lock_slots = asyncio.Semaphore(max(1, self.pool_size - 2))
        self._writer = GroupCommit(self._commit, what="PostgreSQL commit")
        self._open_compactor()
        self._background = Background("the PostgreSQL store")
        await self._background.__aenter__()
        self._writing = self._background.start(self._writer.run, "postgresql-writer")

    def _new_pool(self, size: int) -> AsyncConnectionPool[AsyncConnection[TupleRow]]:
        return AsyncConnectionPool(
            self.url,
            kwargs={
                "autocommit": True,
                "connect_timeout": CONNECT_TIMEOUT_SECONDS,
                # Every commit waits for the WAL flush: committed means it survives a crash.
                "options": "-c synchronous_commit=on",
                "application_name": f"journeyboard {self._process}",
            },
            min_size=1,
            max_size=size,
            open=False,
            # A connection the server dropped (a restart) is found out before use, not by the
            # statement that needed it.
            check=AsyncConnectionPool.check_connection,
            timeout=CONNECT_TIMEOUT_SECONDS,
            reconnect_timeout=RECONNECT_SECONDS,
            name="journeyboard",
        )

    async def _migrate(self, conn: AsyncConnection[TupleRow]) -> None:
        """Bring the schema to SCHEMA_VERSION, one transaction per step, one node at a time."""
        try:
            await conn.execute("SELECT pg_advisory_lock(%s)", (MIGRATION_LOCK,))
            try:
                await conn.execute(
                    "CREATE TABLE IF NOT EXISTS schema_version ("
                    " version INTEGER PRIMARY KEY,"
                    " applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
                )
                cur = await conn.execute("SELECT coalesce(max(version), 0) FROM schema_version")
                row = await cur.fetchone()
                current = int(row[0]) if row else 0
                if current > SCHEMA_VERSION:
                    raise StoreError(
                        f"the database at {self.where} has schema version {current}, newer "
                        f"than this journeyboard knows (version {SCHEMA_VERSION}): upgrade "
                        "journeyboard"
                    )
                for version in range(current + 1, SCHEMA_VERSION + 1):
                    async with conn.transaction():
                        # (bytes: a migration is trusted SQL, not a literal mypy can see)
                        await conn.execute(MIGRATIONS[version - 1].encode())
                        await conn.execute(
                            "INSERT INTO schema_version (version) VALUES (%s)", (version,)
                        )
                    log.info("PostgreSQL schema at %s migrated to version %d", self.where, version)
            finally:
                await conn.execute("SELECT pg_advisory_unlock(%s)", (MIGRATION_LOCK,))
        except psycopg.Error as exc:
            raise StoreError(f"PostgreSQL schema set-up failed: {first_line(exc)}") from exc

    async def close(self) -> None:
        async with self._closing_lock:
            if self._pool is None:
                return
            await self._close()

    async def _close(self) -> None:
        if self._writer is not None and self._writing is not None:
            self._writer.close()
            await self._writing.wait()  # it commits what is queued, then ends
        await self._background.__aexit__(None, None, None)  # compactions
        await self._close_compactor()
        for pool in (self._pool, self._writer_pool):
            if pool is not None:
                await pool.close()
        self._pool = self._writer_pool = None

    @contextlib.asynccontextmanager
    async def _connection(
        self, wait_seconds: float | None = None, *, writer: bool = False
    ) -> AsyncIterator[AsyncConnection[TupleRow]]:
        """A pooled connection (the writer's own with `writer`); PostgreSQL and pool failures
        come out as StoreError."""
        pool = self._writer_pool if writer else self._pool
        if pool is None:
            raise StoreError("the store is not started")
        try:
            async with pool.connection(timeout=wait_seconds) as conn:
                yield conn
        except psycopg.Error as exc:
            raise StoreError(f"PostgreSQL at {self.where}: {first_line(exc)}") from exc

    async def ping(self) -> None:
        async with self._connection(wait_seconds=2) as conn:
            await conn.execute("SELECT 1")

    def shared_log(self) -> SharedLog:
        return self

    # the writer ---------------------------------------------------------------------------

    def append_update(self, name: str, update: bytes) -> asyncio.Future[int]:
        """Queue an update; the future resolves with its sequence number once committed."""
        if self._pool is None or self._writer is None:
            raise StoreError("the store is closed")
        return self._writer.append(name, update)

    async def _commit(self, batch: list[Append]) -> list[int]:
        """Write a batch in one transaction; return the updates' numbers (in the batch's
        order), and compact the documents whose log it took past `compact_after`."""
        by_doc: dict[str, list[int]] = {}
        for index, item in enumerate(batch):
            by_doc.setdefault(item.name, []).append(index)
        names = sorted(by_doc)  # every node locks document rows in the same order
        for attempt in range(3):
            seqs = [0] * len(batch)
            logs: dict[str, tuple[int, int]] = {}
            try:
                async with self._connection(writer=True) as conn, conn.transaction():
                    cur = await conn.execute(
                        "INSERT INTO documents AS d (name, head)"
                        " SELECT name, n FROM unnest(%s::text[], %s::bigint[]) AS t(name, n)"
                        " ORDER BY name"
                        " ON CONFLICT (name) DO UPDATE SET head = d.head + excluded.head"
                        " RETURNING name, head, snapshot_seq",
                        (names, [len(by_doc[name]) for name in names]),
                    )
                    heads = {str(n): (int(h), int(s)) for n, h, s in await cur.fetchall()}
                    docs: list[str] = []
                    data: list[bytes] = []
                    numbers: list[int] = []
                    for name in names:
                        items = by_doc[name]
                        head, snapshot_seq = heads[name]
                        first = head - len(items) + 1
                        docs.extend([name] * len(items))
                        for index, seq in zip(items, range(first, head + 1), strict=True):
                            seqs[index] = seq
                            numbers.append(seq)
                        data.extend(batch[index].update for index in items)
                        logs[name] = (head, head - snapshot_seq)
                    await conn.execute(
                        "INSERT INTO updates (doc, seq, data)"
                        " SELECT * FROM unnest(%s::text[], %s::bigint[], %s::bytea[])",
                        (docs, numbers, data),
                    )
            except StoreError as exc:
                if isinstance(exc.__cause__, RETRYABLE) and attempt < 2:
                    continue
                raise
            break
        for name, (head, length) in logs.items():
            if (
                length >= self.compact_after
                and head >= self._retry_compaction_at.get(name, 0)
                and name not in self._compacting
            ):
                self._compacting.add(name)
                self._background.start(  # logs its own failure
                    functools.partial(self._compact_soon, name, head),
                    f"compact {name}",
                    restart=False,
                )
        return seqs

    # documents ----------------------------------------------------------------------------

    async def load_document(self, name: str) -> list[bytes]:
        updates, _ = await self.read_since(name, 0)
        return updates

    async def load(self, name: str) -> LoadedDocument:
        """The document's snapshot and log, with the head they run through, read atomically."""
        updates, head = await self.read_since(name, 0)
        return LoadedDocument(updates, head)

    async def read_since(self, name: str, seq: int) -> tuple[list[bytes], int]:
        """What was committed to the document after update `seq`, oldest first, and the head.

        When the log no longer reaches back to `seq` (a compaction merged it into the
        snapshot), the snapshot comes first, then every update after it.
        """
        entries, head = await self.entries_since(name, seq)
        return [update for _, update in entries], head

    async def entries_since(self, name: str, seq: int) -> tuple[list[tuple[int, bytes]], int]:
        """As `read_since`, each update with its number; the snapshot, when it comes first,
        carries the number it runs through. One statement, so one consistent view."""
        async with self._connection() as conn:
            cur = await conn.execute(
                "SELECT 0 AS kind, head, snapshot, snapshot_seq FROM documents WHERE name = %(n)s"
                " UNION ALL"
                " SELECT 1, seq, data, NULL FROM updates WHERE doc = %(n)s AND seq > %(s)s"
                " ORDER BY kind, head",
                {"n": name, "s": seq},
            )
            rows = await cur.fetchall()
        if not rows or rows[0][0] != 0:  # no such document
            return [], 0
        _, head, snapshot, snapshot_seq = rows[0]
        entries: list[tuple[int, bytes]] = []
        if snapshot is not None and snapshot_seq > seq:
            entries.append((int(snapshot_seq), bytes(snapshot)))
        entries.extend((int(number), bytes(data)) for _, number, data, _ in rows[1:])
        return entries, int(head)

    async def heads(self, names: list[str]) -> dict[str, int]:
        """The head of each named document (0 for one that has no updates yet)."""
        async with self._connection() as conn:
            cur = await conn.execute(
                "SELECT name, head FROM documents WHERE name = ANY(%s)", (names,)
            )
            found = {str(name): int(head) for name, head in await cur.fetchall()}
        return {name: found.get(name, 0) for name in names}

    async def compact_document(self, name: str) -> None:
        if not await self._compact(name):
            self.compactions_refused += 1

    async def _compact_soon(self, name: str, head: int) -> None:
        """Compact after a commit took the log past `compact_after`, unless another node did
        meanwhile; after a refusal, try again only once as many entries more have come."""
        try:
            if await self._compact(name, at_least=self.compact_after):
                self._retry_compaction_at.pop(name, None)
            else:
                self.compactions_refused += 1
                self._retry_compaction_at[name] = head + self.compact_after
        except StoreError as exc:
            log.error("background compaction of %s failed: %s", name, exc)
        finally:
            self._compacting.discard(name)

    async def _compact(self, name: str, at_least: int = 1) -> bool:
        """Replace snapshot and log by one proven snapshot in one transaction, holding the
        document's row (appends to it on every node wait meanwhile); do nothing when the log
        is shorter than `at_least`; False when the proof failed."""
        async with self._connection() as conn, conn.transaction():
            cur = await conn.execute(
                "SELECT snapshot, head - snapshot_seq FROM documents WHERE name = %s FOR UPDATE",
                (name,),
            )
            row = await cur.fetchone()
            if row is None or int(row[1]) < at_least:
                return True
            cur = await conn.execute(
                "SELECT seq, data FROM updates WHERE doc = %s ORDER BY seq", (name,)
            )
            entries = await cur.fetchall()
            if not entries:
                return True
            parts = ([bytes(row[0])] if row[0] is not None else []) + [
                bytes(data) for _, data in entries
            ]
            snapshot = await self._prove(name, parts)
            if snapshot is None:
                log.error(
                    "compaction of %s refused; its log of %d entries is kept", name, len(entries)
                )
                return False
            through = int(entries[-1][0])
            await conn.execute(
                "UPDATE documents SET snapshot = %s, snapshot_seq = %s WHERE name = %s",
                (snapshot, through, name),
            )
            await conn.execute("DELETE FROM updates WHERE doc = %s AND seq <= %s", (name, through))
        return True

    async def quarantine(self, name: str, update: bytes, reason: str) -> None:
        async with self._connection() as conn, conn.transaction():
            await conn.execute(
                "INSERT INTO quarantine (doc, data, reason) VALUES (%s, %s, %s)",
                (name, update, reason),
            )
            await conn.execute("DELETE FROM updates WHERE doc = %s AND data = %s", (name, update))
            await conn.execute(
                "UPDATE documents SET snapshot = NULL WHERE name = %s AND snapshot = %s",
                (name, update),
            )

    keeps_seals = True
    """Every node shares the secret the seals are keyed with, so one node's seal spares the
    others' loads too; a seal vouches for the bytes it digests, so a compaction or quarantine
    by another node meanwhile only makes it vouch for nothing (`seals.open_seal`)."""

    async def load_seal(self, name: str) -> bytes | None:
        async with self._connection() as conn:
            cur = await conn.execute("SELECT data FROM seals WHERE doc = %s", (name,))
            row = await cur.fetchone()
        return None if row is None else bytes(row[0])

    async def save_seal(self, name: str, seal: bytes) -> None:
        async with self._connection() as conn:
            await conn.execute(
                "INSERT INTO seals (doc, data) VALUES (%s, %s)"
                " ON CONFLICT (doc) DO UPDATE SET data = excluded.data",
                (name, seal),
            )

    async def quarantined(self, name: str) -> list[tuple[bytes, str]]:
        async with self._connection() as conn:
            cur = await conn.execute(
                "SELECT data, reason FROM quarantine WHERE doc = %s ORDER BY id", (name,)
            )
            return [(bytes(data), str(reason)) for data, reason in await cur.fetchall()]

    async def log_length(self, name: str) -> int:
        """How many updates the document's log holds (for tests and metrics)."""
        async with self._connection() as conn:
            cur = await conn.execute("SELECT count(*) FROM updates WHERE doc = %s", (name,))
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    # commands across nodes ----------------------------------------------------------------

    def board_lock(self, board_id: str) -> contextlib.AbstractAsyncContextManager[None]:
        """Exclusive access to a board's commands on every node: this node's own lock first
        (so one node waits in memory, not on many connections), then an advisory lock held
        on one pooled connection."""
        return self._board_lock(board_id)

    @contextlib.asynccontextmanager
    async def _board_lock(self, board_id: str) -> AsyncIterator[None]:
        key = advisory_key(f"board:{board_id}")
        async with (
            self._command_locks.hold(board_id),
            self._lock_slots,
            self._connection() as conn,
        ):
            try:
                await conn.execute("SELECT pg_advisory_lock(%s)", (key,))
            except BaseException:
                # Cancelled or failed while waiting: the lock may yet be granted to this
                # session, so the session must not go back to the pool.
                await conn.close()
                raise
            try:
                yield
            finally:
                try:
                    await conn.execute("SELECT pg_advisory_unlock(%s)", (key,))
                except BaseException:
                    await conn.close()  # closing the session releases its locks
                    raise

    # boards and people --------------------------------------------------------------------

    async def create_board(self, board: BoardRecord, session_name: str, seed: bytes) -> None:
        async with self._connection() as conn, conn.transaction():
            cur = await conn.execute(
                "INSERT INTO boards (id, data, workshop) VALUES (%s, %s, %s)"
                " ON CONFLICT DO NOTHING RETURNING id",
                (board.id, Jsonb(board.to_json()), board.workshop),
            )
            if await cur.fetchone() is None:
                raise StoreError(f"board {board.id} exists already")
            cur = await conn.execute(
                "INSERT INTO documents AS d (name, head) VALUES (%s, 1)"
                " ON CONFLICT (name) DO UPDATE SET head = d.head + 1 RETURNING head",
                (session_name,),
            )
            row = await cur.fetchone()
            assert row is not None
            await conn.execute(
                "INSERT INTO updates (doc, seq, data) VALUES (%s, %s, %s)",
                (session_name, row[0], seed),
            )

    async def get_board(self, board_id: str) -> BoardRecord | None:
        """The board's record, read each time: another node may have changed it."""
        async with self._connection() as conn:
            cur = await conn.execute("SELECT data FROM boards WHERE id = %s", (board_id,))
            row = await cur.fetchone()
        return BoardRecord.from_json(row[0]) if row else None

    async def save_board(self, board: BoardRecord) -> None:
        async with self._connection() as conn:
            await conn.execute(
                "UPDATE boards SET data = %s WHERE id = %s", (Jsonb(board.to_json()), board.id)
            )

    async def list_journeys(self, workshop_id: str) -> list[BoardRecord]:
        async with self._connection() as conn:
            cur = await conn.execute("SELECT data FROM boards WHERE workshop = %s", (workshop_id,))
            boards = [BoardRecord.from_json(data) for (data,) in await cur.fetchall()]
        return sorted(boards, key=lambda b: (b.id != workshop_id, b.created_at_ms, b.id))

    async def put_picture(self, board_id: str, picture: Picture | None) -> None:
        async with self._connection() as conn:
            if picture is None:
                await conn.execute("DELETE FROM pictures WHERE board_id = %s", (board_id,))
                return
            await conn.execute(
                "INSERT INTO pictures (board_id, media_type, data) VALUES (%s, %s, %s)"
                " ON CONFLICT (board_id) DO UPDATE"
                " SET media_type = excluded.media_type, data = excluded.data",
                (board_id, picture.media_type, picture.data),
            )

    async def get_picture(self, board_id: str) -> Picture | None:
        async with self._connection() as conn:
            cur = await conn.execute(
                "SELECT media_type, data FROM pictures WHERE board_id = %s", (board_id,)
            )
            row = await cur.fetchone()
        return Picture(str(row[0]), bytes(row[1])) if row else None

    async def save_person(self, person: PersonRecord) -> None:
        async with self._connection() as conn:
            await conn.execute(
                "INSERT INTO people (board_id, id, data) VALUES (%s, %s, %s)"
                " ON CONFLICT (board_id, id) DO UPDATE SET data = excluded.data",
                (person.board_id, person.id, Jsonb(person.to_json())),
            )

    async def get_person(self, board_id: str, person_id: str) -> PersonRecord | None:
        async with self._connection() as conn:
            cur = await conn.execute(
                "SELECT data FROM people WHERE board_id = %s AND id = %s", (board_id, person_id)
            )
            row = await cur.fetchone()
        return PersonRecord.from_json(row[0]) if row else None

    async def list_people(self, board_id: str) -> list[PersonRecord]:
        async with self._connection() as conn:
            cur = await conn.execute(
                "SELECT data FROM people WHERE board_id = %s ORDER BY position", (board_id,)
            )
            return [PersonRecord.from_json(data) for (data,) in await cur.fetchall()]

    async def put_mark(
        self, board_id: str, kind: str, person_id: str, card: str, value: dict[str, Any] | None
    ) -> None:
        key = (board_id, kind, person_id, card)
        async with self._connection() as conn:
            if value is None:
                await conn.execute(
                    "DELETE FROM marks"
                    " WHERE board_id = %s AND kind = %s AND person_id = %s AND card = %s",
                    key,
                )
            else:
                await conn.execute(
                    "INSERT INTO marks (board_id, kind, person_id, card, data)"
                    " VALUES (%s, %s, %s, %s, %s)"
                    " ON CONFLICT (board_id, kind, person_id, card)"
                    " DO UPDATE SET data = excluded.data",
                    (*key, Jsonb(value)),
                )

    async def get_metrics(self, board_id: str) -> MetricsRecord:
        async with self._connection() as conn:
            cur = await conn.execute("SELECT data FROM metrics WHERE board_id = %s", (board_id,))
            row = await cur.fetchone()
        return MetricsRecord.from_json(dict(row[0])) if row else MetricsRecord(board_id)

    async def save_metrics(self, metrics: MetricsRecord) -> None:
        async with self._connection() as conn:
            await conn.execute(
                "INSERT INTO metrics (board_id, data) VALUES (%s, %s)"
                " ON CONFLICT (board_id) DO UPDATE SET data = excluded.data",
                (metrics.board_id, Jsonb(metrics.to_json())),
            )

    async def list_marks(self, board_id: str, kind: str) -> list[Mark]:
        async with self._connection() as conn:
            cur = await conn.execute(
                "SELECT person_id, card, data FROM marks WHERE board_id = %s AND kind = %s"
                " ORDER BY position",
                (board_id, kind),
            )
            rows: Sequence[tuple[Any, ...]] = await cur.fetchall()
        return [Mark(str(person), str(card), dict(data)) for person, card, data in rows]
