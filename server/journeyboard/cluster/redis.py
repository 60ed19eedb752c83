"""Redis as the bus between nodes: one tail, presence and control over pub/sub, the heartbeat.

What is the same whichever store the nodes share lives here, once:

- one task tails every followed document's stream with a single XREAD; following a document
  (or setting a tail back) wakes it through the node's own wake stream;
- presence and control messages travel over pub/sub, tagged with the node id; a heartbeat key
  per node lets the others clear the presence of a node that died.

What a document's stream is, what an entry means, how a node catches up and which lock orders a
board's commands is the bus's `Feed` (`cluster/feeds.py`): `SharedLogFeed` in front of a shared
system of record (`--store postgresql://… --bus redis://…`: the bus is only a shortcut, the
store has everything), `StoreStreamFeed` on Redis alone (`--store redis://…`: the store's own
document streams are the bus).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import secrets
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass
from typing import Any, Generic, Literal, Protocol, Self, TypeVar

from redis import asyncio as aioredis
from redis.exceptions import RedisError

from journeyboard.stores.redis import connect, parse_url
from journeyboard.sync.ports import ControlHandler, Follower, HealthCounter, Position, StoreError
from journeyboard.tasks import Background, raise_if_cancelling

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = float(os.environ.get("JOURNEYBOARD_HEARTBEAT_SECONDS", "3"))
NODE_TTL_MS = int(HEARTBEAT_SECONDS * 3000)
"""A node whose heartbeat key expired is dead: three missed heartbeats."""


@dataclass(eq=False)
class Followed:
    """A document this node follows, as the tail sees it."""

    follower: Follower
    stream_id: bytes | None = None
    """Where the tail reads the document's stream from (None: not placed yet; the tail places
    it at the stream's end)."""


F = TypeVar("F", bound=Followed)


class Feed(Protocol[F]):
    """What a document's stream carries and how a node stays up to date with it."""

    node_id: str | None
    """The id this node's entries carry in the streams (None: the bus picks one)."""

    def bind(self, bus: RedisBus[F]) -> None:
        """The bus this feed serves (called once, when the bus is built)."""

    def stream(self, name: str) -> str:
        """The key of the document's stream."""
        ...

    def follow(self, follower: Follower, since: Position) -> F:
        """A newly followed document, from the position its log was loaded at."""
        ...

    def unfollowed(self, followed: F) -> None:
        """The document is no longer followed."""

    def placed(self, name: str, followed: F) -> None:
        """The tail placed the document at its stream's end (it had no position)."""

    def on_entry(self, name: str, followed: F, fields: dict[bytes, bytes]) -> None:
        """The tail read an entry of the document's stream."""

    def committed(self, name: str, seq: int, update: bytes) -> dict[str, bytes] | None:
        """This node committed an update: the entry to add to the document's stream, if any."""
        ...

    async def catch_up(self, name: str, followed: F) -> None:
        """Return once what the other nodes committed to the document so far is applied."""

    def reconnected(self, name: str, followed: F) -> None:
        """The bus reached Redis again after losing it."""

    async def watch(self) -> None:
        """Runs for the bus's life: the feed's own safety net, if it has one."""

    def board_lock(self, board_id: str) -> contextlib.AbstractAsyncContextManager[None]: ...


@dataclass
class BusStats:
    published: int = 0
    publish_failures: int = 0
    """Updates this node could not publish (Redis away): the others read them from the store."""
    applied_from_bus: int = 0
    caught_up: int = 0
    """Updates a node read from the store because the bus did not bring them."""


@dataclass(frozen=True, slots=True)
class _Out:
    """One message for the publisher's next pipeline."""

    kind: Literal["update", "stream", "publish"]
    key: str
    message: bytes | Mapping[str, bytes]
    """bytes: PUBLISH on the channel `key`; fields: XADD to the stream `key`."""
    maxlen: int = 0


STREAM_LENGTH = 1000
"""Entries a stream this bus appends to keeps (approximately): only the recent past matters."""


