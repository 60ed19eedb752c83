"""What the Redis bus's streams carry, in each of the two ways nodes share a store.

`SharedLogFeed` (`--store postgresql://… --bus redis://…`): the store commits an update first
and numbers it: each document's log counts 1, 2, 3… in commit order. Only then does the node
publish it, with that number, on the document's bus stream `bus:<doc>`; the other nodes that
have the document open apply what they have not applied yet. The bus is only a shortcut: Redis
may lose, drop or reorder anything, because a node that sees a gap in the numbers, reconnects
to Redis, or finds the store's head beyond what it applied (checked every
`JOURNEYBOARD_BUS_CHECK_SECONDS`) reads what it misses from the store. Nothing a client saw
depends on Redis. The board command lock is the store's (a PostgreSQL advisory lock): it holds
while Redis is away.

`StoreStreamFeed` (`--store redis://…` alone): the store's own document log streams
`doc:<name>:log` are the bus. The tail reads a document's stream from exactly the entry id the
store loaded it up to, and applies the other nodes' entries (`{u: update, n: node}`); a commit
needs no message, since the other nodes read the entry from the log itself. Catching up waits
until the tail has passed the stream's newest id; the board command lock is a Redis lock
(`lock:<board>`). The feed also tells the store's repair (`stores/redis_repair.py`) which
documents are open and where their tails are, and sets a tail back when Redis lost entries.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from redis.exceptions import RedisError

from journeyboard.cluster.redis import Followed, RedisBus
from journeyboard.stores.base import LogStreams, SharedLog
from journeyboard.sync.ports import Follower, Position, StoreError
from journeyboard.tasks import raise_if_cancelling

log = logging.getLogger(__name__)

CHECK_SECONDS = float(os.environ.get("JOURNEYBOARD_BUS_CHECK_SECONDS", "2"))
"""How often a node compares what it applied with the store's heads (the safety net)."""

GAP_WAIT_SECONDS = 0.25
"""How long a gap in the numbers may stay open before the node reads the store: updates of
two nodes may reach Redis in the other order."""

CATCH_UP_SECONDS = 10.0
"""How long a command waits for the tail to pass a Redis-only stream's newest entry."""


# in front of a shared system of record ------------------------------------------------------


@dataclass(eq=False)
class Sequenced(Followed):
    """A followed document of a shared log: which of its numbered updates are applied here."""

    applied: int = 0
    """Every update up to this number is applied here."""
    ahead: set[int] = field(default_factory=set)
    """Numbers above `applied` applied here (this node's own, or arrived out of order)."""
    catching_up: asyncio.Lock = field(default_factory=asyncio.Lock)
    gap_timer: asyncio.TimerHandle | None = None

    def mark(self, seq: int) -> bool:
        """Record `seq` as applied; False when it already was."""
        if seq <= self.applied or seq in self.ahead:
            return False
        self.ahead.add(seq)
        while self.applied + 1 in self.ahead:
            self.applied += 1
            self.ahead.discard(self.applied)
        return True

    def is_snapshot(self, seq: int, entries: list[tuple[int, bytes]]) -> bool:
        """A store's snapshot comes first and runs through `seq`: more than one number."""
        return entries[0][0] == seq and seq > self.applied + 1

    def covered(self, head: int) -> None:
        """Everything up to `head` is applied."""
        if head > self.applied:
            self.applied = head
        self.ahead = {seq for seq in self.ahead if seq > head}


class SharedLogFeed:
    """Numbered updates on `bus:<doc>` streams, with the store as the fallback for anything
    the bus lost."""

    node_id: str | None = None

    def __init__(self, store: SharedLog) -> None:
        self.store = store
        self._bus: RedisBus[Sequenced] | None = None

    @property
    def bus(self) -> RedisBus[Sequenced]:
        if self._bus is None:
            raise RuntimeError("the feed serves no bus yet")
        return self._bus

    def bind(self, bus: RedisBus[Sequenced]) -> None:
        self._bus = bus

    def stream(self, name: str) -> str:
        return self.bus.key("bus", name)

    def follow(self, follower: Follower, since: Position) -> Sequenced:
        return Sequenced(follower, applied=since if isinstance(since, int) else 0)

    def unfollowed(self, followed: Sequenced) -> None:
        if followed.gap_timer is not None:
            followed.gap_timer.cancel()

    def placed(self, name: str, followed: Sequenced) -> None:
        # What was published before the stream's end was committed before it: the store has it.
        self.bus.spawn(self._read_store_quietly(name, followed), f"catch up {name}")

    def on_entry(self, name: str, followed: Sequenced, fields: dict[bytes, bytes]) -> None:
        if fields.get(b"n") == self.bus.node_id.encode():
            return
        if not followed.mark(int(fields.get(b"s", b"0"))):
            return
        followed.follower.apply_remote(fields[b"u"])
        self.bus.stats.applied_from_bus += 1
        if followed.ahead and followed.gap_timer is None:
            followed.gap_timer = asyncio.get_running_loop().call_later(
                GAP_WAIT_SECONDS, self._close_gap, name, followed
            )

    def committed(self, name: str, seq: int, update: bytes) -> dict[str, bytes] | None:
        followed = self.bus.following(name)
        if followed is not None:
            followed.mark(seq)
        return {"n": self.bus.node_id.encode(), "s": str(seq).encode(), "u": update}

    async def catch_up(self, name: str, followed: Sequenced) -> None:
        await self._read_store(name, followed)

    def reconnected(self, name: str, followed: Sequenced) -> None:
        followed.stream_id = None  # place again (then read the store): Redis may be a new one

    async def watch(self) -> None:
        """The safety net: whatever Redis lost, the store's heads tell."""
        while True:
            await asyncio.sleep(CHECK_SECONDS)
            follows = dict(self.bus.followed())
            if not follows:
                continue
            try:
                heads = await self.store.heads(list(follows))
            except StoreError as exc:
                raise_if_cancelling()  # psycopg may have turned the bus's cancel into one
                log.warning("checking the store's heads: %s", exc)
                continue
            for name, head in heads.items():
                followed = self.bus.following(name)
                if followed is None or head <= followed.applied:
                    continue
                have = sum(1 for seq in followed.ahead if seq <= head)
                if have < head - followed.applied:
                    self.bus.spawn(self._read_store_quietly(name, followed), f"catch up {name}")
                else:
                    followed.covered(head)

    def board_lock(self, board_id: str) -> contextlib.AbstractAsyncContextManager[None]:
        return self.store.board_lock(board_id)

    async def _read_store(self, name: str, followed: Sequenced) -> None:
        """Apply what the store committed beyond what this node applied."""
        async with followed.catching_up:
            entries, head = await self.store.entries_since(name, followed.applied)
            if self.bus.following(name) is not followed:
                return
            for seq, update in entries:
                if seq <= followed.applied:
                    continue
                if followed.is_snapshot(seq, entries):
                    followed.follower.apply_remote(update)  # it runs through several numbers
                    followed.covered(seq)
                elif followed.mark(seq):
                    followed.follower.apply_remote(update)
                else:
                    continue  # the bus or this node brought it already
                self.bus.stats.caught_up += 1
            followed.covered(head)

    def _close_gap(self, name: str, followed: Sequenced) -> None:
        followed.gap_timer = None
        if followed.ahead and self.bus.following(name) is followed:
            self.bus.spawn(self._read_store_quietly(name, followed), f"gap {name}")

    async def _read_store_quietly(self, name: str, followed: Sequenced) -> None:
        try:
            await self._read_store(name, followed)
        except StoreError as exc:
            log.warning("catching up %s from the store: %s", name, exc)
        except Exception:
            log.exception("catching up %s from the store failed", name)


