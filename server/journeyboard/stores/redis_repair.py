"""Noticing that Redis lost writes it had acknowledged, and writing back what this node holds.

Redis with AOF `everysec` can come back from a host crash with up to a second less than it
acknowledged, and a replica promoted in place of its primary can be behind it. Other clients had
already seen those updates, and the node that relayed them still holds them in its open rooms. So
every `CHECK_SECONDS` (1 s by default, `JOURNEYBOARD_REDIS_CHECK_SECONDS`) a node:

- compares the server's identity (INFO `run_id`, `master_replid`, `master_repl_offset`) with the
  last one it saw: a new server or a replication offset that went backwards means every open
  document must be verified;
- checks, for every open document, that the last stream entry its tail read is still there (or
  covered by the snapshot): a missing one means that document lost entries;
- checks that the board records it keeps cached still exist.

Verifying a document (under a short per-document lease, so that the nodes take turns and the
second one finds nothing left to do): flush the room, read the stored snapshot and log in one
script into a scratch document, restart the tail from the end of what was read (a tail whose
position is ahead of the stream would otherwise skip new entries with lower ids), give the room
what the store has that it lacks, and append what the room has that the store lacks
(`room.doc.get_update(stored_state_vector)`) as one update. Board and person records this node
has cached are written back when missing; link versions and removals are merged so that a lost
write never revives a rotated link or a removed person.

The open documents and where their tails are come from the bus that tails this store's
streams (`OpenDocuments`, registered with `RedisStore.attach`), so that the store needs nothing
of `cluster/`.

What is not covered: documents no node holds open any more (unloaded after the grace period),
raw votes and ratings before a reveal, and records this node never read or wrote.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import logging
import os
import secrets
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from pycrdt import Doc
from redis.exceptions import RedisError

from journeyboard.stores.records import BoardRecord, PersonRecord
from journeyboard.sync.ports import HealthCounter, StoreError
from journeyboard.sync.protocol import EMPTY_UPDATE
from journeyboard.tasks import raise_if_cancelling

if TYPE_CHECKING:
    from journeyboard.stores.redis import RedisStore

log = logging.getLogger(__name__)

CHECK_SECONDS = float(os.environ.get("JOURNEYBOARD_REDIS_CHECK_SECONDS", "1"))
"""How often a node checks Redis for lost writes: the bound on detection latency."""
FLUSH_SECONDS = 2.0
LEASE_MS = 10_000
CACHED_BOARDS = 1024
"""Board records (with their people) kept to write back; the least recently used go first."""

# KEYS: snapshot hash, stream. ARGV: the id of the last entry a tail read.
# Returns 1 if that entry is gone and the snapshot does not cover it: entries were lost.
POSITION_SCRIPT = """
if ARGV[1] == '0-0' then return 0 end
if #redis.call('XRANGE', KEYS[2], ARGV[1], ARGV[1]) > 0 then return 0 end
local through = redis.call('HGET', KEYS[1], 'through')
if not through then return 1 end
local tm, ts = string.match(through, '(%d+)-(%d+)')
local lm, ls = string.match(ARGV[1], '(%d+)-(%d+)')
tm, ts, lm, ls = tonumber(tm), tonumber(ts), tonumber(lm), tonumber(ls)
if tm > lm or (tm == lm and ts >= ls) then return 0 end
return 1
"""

COMPARE_AND_SET = """
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('SET', KEYS[1], ARGV[2]) return 1 end
return 0
"""

COMPARE_AND_HSET = """
if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[3]) return 1
end
return 0
"""

RELEASE_LEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


@runtime_checkable
class Holder(Protocol):
    """An open room as the repair sees it (a `journeyboard.sync.room.Room`)."""

    doc: Doc[Any]

    @property
    def closed(self) -> bool: ...

    async def flush(self) -> None: ...

    def apply_remote(self, update: bytes) -> None: ...


class OpenDocuments(Protocol):
    """What the repair needs of whatever tails this store's document streams: the Redis-only
    bus (`cluster.feeds.StoreStreamFeed`), which registers itself with `RedisStore.attach`.
    The store knows nothing of the bus beyond this."""

    def open_documents(self) -> list[tuple[str, object, bytes]]:
        """Every followed document: its name, its follower (an open room) and the id of the
        last stream entry its tail read."""
        ...

    def restart_tail(self, name: str, last_id: bytes) -> None:
        """Tail the document again from `last_id`: after Redis lost entries, a position beyond
        its stream would skip new entries with lower ids."""


@dataclass
class RepairStats:
    server_changes: int = 0
    """Times the Redis server's identity changed (restart, failover) or its offset went back."""
    loss_detected: int = 0
    """Documents and records found to lack writes that Redis had acknowledged."""
    repaired_updates: int = 0
    repaired_bytes: int = 0
    restored_records: int = 0