class RedisBus(Generic[F]):
    """The nodes' bus over one Redis server; the feed says what its streams carry."""

    def __init__(self, url: str, feed: Feed[F], *, prefix: str | None = None) -> None:
        self.url, url_prefix, _ = parse_url(url)
        self.prefix = url_prefix if prefix is None else prefix
        self.feed = feed
        self.node_id = feed.node_id or secrets.token_hex(8)
        self._node = self.node_id.encode()
        self.stats = BusStats()
        self._redis: aioredis.Redis | None = None
        self._follows: dict[str, F] = {}
        self._outbox: list[_Out] = []
        self._outbox_wake = asyncio.Event()
        self._round = asyncio.Event()
        """Set (and replaced) each time the tail's XREAD returned."""
        self._control: ControlHandler | None = None
        self._peers: set[str] = set()
        # redis-py's pubsub reader can swallow a cancellation while it waits for a message
        # (seen with redis 8.1): closing waits 2 s at most for the loops to stop.
        self._background = Background("the Redis bus", stop_seconds=2)
        """The tail, the publisher, the listener, the heartbeat, the feed's watch and its
        catch-ups: owned from `__aenter__` to `__aexit__`."""
        self._bus_lost = False
        feed.bind(self)

    # keys -----------------------------------------------------------------------------------

    def key(self, *parts: str) -> str:
        return self.prefix + ":".join(parts)

    @property
    def _wake_stream(self) -> str:
        return self.key("bus-wake", self.node_id)

    @property
    def redis(self) -> aioredis.Redis:
        if self._redis is None:
            raise StoreError("the Redis bus is not started")
        return self._redis

    # lifetime ---------------------------------------------------------------------------------

    async def __aenter__(self) -> Self:
        self._redis = connect(self.url, health_check_interval=5)
        try:
            await self._redis.ping()
        except (RedisError, OSError) as exc:
            # Serve anyway: the bus heals when Redis is back.
            log.warning("the bus at %s is unreachable (%s); serving, and retrying", self.url, exc)
            self._bus_lost = True
        await self._background.__aenter__()
        loops: tuple[tuple[Callable[[], Coroutine[Any, Any, None]], str], ...] = (
            (self._tail, "bus-tail"),
            (self._publish_loop, "bus-publisher"),
            (self._listen, "bus-listener"),
            (self._heartbeat, "bus-heartbeat"),
            (self.feed.watch, "bus-watch"),
        )
        for loop, name in loops:
            self._background.start(loop, name)  # a loop that fails is logged and restarted
        return self

    def spawn(self, coro: Coroutine[Any, Any, None], name: str) -> None:
        """Run a one-shot task for the bus's life at most (cancelled when the bus closes); it
        catches and logs its own errors. Dropped when the bus is not running."""
        if not self._background.running:
            coro.close()
            return
        self._background.spawn(coro, name)

    async def __aexit__(self, *exc_info: object) -> None:
        if self._redis is None:
            return
        await self._background.__aexit__(None, None, None)
        with contextlib.suppress(RedisError, OSError):
            await self._redis.delete(self.key("node", self.node_id), self._wake_stream)
        await self._redis.aclose()
        self._redis = None

    # documents --------------------------------------------------------------------------------

    def follow(self, name: str, follower: Follower, since: Position) -> None:
        previous = self._follows.pop(name, None)
        if previous is not None:
            self.feed.unfollowed(previous)
        self._follows[name] = self.feed.follow(follower, since)
        self._send_presence(name, b"Q", b"")
        self._wake()

    def unfollow(self, name: str) -> None:
        followed = self._follows.pop(name, None)
        if followed is not None:
            self.feed.unfollowed(followed)

    def committed(self, name: str, seq: int, update: bytes) -> None:
        fields = self.feed.committed(name, seq, update)
        if fields is not None:
            self._send(_Out("update", self.feed.stream(name), fields, STREAM_LENGTH))

    async def catch_up(self, name: str) -> None:
        followed = self._follows.get(name)
        if followed is not None:
            await self.feed.catch_up(name, followed)

    def health_counters(self) -> list[HealthCounter]:
        stats = self.stats
        return [
            HealthCounter(
                "journeyboard_bus_published_updates",
                "Committed updates this node published on the bus for the other nodes",
                stats.published,
            ),
            HealthCounter(
                "journeyboard_bus_publish_failures",
                "Updates this node could not publish (the bus away); the others read them from "
                "the store",
                stats.publish_failures,
            ),
            HealthCounter(
                "journeyboard_bus_applied_updates",
                "Other nodes' updates applied from the bus",
                stats.applied_from_bus,
            ),
            HealthCounter(
                "journeyboard_bus_caught_up_updates",
                "Updates read from the store because the bus did not bring them",
                stats.caught_up,
            ),
        ]

    def following(self, name: str) -> F | None:
        """The document's state while it is followed."""
        return self._follows.get(name)

    def followed(self) -> list[tuple[str, F]]:
        return list(self._follows.items())

    def restart_tail(self, name: str, stream_id: bytes | None) -> None:
        """Read the document's stream again from `stream_id` (None: from its end): whatever the
        tail's current read brings from its old position is dropped."""
        followed = self._follows.get(name)
        if followed is not None:
            followed.stream_id = stream_id
            self._wake()

    async def next_round(self) -> None:
        """Wait until the tail's next read returned (with entries or not)."""
        await self._round.wait()

    # the tail: one XREAD for every followed stream ------------------------------------------

    def _wake(self) -> None:
        self._send(_Out("stream", self._wake_stream, {"w": b"1"}, 10))

    async def _place(self, names: list[str]) -> None:
        """Start reading newly followed streams at their end."""
        async with self.redis.pipeline(transaction=False) as pipe:
            for name in names:
                pipe.xrevrange(self.feed.stream(name), count=1)
            newest = await pipe.execute()
        for name, entries in zip(names, newest, strict=True):
            followed = self._follows.get(name)
            if followed is not None and followed.stream_id is None:
                followed.stream_id = bytes(entries[0][0]) if entries else b"0-0"
                self.feed.placed(name, followed)

    async def _tail(self) -> None:
        backoff = 0.05
        wake_id = b"$"
        # Each loop ends when the bus closes, not only when cancelled: redis-py can swallow
        # a cancel (see tasks.raise_if_cancelling).
        while self._background.running:
            try:
                unplaced = [n for n, f in self._follows.items() if f.stream_id is None]
                if unplaced:
                    await self._place(unplaced)
                streams: dict[Any, Any] = {self._wake_stream: wake_id}
                sent: dict[bytes, tuple[str, F, bytes]] = {}
                for name, followed in self._follows.items():
                    if followed.stream_id is not None:
                        key = self.feed.stream(name)
                        streams[key] = followed.stream_id
                        sent[key.encode()] = (name, followed, followed.stream_id)
                response: Any = await self.redis.xread(streams, block=1000, count=1000)
                if self._bus_lost:
                    self._bus_lost = False
                    log.info("the bus is back")
                    self._reconnected()
                backoff = 0.05
            except asyncio.CancelledError:
                raise
            except (RedisError, OSError) as exc:
                raise_if_cancelling()
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
                if key_bytes not in sent:
                    continue
                name, followed, read_from = sent[key_bytes]
                if self._follows.get(name) is not followed or followed.stream_id != read_from:
                    continue  # unfollowed, followed again or set back while the read was out
                for entry_id, fields in entries:
                    followed.stream_id = bytes(entry_id)
                    self.feed.on_entry(name, followed, fields)
            self._round.set()
            self._round = asyncio.Event()

    def _reconnected(self) -> None:
        for name, followed in list(self._follows.items()):
            self.feed.reconnected(name, followed)
            self._send_presence(name, b"Q", b"")  # ask the others for their presence, give ours
            own = followed.follower.awareness_snapshot_for_peers()
            if own is not None:
                self.publish_awareness(name, own)

    # publishing -------------------------------------------------------------------------------

    def _send(self, out: _Out) -> None:
        self._outbox.append(out)
        self._outbox_wake.set()

    def _send_presence(self, name: str, kind: bytes, payload: bytes) -> None:
        self._send(_Out("publish", self.key("presence", name), kind + self._node + payload))

    def publish_awareness(self, name: str, payload: bytes) -> None:
        self._send_presence(name, b"A", payload)

    def publish_control(self, message: dict[str, Any]) -> None:
        self._send(_Out("publish", self.key("control"), self._node + json.dumps(message).encode()))

    def on_control(self, handler: ControlHandler) -> None:
        self._control = handler

    async def _publish_loop(self) -> None:
        while self._background.running:
            if not self._outbox:
                self._outbox_wake.clear()
                await self._outbox_wake.wait()
                continue
            batch, self._outbox = self._outbox, []
            updates = sum(1 for out in batch if out.kind == "update")
            try:
                async with self.redis.pipeline(transaction=False) as pipe:
                    for out in batch:
                        if isinstance(out.message, bytes):
                            pipe.publish(out.key, out.message)
                        else:
                            fields: dict[Any, Any] = dict(out.message)
                            pipe.xadd(out.key, fields, maxlen=out.maxlen, approximate=True)
                    await pipe.execute()
                self.stats.published += updates
            except (RedisError, OSError) as exc:
                raise_if_cancelling()
                self.stats.publish_failures += updates
                log.warning("the bus dropped %d messages: %s", len(batch), exc)
                await asyncio.sleep(0.05)

    async def _listen(self) -> None:
        node_length = len(self._node)
        presence_prefix = self.key("presence", "")
        while self._background.running:
            try:
                # Closed on the way out (a cancel included): an unclosed pubsub leaves its
                # connection to be found by the garbage collector.
                async with self.redis.pubsub() as pubsub:
                    await pubsub.psubscribe(self.key("presence", "*"))
                    await pubsub.subscribe(self.key("control"))
                    async for message in pubsub.listen():
                        if message["type"] not in ("message", "pmessage"):
                            continue
                        data: bytes = message["data"]
                        channel = message["channel"].decode()
                        if channel == self.key("control"):
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
                raise_if_cancelling()
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
        key = self.key("node", self.node_id)
        while self._background.running:
            try:
                await self.redis.set(key, b"1", px=NODE_TTL_MS)
                for peer in list(self._peers):
                    if not await self.redis.exists(self.key("node", peer)):
                        self._peers.discard(peer)
                        log.info("node %s is gone; clearing its presence", peer)
                        for followed in self._follows.values():
                            followed.follower.drop_node(peer)
            except (RedisError, OSError) as exc:
                raise_if_cancelling()
                log.debug("heartbeat failed: %s", exc)
            await asyncio.sleep(HEARTBEAT_SECONDS)

    # commands ---------------------------------------------------------------------------------

    def board_lock(self, board_id: str) -> contextlib.AbstractAsyncContextManager[None]:
        return self.feed.board_lock(board_id)
