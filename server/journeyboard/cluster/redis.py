"""Redis as the bus in front of a shared system of record (`--store postgresql://… --bus redis://…`).

The store commits an update first and numbers it: each document's log counts 1, 2, 3… in
commit order. Only then does this node publish it, with that number, on the document's bus
stream; the other nodes that have the document open apply what they have not applied yet. The
bus is only a shortcut: Redis may lose, drop or reorder anything, because a node that sees a gap
in the numbers, reconnects to Redis, or finds the store's head beyond what it applied (checked
every `JOURNEYBOARD_BUS_CHECK_SECONDS`) reads what it misses from the store. Nothing a client saw
depends on Redis.

- one task tails every followed stream with a single XREAD; following a document wakes it
  through the node's own wake stream;
- presence and control messages travel over pub/sub, tagged with the node id; a heartbeat key
  per node lets the others clear the presence of a node that died;
- the board command lock is the store's (a PostgreSQL advisory lock): it holds while Redis
  is away.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import secrets
from dataclasses import dataclass, field
from typing import Any, Protocol, Self, runtime_checkable
from urllib.parse import parse_qs, urlsplit, urlunsplit

from redis import asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

from journeyboard.stores import StoreError
from journeyboard.sync.ports import ControlHandler, Follower, Position

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = float(os.environ.get("JOURNEYBOARD_HEARTBEAT_SECONDS", "3"))
NODE_TTL_MS = int(HEARTBEAT_SECONDS * 3000)
"""A node whose heartbeat key expired is dead: three missed heartbeats."""

CHECK_SECONDS = float(os.environ.get("JOURNEYBOARD_BUS_CHECK_SECONDS", "2"))
"""How often a node compares what it applied with the store's heads (the safety net)."""

GAP_WAIT_SECONDS = 0.25
"""How long a gap in the numbers may stay open before the node reads the store: updates of
two nodes may reach Redis in the other order."""

STREAM_LENGTH = 1000
"""Entries a bus stream keeps (approximately): only the recent past matters."""


@runtime_checkable
class SharedLog(Protocol):
    """What the bus needs of a store shared by every node."""

    async def entries_since(self, name: str, seq: int) -> tuple[list[tuple[int, bytes]], int]:
        """The updates committed after `seq` with their numbers (first the snapshot, with the
        number it runs through, if it covers `seq`), and the head."""
        ...

    async def heads(self, names: list[str]) -> dict[str, int]:
        """The newest sequence number of each document."""
        ...

    def board_lock(self, board_id: str) -> contextlib.AbstractAsyncContextManager[None]: ...


@dataclass(eq=False)
class _Followed:
    follower: Follower
    applied: int
    """Every update up to this number is applied here."""
    ahead: set[int] = field(default_factory=set)
    """Numbers above `applied` applied here (this node's own, or arrived out of order)."""
    stream_id: bytes | None = None
    """Where the tail reads the document's bus stream from (None: not yet placed)."""
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


@dataclass
class BusStats:
    published: int = 0
    publish_failures: int = 0
    """Updates this node could not publish (Redis away): the others read them from the store."""
    applied_from_bus: int = 0
    caught_up: int = 0
    """Updates a node read from the store because the bus did not bring them."""


def _split(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    options = {key: values[0] for key, values in parse_qs(parts.query).items()}
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", "")), options.get(
        "prefix", "jb:"
    )