# on Redis alone -------------------------------------------------------------------------------


def _stream_id(value: bytes) -> tuple[int, int]:
    ms, _, seq = value.decode().partition("-")
    return int(ms), int(seq or 0)


class StoreStreamFeed:
    """The Redis store's own document streams as the bus; the store's repair learns from it
    which documents are open (`OpenDocuments` in `stores/redis_repair.py`)."""

    def __init__(self, store: LogStreams) -> None:
        self.store = store
        self.node_id: str | None = store.node_id
        """The store tags its appends with its node id: the bus must skip those."""
        self._node = store.node_id.encode()
        self._bus: RedisBus[Followed] | None = None

    @property
    def bus(self) -> RedisBus[Followed]:
        if self._bus is None:
            raise RuntimeError("the feed serves no bus yet")
        return self._bus

    def bind(self, bus: RedisBus[Followed]) -> None:
        self._bus = bus
        self.store.attach(self)

    def stream(self, name: str) -> str:
        return self.store.log_stream(name)

    def follow(self, follower: Follower, since: Position) -> Followed:
        return Followed(follower, since if isinstance(since, bytes) else b"0-0")

    def unfollowed(self, followed: Followed) -> None:
        return None

    def placed(self, name: str, followed: Followed) -> None:
        return None  # never unplaced: a document is followed from the id it was loaded at

    def on_entry(self, name: str, followed: Followed, fields: dict[bytes, bytes]) -> None:
        if fields.get(b"n") != self._node:
            followed.follower.apply_remote(fields[b"u"])
            self.bus.stats.applied_from_bus += 1

    def committed(self, name: str, seq: int, update: bytes) -> dict[str, bytes] | None:
        return None  # the other nodes read the update from the document's stream

    async def catch_up(self, name: str, followed: Followed) -> None:
        """Wait until the tail has read the stream's newest entry (as of now)."""
        try:
            newest: Any = await self.bus.redis.xrevrange(self.stream(name), count=1)
        except RedisError as exc:
            raise StoreError(f"Redis unavailable: {exc}") from exc
        if not newest:
            return
        target = _stream_id(bytes(newest[0][0]))
        async with asyncio.timeout(CATCH_UP_SECONDS):
            while self.bus.following(name) is followed and (
                followed.stream_id is None or _stream_id(followed.stream_id) < target
            ):
                await self.bus.next_round()

    def reconnected(self, name: str, followed: Followed) -> None:
        return None  # the tail goes on from the last id it read; the repair sees lost entries

    async def watch(self) -> None:
        return None

    @contextlib.asynccontextmanager
    async def _board_lock(self, board_id: str) -> AsyncIterator[None]:
        lock = self.bus.redis.lock(
            self.bus.key("lock", board_id), timeout=30, blocking_timeout=30, sleep=0.005
        )
        try:
            acquired = await lock.acquire()
        except RedisError as exc:
            raise StoreError(f"Redis unavailable: {exc}") from exc
        if not acquired:
            raise StoreError("the board is busy; try again")
        try:
            yield
        finally:
            with contextlib.suppress(RedisError):
                await lock.release()

    def board_lock(self, board_id: str) -> contextlib.AbstractAsyncContextManager[None]:
        return self._board_lock(board_id)

    # what the store's repair needs (stores.redis_repair.OpenDocuments) ----------------------

    def open_documents(self) -> list[tuple[str, object, bytes]]:
        return [
            (name, followed.follower, followed.stream_id)
            for name, followed in self.bus.followed()
            if followed.stream_id is not None
        ]

    def restart_tail(self, name: str, last_id: bytes) -> None:
        self.bus.restart_tail(name, last_id)