@dataclass
class _CachedBoard:
    board: BoardRecord | None = None
    people: dict[str, PersonRecord] = field(default_factory=dict)


class RecordCache:
    """The board and person records a node has read or written, merged so they only grow:
    link versions take the highest seen, a removal stays."""

    def __init__(self, size: int = CACHED_BOARDS) -> None:
        self.size = size
        self._boards: OrderedDict[str, _CachedBoard] = OrderedDict()

    def _entry(self, board_id: str) -> _CachedBoard:
        entry = self._boards.get(board_id)
        if entry is None:
            entry = self._boards[board_id] = _CachedBoard()
            while len(self._boards) > self.size:
                self._boards.popitem(last=False)
        else:
            self._boards.move_to_end(board_id)
        return entry

    def remember_board(self, board: BoardRecord) -> None:
        entry = self._entry(board.id)
        known = entry.board
        versions = dict(board.link_versions)
        if known is not None:
            for role, version in known.link_versions.items():
                versions[role] = max(version, versions.get(role, 0))
        entry.board = dataclasses.replace(
            board, link_versions=versions, persona=dict(board.persona)
        )

    def remember_person(self, person: PersonRecord) -> None:
        entry = self._entry(person.board_id)
        known = entry.people.get(person.id)
        removed = person.removed or (known is not None and known.removed)
        entry.people[person.id] = PersonRecord(
            person.board_id,
            person.id,
            person.name,
            person.department,
            person.role,
            person.joined_at_ms,
            removed,
            person.color,
        )

    def items(self) -> list[tuple[str, _CachedBoard]]:
        return list(self._boards.items())


