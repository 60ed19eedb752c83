"""The Redis store: documents and board records in one Redis server (`--store redis://…`).

Per document, a Redis Stream holds the log of updates (each entry: the update and the node that
accepted it) and a hash holds the compacted snapshot with the stream id it covers. A node:
- appends what it accepts with XADD (pipelined by `group_commit.GroupCommit`: everything
  queued since the last round trip goes in one pipeline), and makes nothing visible before
  Redis acknowledged it;
- reads a document's snapshot and stream tail in one Lua script, and returns the id of the last
  entry read as the document's position;
- compacts under a lease, replacing the snapshot only if it is still the one it read (fencing),
  and trims the stream only below the *previous* snapshot's id, so no reader falls into a gap;
- keeps the board, person and mark records, and repairs what Redis lost (`redis_repair.py`).

This is the log and the records only. Carrying updates between nodes is the bus's: on Redis
alone, `cluster.feeds.StoreStreamFeed` makes these document streams the bus (one tail for
every open document, from the position `load` returned), with presence, control, the
heartbeat and the board lock; the store says so with `log_streams`, and the feed registers
itself with `attach` so that the repair knows the open documents.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import secrets
from typing import Any
from urllib.parse import parse_qs, urlsplit, urlunsplit

from redis import asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

from journeyboard.stores.base import LogStreams, Store
from journeyboard.stores.group_commit import Append, GroupCommit
from journeyboard.stores.records import BoardRecord, Mark, MetricsRecord, PersonRecord, Picture
from journeyboard.stores.redis_repair import OpenDocuments, RedisRepair
from journeyboard.sync.ports import HealthCounter, LoadedDocument, StoreError
from journeyboard.tasks import Background, Job

log = logging.getLogger(__name__)

COMPACT_AFTER = 500

# KEYS: snapshot hash, stream. Returns {snapshot data or false, snapshot id or false, entries}.
LOAD_SCRIPT = """
local snap = redis.call('HMGET', KEYS[1], 'data', 'through')
local entries
if snap[2] then
  entries = redis.call('XRANGE', KEYS[2], '(' .. snap[2], '+')
else
  entries = redis.call('XRANGE', KEYS[2], '-', '+')