class RedisBus:
    """The nodes' bus over one Redis server, in front of a shared store."""

    def __init__(self, url: str, store: Any) -> None:
        if not isinstance(store, SharedLog):
            raise ValueError("--bus needs a store every node shares: use --store postgresql://…")
        self.url, self.prefix = _split(url)
        self.store: SharedLog = store
        self.node_id = secrets.token_hex(8)
        self._node = self.node_id.encode()
        self.stats = BusStats()
        self._redis: aioredis.Redis | None = None
        self._follows: dict[str, _Followed] = {}
        self._outbox: list[tuple[str, bytes, bytes]] = []
        """(name, kind, message): b"U" updates for streams, b"P" presence, b"C" control."""
        self._outbox_wake = asyncio.Event()
        self._control: ControlHandler | None = None
        self._peers: set[str] = set()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._bus_lost = False

    # keys -----------------------------------------------------------------------------------

    def _key(self, *parts: str) -> str:
        return self.prefix + ":".join(parts)

    def _stream(self, name: str) -> str:
        return self._key("bus", name)

    @property
    def _wake_stream(self) -> str:
        return self._key("bus-wake", self.node_id)

    @property
    def redis(self) -> aioredis.Redis:
        if self._redis is None:
            raise StoreError("the Redis bus is not started")
        return self._redis

    # lifetime ---------------------------------------------------------------------------------

    async def __aenter__(self) -> Self:
        self._redis = aioredis.from_url(
            self.url,
            decode_responses=False,
            retry=Retry(ExponentialBackoff(cap=1.0, base=0.05), 3),
            retry_on_error=[RedisConnectionError, RedisTimeoutError],
            health_check_interval=5,
        )
        try:
            await self._redis.ping()
        except (RedisError, OSError) as exc:
            # Serve anyway: the store holds everything, and the bus heals when Redis is back.
            log.warning("the bus at %s is unreachable (%s); serving, and retrying", self.url, exc)
            self._bus_lost = True
        for coro, name in (
            (self._tail(), "bus-tail"),
            (self._publish_loop(), "bus-publisher"),
            (self._listen(), "bus-listener"),
            (self._heartbeat(), "bus-heartbeat"),
            (self._check_heads(), "bus-check"),
        ):
            task = asyncio.create_task(coro, name=name)
            self._tasks.add(task)
            task.add_done_callback(self._finished)
        return self

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("%s failed", task.get_name(), exc_info=task.exception())

    async def __aexit__(self, *exc_info: object) -> None:
        if self._redis is None:
            return
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            _, stuck = await asyncio.wait(set(self._tasks), timeout=2)
            for task in stuck:
                log.warning("task %s did not stop within 2 s of closing", task.get_name())
        with contextlib.suppress(RedisError, OSError):
            await self._redis.delete(self._key("node", self.node_id), self._wake_stream)
        await self._redis.aclose()
        self._redis = None

    # documents --------------------------------------------------------------------------------

    def follow(self, name: str, follower: Follower, since: Position) -> None:
        previous = self._follows.pop(name, None)
        if previous is not None and previous.gap_timer is not None:
            previous.gap_timer.cancel()
        self._follows[name] = _Followed(follower, since if isinstance(since, int) else 0)
        self._send(name, b"P", b"Q")
        self._wake()

    def unfollow(self, name: str) -> None:
        followed = self._follows.pop(name, None)
        if followed is not None and followed.gap_timer is not None:
            followed.gap_timer.cancel()

    def committed(self, name: str, seq: int, update: bytes) -> None:
        followed = self._follows.get(name)
        if followed is not None:
            followed.mark(seq)
        self._send(name, b"U", seq.to_bytes(8, "big") + update)

    async def catch_up(self, name: str) -> None:
        followed = self._follows.get(name)
        if followed is not None:
            await self._read_store(name, followed)

    async def _read_store(self, name: str, followed: _Followed) -> None:
        """Apply what the store committed beyond what this node applied."""
        async with followed.catching_up:
            entries, head = await self.store.entries_since(name, followed.applied)
            if self._follows.get(name) is not followed:
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
                    continue
                self.stats.caught_up += 1
            followed.covered(head)

    def _on_update(self, name: str, fields: dict[bytes, bytes]) -> None:
        followed = self._follows.get(name)
        if followed is None or fields.get(b"n") == self._node:
            return
        seq = int(fields.get(b"s", b"0"))
        if not followed.mark(seq):
            return
        followed.follower.apply_remote(fields[b"u"])
        self.stats.applied_from_bus += 1
        if followed.ahead and followed.gap_timer is None:
            followed.gap_timer = asyncio.get_running_loop().call_later(
                GAP_WAIT_SECONDS, self._close_gap, name, followed
            )

    def _close_gap(self, name: str, followed: _Followed) -> None:
        followed.gap_timer = None
        if followed.ahead and self._follows.get(name) is followed:
            self._spawn(self._read_store_quietly(name, followed), f"gap {name}")

    async def _read_store_quietly(self, name: str, followed: _Followed) -> None:
        try:
            await self._read_store(name, followed)
        except StoreError as exc:
            log.warning("catching up %s from the store: %s", name, exc)

    def _spawn(self, coro: Any, name: str) -> None:
        task = asyncio.create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._finished)

    # the tail: one XREAD for every followed stream ------------------------------------------

    def _wake(self) -> None:
        self._send("", b"W", b"")

    async def _place(self, names: list[str]) -> None:
        """Start reading newly followed streams at their end, then read the store once: what
        was published before that end was committed before it, so the store has it."""
        async with self.redis.pipeline(transaction=False) as pipe:
            for name in names:
                pipe.xrevrange(self._stream(name), count=1)
            newest = await pipe.execute()
        for name, entries in zip(names, newest, strict=True):
            followed = self._follows.get(name)
            if followed is not None:
                followed.stream_id = bytes(entries[0][0]) if entries else b"0-0"
                self._spawn(self._read_store_quietly(name, followed), f"catch up {name}")

    async def _tail(self) -> None:
        backoff = 0.05
        wake_id = b"$"
        while True:
            try:
                unplaced = [n for n, f in self._follows.items() if f.stream_id is None]
                if unplaced:
                    await self._place(unplaced)
                streams: dict[Any, Any] = {self._wake_stream: wake_id}
                keyed: dict[bytes, str] = {}
                for name, followed in self._follows.items():
                    if followed.stream_id is not None:
                        key = self._stream(name)
                        streams[key] = followed.stream_id
                        keyed[key.encode()] = name
                response: Any = await self.redis.xread(streams, block=1000, count=1000)
                if self._bus_lost:
                    self._bus_lost = False
                    log.info("the bus is back; reading what it missed from the store")
                    self._catch_up_all()
                backoff = 0.05
            except asyncio.CancelledError:
                raise
            except (RedisError, OSError) as exc:
                if not self._bus_lost:
                    log.warning("the bus is unreachable (%s); retrying", exc)
                self._bus_lost = True
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 2.0)
                continue
            for key, entries in response or []:
                key_bytes = bytes(key)
                if key_bytes == self._wake_stream.encode():
                    wake_id = bytes(entries[-1][0])
                    continue
                doc = keyed.get(key_bytes)
                tailed = self._follows.get(doc) if doc is not None else None
                if doc is None or tailed is None:
                    continue
                for entry_id, fields in entries:
                    tailed.stream_id = bytes(entry_id)
                    self._on_update(doc, fields)

    def _catch_up_all(self) -> None:
        for name, followed in list(self._follows.items()):
            followed.stream_id = None  # place again: Redis may have been flushed or replaced
            self._spawn(self._read_store_quietly(name, followed), f"catch up {name}")
            self._send(name, b"P", b"Q")  # ask the others for their presence, and give ours
            own = followed.follower.awareness_snapshot_for_peers()
            if own is not None:
                self.publish_awareness(name, own)

    async def _check_heads(self) -> None:
        """The safety net: whatever Redis lost, the store's heads tell."""
        while True:
            await asyncio.sleep(CHECK_SECONDS)
            names = list(self._follows)
            if not names:
                continue
            try:
                heads = await self.store.heads(names)
            except StoreError as exc:
                log.warning("checking the store's heads: %s", exc)
                continue
            for name, head in heads.items():
                followed = self._follows.get(name)
                if followed is None or head <= followed.applied:
                    continue
                have = sum(1 for seq in followed.ahead if seq <= head)
                if have < head - followed.applied:
                    self._spawn(self._read_store_quietly(name, followed), f"catch up {name}")
                else:
                    followed.covered(head)

    # publishing -------------------------------------------------------------------------------

    def _send(self, name: str, kind: bytes, message: bytes) -> None:
        self._outbox.append((name, kind, message))
        self._outbox_wake.set()

    def publish_awareness(self, name: str, payload: bytes) -> None:
        self._send(name, b"P", b"A" + payload)

    def publish_control(self, message: dict[str, Any]) -> None:
        self._send("", b"C", json.dumps(message).encode())

    def on_control(self, handler: ControlHandler) -> None:
        self._control = handler

    async def _publish_loop(self) -> None:
        while True:
            if not self._outbox:
                self._outbox_wake.clear()
                await self._outbox_wake.wait()
                continue
            batch, self._outbox = self._outbox, []
            updates = 0
            try:
                async with self.redis.pipeline(transaction=False) as pipe:
                    for name, kind, message in batch:
                        if kind == b"U":
                            updates += 1
                            pipe.xadd(
                                self._stream(name),
                                {"n": self._node, "s": str(int.from_bytes(message[:8], "big")),
                                 "u": message[8:]},
                                maxlen=STREAM_LENGTH,
                                approximate=True,
                            )  # fmt: skip
                        elif kind == b"P":
                            pipe.publish(self._key("presence", name), message[:1] + self._node
                                         + message[1:])  # fmt: skip
                        elif kind == b"C":
                            pipe.publish(self._key("control"), self._node + message)
                        elif kind == b"W":
                            pipe.xadd(self._wake_stream, {"w": b"1"}, maxlen=10, approximate=True)
                    await pipe.execute()
                self.stats.published += updates
            except (RedisError, OSError) as exc:
                self.stats.publish_failures += updates
                log.warning("the bus dropped %d messages: %s", len(batch), exc)
                await asyncio.sleep(0.05)

    async def _listen(self) -> None:
        node_length = len(self._node)
        presence_prefix = self._key("presence", "")
        while True:
            try:
                pubsub = self.redis.pubsub()
                await pubsub.psubscribe(self._key("presence", "*"))
                await pubsub.subscribe(self._key("control"))
                async for message in pubsub.listen():
                    if message["type"] not in ("message", "pmessage"):
                        continue
                    data: bytes = message["data"]
                    channel = message["channel"].decode()
                    if channel == self._key("control"):
                        if not data.startswith(self._node) and self._control is not None:
                            self._control(json.loads(data[node_length:]))
                        continue
                    kind, node = data[:1], data[1 : 1 + node_length]
                    if node != self._node:
                        name = channel[len(presence_prefix) :]
                        self._on_presence(name, kind, node.decode(), data[1 + node_length :])
            except asyncio.CancelledError:
                raise
            except (RedisError, OSError) as exc:
                log.debug("presence channel lost: %s; reconnecting", exc)
                await asyncio.sleep(0.5)

    def _on_presence(self, name: str, kind: bytes, node: str, payload: bytes) -> None:
        followed = self._follows.get(name)
        if followed is None:
            return
        self._peers.add(node)
        if kind == b"Q":
            snapshot = followed.follower.awareness_snapshot_for_peers()
            if snapshot is not None:
                self.publish_awareness(name, snapshot)
        elif kind == b"A":
            followed.follower.apply_remote_awareness(node, payload)

    async def _heartbeat(self) -> None:
        key = self._key("node", self.node_id)
        while True:
            try:
                await self.redis.set(key, b"1", px=NODE_TTL_MS)
                for peer in list(self._peers):
                    if not await self.redis.exists(self._key("node", peer)):
                        self._peers.discard(peer)
                        log.info("node %s is gone; clearing its presence", peer)
                        for followed in self._follows.values():
                            followed.follower.drop_node(peer)
            except (RedisError, OSError) as exc:
                log.debug("heartbeat failed: %s", exc)
            await asyncio.sleep(HEARTBEAT_SECONDS)

    # commands ---------------------------------------------------------------------------------

    def board_lock(self, board_id: str) -> contextlib.AbstractAsyncContextManager[None]:
        return self.store.board_lock(board_id)