class RedisRepair:
    """Runs the checks of one RedisStore and reports them on /metrics."""

    def __init__(self, store: RedisStore, *, interval: float = CHECK_SECONDS) -> None:
        self.store = store
        self.interval = interval
        self.stats = RepairStats()
        self.records = RecordCache()
        self.checked = asyncio.Event()
        """Set after every completed check round (tests wait on it)."""
        self._identity: tuple[str, str, int] | None = None
        self._pending: set[str] = set()
        self._records_pending = False
        self._failing = False
        self._position: Any = None
        self.documents: OpenDocuments | None = None
        """The open documents (none until a bus tails this store's streams)."""

    async def run(self) -> None:
        """Check every `interval` until the store closes.

        redis-py can swallow a cancellation that arrives while it waits on the socket (as a
        TimeoutError, an OSError here, or not at all), so the loop does not rely on being
        cancelled: it ends once the store is closing, and re-raises a cancellation that its
        task still has pending. A loop that outlived its store once kept a server from ever
        starting (`cli.reachable` opens and closes the store first)."""
        while not self.store.closing:
            try:
                await self.check()
                if self._failing:
                    log.info("Redis checks work again")
                self._failing = False
            except (RedisError, StoreError, OSError) as exc:
                if self.store.closing:
                    return
                if not self._failing:
                    log.warning("checking Redis for lost writes failed: %s; retrying", exc)
                self._failing = True
            raise_if_cancelling()
            await asyncio.sleep(self.interval)

    async def check(self) -> None:
        """One round: detect, then verify what needs it (what a lease kept away stays pending)."""
        if await self._server_changed():
            self._pending.update(self._open_documents())
            self._records_pending = True
        lost = await self._lost_positions()
        if lost:
            self._pending.update(lost)
            self._records_pending = True
        if not self._records_pending and await self._records_missing():
            self._records_pending = True
        if self._records_pending:
            await self.restore_records()
            self._records_pending = False
        for name in sorted(self._pending):
            if await self.repair_document(name):
                self._pending.discard(name)
        self.checked.set()
        self.checked = asyncio.Event()

    def _open(self) -> dict[str, tuple[object, bytes]]:
        """Open document → (its follower, the id of the last entry its tail read)."""
        if self.documents is None:
            return {}
        return {name: (held, last) for name, held, last in self.documents.open_documents()}

    def _open_documents(self) -> list[str]:
        return list(self._open())

    async def _server_changed(self) -> bool:
        redis = self.store.redis
        try:
            server = await redis.info("server")
            replication = await redis.info("replication")
        except RedisError as exc:
            if "unknown command" in str(exc).lower():
                return False  # INFO is disabled: the stream positions still tell
            raise
        identity = (
            str(server.get("run_id", "")),
            str(replication.get("master_replid", "")),
            int(replication.get("master_repl_offset", 0)),
        )
        previous, self._identity = self._identity, identity
        if previous is None:
            return False
        if identity[:2] == previous[:2] and identity[2] >= previous[2]:
            return False
        self.stats.server_changes += 1
        log.warning(
            "Redis changed (run_id %s -> %s, replication %s@%d -> %s@%d): "
            "verifying every open document against it",
            previous[0], identity[0], previous[1], previous[2], identity[1], identity[2],
        )  # fmt: skip
        return True

    async def _lost_positions(self) -> list[str]:
        store = self.store
        follows = list(self._open().items())
        if not follows:
            return []
        if self._position is None:
            self._position = store.redis.register_script(POSITION_SCRIPT)
        async with store.redis.pipeline(transaction=False) as pipe:
            for name, (_, last_id) in follows:
                await self._position(
                    keys=[store._snapshot(name), store._stream(name)],
                    args=[last_id],
                    client=pipe,
                )
            results = await pipe.execute()
        lost = [name for (name, _), gone in zip(follows, results, strict=True) if gone]
        for name in lost:
            log.warning("Redis lost the entries of %s that this node had read", name)
        return lost

    async def _records_missing(self) -> bool:
        boards = [board_id for board_id, entry in self.records.items() if entry.board]
        if not boards:
            return False
        keys = [self.store._key("board", board_id) for board_id in boards]
        return bool(await self.store.redis.exists(*keys) < len(keys))

    # repairs ------------------------------------------------------------------------------

    async def repair_document(self, name: str) -> bool:
        """Verify one open document against Redis; False if it must be tried again later."""
        store = self.store
        documents, opened = self.documents, self._open().get(name)
        if opened is None or documents is None:
            return True  # unloaded (or not followed yet: then it was loaded after the loss)
        holder = opened[0]
        if not isinstance(holder, Holder):
            return True
        redis = store.redis
        lease, token = store._key("doc", name, "repair"), secrets.token_hex(8)
        if not await redis.set(lease, token, nx=True, px=LEASE_MS):
            return False  # another node is writing back right now: look again next round
        try:
            if not holder.closed:
                with contextlib.suppress(TimeoutError, RuntimeError):
                    await asyncio.wait_for(holder.flush(), FLUSH_SECONDS)
            data, through, entries = await store._read(name)
            now = self._open().get(name)
            if now is None or now[0] is not holder:
                return True  # reloaded meanwhile, from what Redis has now
            from journeyboard.stores.redis import _pairs  # a cycle at import time

            pairs = _pairs(entries)
            stored: Doc[Any] = Doc()
            for update in ([data] if data else []) + [fields[b"u"] for _, fields in pairs]:
                try:
                    stored.apply_update(update)
                except Exception as exc:  # a stored update that cannot be applied
                    log.error("verifying %s: skipped a stored update: %s", name, exc)
            last = pairs[-1][0] if pairs else (through or b"0-0")
            documents.restart_tail(name, bytes(last))
            lacking = stored.get_update(holder.doc.get_state())
            if lacking != EMPTY_UPDATE:
                holder.apply_remote(lacking)
            missing = holder.doc.get_update(stored.get_state())
            if missing == EMPTY_UPDATE:
                return True
            # Counted before the write-back's answer: whoever sees the entry back in Redis also
            # sees the loss counted.
            self.stats.loss_detected += 1
            await store.append_update(name, missing)
            self.stats.repaired_updates += 1
            self.stats.repaired_bytes += len(missing)
            log.warning(
                "Redis lacked acknowledged writes of %s: wrote back %d bytes this node held",
                name,
                len(missing),
            )
            return True
        finally:
            with contextlib.suppress(RedisError):
                await redis.eval(RELEASE_LEASE, 1, lease, token)

    async def restore_records(self) -> int:
        """Write back cached board and person records that Redis lacks; return how many."""
        store, redis = self.store, self.store.redis
        restored = 0
        for board_id, entry in self.records.items():
            if entry.board is not None:
                restored += await self._restore_board(store._key("board", board_id), entry.board)
            if entry.people:
                key = store._key("people", board_id)
                stored = await redis.hgetall(key)
                for person_id, person in list(entry.people.items()):
                    raw = stored.get(person_id.encode())
                    text = json.dumps(person.to_json())
                    if raw is None:
                        restored += int(await redis.hsetnx(key, person_id, text))
                    elif person.removed and not json.loads(raw).get("removed"):
                        kept = {**json.loads(raw), "removed": True}
                        done = await redis.eval(
                            COMPARE_AND_HSET, 1, key, person_id, raw, json.dumps(kept)
                        )
                        restored += int(done)
        if restored:
            self.stats.loss_detected += restored
            self.stats.restored_records += restored
            log.warning("Redis lacked %d board or person records: wrote them back", restored)
        return restored

    async def _restore_board(self, key: str, board: BoardRecord) -> int:
        redis = self.store.redis
        # The workshop's index of its journeys (ZADD of a member it has is a no-op).
        index = self.store._key("journeys", board.workshop)
        await redis.zadd(index, {board.id: board.created_at_ms})
        raw = await redis.get(key)
        if raw is None:
            return int(bool(await redis.set(key, json.dumps(board.to_json()), nx=True)))
        stored = BoardRecord.from_json(json.loads(raw))
        versions = dict(stored.link_versions)
        for role, version in board.link_versions.items():
            versions[role] = max(version, versions.get(role, 0))
        if versions == stored.link_versions:
            return 0
        stored.link_versions = versions
        return int(await redis.eval(COMPARE_AND_SET, 1, key, raw, json.dumps(stored.to_json())))

    def counters(self) -> list[HealthCounter]:
        """The repair's counts, for operators."""
        stats = self.stats
        return [
            HealthCounter(
                "journeyboard_redis_server_changes",
                "Times the Redis server changed (run id, replication id) or its offset went back",
                stats.server_changes,
            ),
            HealthCounter(
                "journeyboard_redis_data_loss_detected",
                "Documents and records found to lack writes that Redis had acknowledged",
                stats.loss_detected,
            ),
            HealthCounter(
                "journeyboard_redis_repaired_updates",
                "Updates written back to Redis from open documents after it lost writes",
                stats.repaired_updates,
            ),
            HealthCounter(
                "journeyboard_redis_repaired_bytes",
                "Bytes of updates written back to Redis after it lost writes",
                stats.repaired_bytes,
            ),
            HealthCounter(
                "journeyboard_redis_restored_records",
                "Board and person records written back to Redis after it lost them",
                stats.restored_records,
            ),
        ]