end
return {snap[1], snap[2], entries}
"""

# KEYS: snapshot hash, stream, lease. ARGV: lease token, snapshot id read ('' for none),
# new data, new snapshot id. Replaces the snapshot only if still the one read, then trims
# below the previous snapshot id.
COMPACT_SCRIPT = """
if redis.call('GET', KEYS[3]) ~= ARGV[1] then return 0 end
local current = redis.call('HGET', KEYS[1], 'through')
if (current or '') ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], 'data', ARGV[3], 'through', ARGV[4])
if ARGV[2] ~= '' then redis.call('XTRIM', KEYS[2], 'MINID', ARGV[2]) end
return 1
"""


def parse_url(url: str) -> tuple[str, str, dict[str, str]]:
    """Split `redis://host:port/db?prefix=jb:&compact_after=500` into URL, prefix, options."""
    parts = urlsplit(url)
    options = {key: values[0] for key, values in parse_qs(parts.query).items()}
    prefix = options.pop("prefix", "jb:")
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", "")), prefix, options


def connect(url: str, *, health_check_interval: float = 0) -> aioredis.Redis:
    """A client for the Redis at `url` that retries a dropped connection a few times with
    backoff (the store and the bus connect the same way)."""
    return aioredis.from_url(
        url,
        decode_responses=False,
        retry=Retry(ExponentialBackoff(cap=1.0, base=0.05), 3),
        retry_on_error=[RedisConnectionError, RedisTimeoutError],
        health_check_interval=health_check_interval,
    )


class RedisStore(Store):
    """Documents (`UpdateLog`) and board records (`BoardRecords`) in one Redis server, shared
    by every node; its document streams are the nodes' bus (`log_streams`)."""

    def __init__(self, url: str, *, compact_after: int | None = None) -> None:
        super().__init__()
        self.url, self.prefix, options = parse_url(url)
        self.compact_after = compact_after or int(options.get("compact_after", COMPACT_AFTER))
        self.node_id = secrets.token_hex(8)
        self._node = self.node_id.encode()
        self._redis: aioredis.Redis | None = None
        self._writer = GroupCommit(self._commit, what="Redis append")
        self._background = Background("the Redis store")
        """The writer, the repair and compactions: owned from `start` to `close`."""
        self._log_lengths: dict[str, int] = {}
        self._compacting: set[str] = set()
        self._load: Any = None
        self._compact: Any = None
        self._writing: Job[None] | None = None
        self.repair = RedisRepair(self)
        """Notices that Redis lost acknowledged writes and writes back what this node holds."""

    # keys ---------------------------------------------------------------------------------

    def _key(self, *parts: str) -> str:
        return self.prefix + ":".join(parts)

    def _stream(self, name: str) -> str:
        return self._key("doc", name, "log")

    def log_stream(self, name: str) -> str:
        """The key of the document's log stream (the Redis-only bus tails it)."""
        return self._stream(name)

    def _snapshot(self, name: str) -> str:
        return self._key("doc", name, "snap")

    @property
    def redis(self) -> aioredis.Redis:
        if self._redis is None:
            raise StoreError("the Redis store is not started")
        return self._redis

    # lifecycle ----------------------------------------------------------------------------

    async def start(self) -> None:
        self._redis = connect(self.url)
        try:
            await self._redis.ping()
        except RedisError as exc:
            raise StoreError(f"cannot reach Redis at {self.url}: {exc}") from exc
        self._load = self._redis.register_script(LOAD_SCRIPT)
        self._compact = self._redis.register_script(COMPACT_SCRIPT)
        self._writer = GroupCommit(self._commit, what="Redis append")
        self._open_compactor()
        # Redis's client can swallow a cancellation while it waits: closing waits 2 s at most.
        self._background = Background("the Redis store", stop_seconds=2)
        await self._background.__aenter__()
        self._writing = self._background.start(self._writer.run, "redis-writer")
        self._background.start(self.repair.run, "redis-repair")

    @property
    def closing(self) -> bool:
        """Whether the store is closing or closed: its tasks are being stopped (the repair
        loop then ends, even if redis-py swallowed its cancel)."""
        return not self._background.running

    async def close(self) -> None:
        if self._redis is None:
            return
        self._writer.close()
        if self._writing is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._writing.wait(), 10)
        await self._background.__aexit__(None, None, None)  # the repair, compactions
        await self._close_compactor()
        await self._redis.aclose()
        self._redis = None

    def log_streams(self) -> LogStreams:
        return self

    def attach(self, documents: OpenDocuments | None) -> None:
        """Tell the repair which documents are open and where their tails are (the bus that
        tails this store's streams calls this when it is built)."""
        self.repair.documents = documents

    def health_counters(self) -> list[HealthCounter]:
        return [*super().health_counters(), *self.repair.counters()]

    async def ping(self) -> None:
        try:
            await self.redis.ping()
        except RedisError as exc:
            raise StoreError(str(exc)) from exc

    # appends (group commit) -------------------------------------------------------------

    def append_update(self, name: str, update: bytes) -> asyncio.Future[int]:
        """Resolves with 0: the stream entry id, not a number, orders a Redis document."""
        if self._redis is None:
            raise StoreError("the store is closed")
        return self._writer.append(name, update)

    def _count(self, name: str) -> None:
        """Count an acknowledged append; compact after `compact_after` of them. Counted once
        Redis holds them, so that the compaction reads at least that many entries."""
        self._log_lengths[name] = self._log_lengths.get(name, 0) + 1
        self._compact_if_due(name)

    def _compact_if_due(self, name: str) -> None:
        """Start a compaction once `compact_after` appends came since the last one started
        (and none is running: one that came due meanwhile starts when it ends)."""
        if self._log_lengths.get(name, 0) >= self.compact_after and name not in self._compacting:
            self._log_lengths[name] = 0
            self._compacting.add(name)
            self._background.start(  # logs its own failure
                functools.partial(self._compact_soon, name), f"compact {name}", restart=False
            )

    async def _commit(self, batch: list[Append]) -> list[int]:
        """XADD a batch in one pipeline; count the appends towards compaction."""
        try:
            async with self.redis.pipeline(transaction=False) as pipe:
                for item in batch:
                    pipe.xadd(self._stream(item.name), {"u": item.update, "n": self._node})
                await pipe.execute()
        except (RedisError, OSError) as exc:
            raise StoreError(f"Redis unavailable: {exc}") from exc
        for item in batch:
            self._count(item.name)
        return [0] * len(batch)

    # loading and following ----------------------------------------------------------------

    async def _read(self, name: str) -> tuple[bytes | None, bytes | None, list[Any]]:
        try:
            data, through, entries = await self._load(
                keys=[self._snapshot(name), self._stream(name)]
            )
        except RedisError as exc:
            raise StoreError(f"Redis unavailable: {exc}") from exc
        return data or None, through or None, entries

    async def load_document(self, name: str) -> list[bytes]:
        return (await self.load(name)).updates

    async def load(self, name: str) -> LoadedDocument:
        """The document, and the id of the last stream entry it covers (a tail goes on from
        there)."""
        data, through, entries = await self._read(name)
        updates = ([data] if data else []) + [fields[b"u"] for _, fields in _pairs(entries)]
        last = entries[-1][0] if entries else (through or b"0-0")
        self._log_lengths[name] = len(entries)
        return LoadedDocument(updates, bytes(last))

    # compaction ---------------------------------------------------------------------------

    async def _compact_soon(self, name: str) -> None:
        try:
            await self.compact_document(name)
        except StoreError as exc:
            log.warning("compaction of %s skipped: %s", name, exc)
        finally:
            self._compacting.discard(name)
        if not self.closing:
            # Appends that came while it ran start the next one now, not at the next append:
            # the stream is trimmed to the snapshot before last, so a document that went
            # quiet meanwhile would keep its whole log until someone writes again.
            self._compact_if_due(name)

    async def compact_document(self, name: str) -> None:
        lease = self._key("doc", name, "lease")
        token = secrets.token_hex(8)
        try:
            if not await self.redis.set(lease, token, nx=True, px=30_000):
                return  # another node is compacting this document
            try:
                data, through, entries = await self._read(name)
                if not entries:
                    return
                parts = ([data] if data else []) + [f[b"u"] for _, f in _pairs(entries)]
                merged = await self._prove(name, parts)
                if merged is None:
                    self.compactions_refused += 1
                    log.error("compaction of %s refused; its stream is kept", name)
                    return
                done = await self._compact(
                    keys=[self._snapshot(name), self._stream(name), lease],
                    args=[token, through or b"", merged, entries[-1][0]],
                )
                if not done:
                    log.info("compaction of %s lost its fence; another node moved on", name)
            finally:
                await self.redis.eval(
                    "if redis.call('GET', KEYS[1]) == ARGV[1] then "
                    "return redis.call('DEL', KEYS[1]) end return 0",
                    1,
                    lease,
                    token,
                )
        except RedisError as exc:
            raise StoreError(f"Redis unavailable: {exc}") from exc

    async def quarantine(self, name: str, update: bytes, reason: str) -> None:
        """Copy the update to the document's quarantine stream (never trimmed), then take it
        out of the log: the stream entries that carry it, or the snapshot if it is that."""
        try:
            await self.redis.xadd(
                self._key("doc", name, "quarantine"),
                {b"u": update, b"r": reason.encode(), b"n": self._node},
            )
            data, _, entries = await self._read(name)
            bad = [entry_id for entry_id, fields in _pairs(entries) if fields.get(b"u") == update]
            if bad:
                await self.redis.xdel(self._stream(name), *bad)
            if data == update:
                await self.redis.hdel(self._snapshot(name), "data")
        except RedisError as exc:
            raise StoreError(f"Redis unavailable: {exc}") from exc

    async def quarantined(self, name: str) -> list[tuple[bytes, str]]:
        try:
            entries: Any = await self.redis.xrange(self._key("doc", name, "quarantine"))
        except RedisError as exc:
            raise StoreError(f"Redis unavailable: {exc}") from exc
        return [(fields[b"u"], fields[b"r"].decode()) for _, fields in _pairs(entries)]

    # boards, people, marks ----------------------------------------------------------------

    async def create_board(self, board: BoardRecord, session_name: str, seed: bytes) -> None:
        try:
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.set(self._key("board", board.id), json.dumps(board.to_json()), nx=True)
                pipe.xadd(self._stream(session_name), {"u": seed, "n": self._node})
                pipe.zadd(self._key("journeys", board.workshop), {board.id: board.created_at_ms})
                created, _, _ = await pipe.execute()
        except RedisError as exc:
            raise StoreError(f"Redis unavailable: {exc}") from exc
        if not created:
            raise StoreError(f"board {board.id} exists already")
        self.repair.records.remember_board(board)

    async def get_board(self, board_id: str) -> BoardRecord | None:
        raw = await self._call(self.redis.get(self._key("board", board_id)))
        if not raw:
            return None
        board = BoardRecord.from_json(json.loads(raw))
        self.repair.records.remember_board(board)
        return board

    async def save_board(self, board: BoardRecord) -> None:
        await self._call(self.redis.set(self._key("board", board.id), json.dumps(board.to_json())))
        self.repair.records.remember_board(board)

    async def list_journeys(self, workshop_id: str) -> list[BoardRecord]:
        """The journeys the workshop's index names, and its root: a board made before
        workshops is in no index and reads as the root of a workshop of its own."""
        members = await self._call(self.redis.zrange(self._key("journeys", workshop_id), 0, -1))
        ids = [workshop_id, *(m.decode() for m in members if m.decode() != workshop_id)]
        raws = await self._call(self.redis.mget([self._key("board", i) for i in ids]))
        boards = [BoardRecord.from_json(json.loads(raw)) for raw in raws if raw]
        boards = [board for board in boards if board.workshop == workshop_id]
        for board in boards:
            self.repair.records.remember_board(board)
        return sorted(boards, key=lambda b: (b.id != workshop_id, b.created_at_ms, b.id))

    async def put_picture(self, board_id: str, picture: Picture | None) -> None:
        key = self._key("picture", board_id)
        if picture is None:
            await self._call(self.redis.delete(key))
        else:
            mapping = {"media_type": picture.media_type, "data": picture.data}
            await self._call(self.redis.hset(key, mapping=mapping))  # type: ignore[arg-type]

    async def get_picture(self, board_id: str) -> Picture | None:
        raw = await self._call(self.redis.hgetall(self._key("picture", board_id)))
        if not raw or b"data" not in raw:
            return None
        return Picture(raw[b"media_type"].decode(), bytes(raw[b"data"]))

    async def save_person(self, person: PersonRecord) -> None:
        await self._call(
            self.redis.hset(
                self._key("people", person.board_id), person.id, json.dumps(person.to_json())
            )
        )
        self.repair.records.remember_person(person)

    async def get_person(self, board_id: str, person_id: str) -> PersonRecord | None:
        raw = await self._call(self.redis.hget(self._key("people", board_id), person_id))
        if not raw:
            return None
        person = PersonRecord.from_json(json.loads(raw))
        self.repair.records.remember_person(person)
        return person

    async def list_people(self, board_id: str) -> list[PersonRecord]:
        raw = await self._call(self.redis.hgetall(self._key("people", board_id)))
        people = [PersonRecord.from_json(json.loads(value)) for value in raw.values()]
        for person in people:
            self.repair.records.remember_person(person)
        return sorted(people, key=lambda person: (person.joined_at_ms, person.id))

    async def put_mark(
        self, board_id: str, kind: str, person_id: str, card: str, value: dict[str, Any] | None
    ) -> None:
        key, item = self._key("marks", board_id, kind), f"{person_id}\x1f{card}"
        if value is None:
            await self._call(self.redis.hdel(key, item))
        else:
            await self._call(self.redis.hset(key, item, json.dumps(value)))

    async def list_marks(self, board_id: str, kind: str) -> list[Mark]:
        raw = await self._call(self.redis.hgetall(self._key("marks", board_id, kind)))
        marks = []
        for item, value in sorted(raw.items()):
            person, _, card = item.decode().partition("\x1f")
            marks.append(Mark(person, card, json.loads(value)))
        return marks

    async def get_metrics(self, board_id: str) -> MetricsRecord:
        raw = await self._call(self.redis.get(self._key("metrics", board_id)))
        return MetricsRecord.from_json(json.loads(raw)) if raw else MetricsRecord(board_id)

    async def save_metrics(self, metrics: MetricsRecord) -> None:
        data = json.dumps(metrics.to_json())
        await self._call(self.redis.set(self._key("metrics", metrics.board_id), data))

    async def _call(self, awaitable: Any) -> Any:
        try:
            return await awaitable
        except RedisError as exc:
            raise StoreError(f"Redis unavailable: {exc}") from exc


def _pairs(entries: list[Any]) -> list[tuple[bytes, dict[bytes, bytes]]]:
    """XRANGE entries from a script come as [id, [field, value, ...]]; pair the fields."""
    pairs: list[tuple[bytes, dict[bytes, bytes]]] = []
    for entry_id, flat in entries:
        fields = dict(zip(flat[::2], flat[1::2], strict=True)) if isinstance(flat, list) else flat
        pairs.append((entry_id, fields))
    return pairs
