"""The Redis-only bus in process: two nodes, each a RedisStore with the bus that tails its
document streams (`open_bus(store, None)`), on a real Redis server."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from cancels import SwallowedRead
from journeyboard.cluster import NodeBus, open_bus
from journeyboard.cluster.redis import RedisBus
from journeyboard.stores.redis import RedisStore
from redisserver import RedisServer
from redisserver import redis as redis  # the fixture
from waiting import turns, wait_for_value, wait_until


@dataclass
class Recorder:
    """A follower that keeps what the bus told it."""

    updates: list[bytes] = field(default_factory=list)
    awareness: list[tuple[str, bytes]] = field(default_factory=list)
    snapshot: bytes | None = None

    def apply_remote(self, update: bytes) -> None:
        self.updates.append(update)

    def apply_remote_awareness(self, node: str, payload: bytes) -> None:
        self.awareness.append((node, payload))

    def awareness_snapshot_for_peers(self) -> bytes | None:
        return self.snapshot

    def drop_node(self, node: str) -> None:
        return None


@dataclass
class FailsOnce(Recorder):
    """A follower with a bug: it raises on the first update it is given."""

    failed: bool = False

    def apply_remote(self, update: bytes) -> None:
        if not self.failed:
            self.failed = True
            raise RuntimeError("a bug in the room")
        super().apply_remote(update)


@contextlib.asynccontextmanager
async def node(url: str) -> AsyncIterator[tuple[RedisStore, NodeBus]]:
    async with RedisStore(url) as store, open_bus(store, None) as bus:
        yield store, bus


async def until(predicate: Callable[[], bool], timeout: float = 5) -> None:
    await wait_until(predicate, timeout)


async def test_each_node_applies_the_others_entries_once_and_skips_its_own(
    redis: RedisServer,
) -> None:
    async with node(redis.url) as (one, one_bus), node(redis.url) as (two, two_bus):
        await one.append_update("doc", b"before")
        mine, theirs = Recorder(), Recorder()
        one_bus.follow("doc", mine, (await one.load("doc")).position)
        two_bus.follow("doc", theirs, (await two.load("doc")).position)
        for i in range(20):
            await one.append_update("doc", f"one {i}".encode())
        await two.append_update("doc", b"two")
        await until(lambda: len(theirs.updates) == 20 and mine.updates == [b"two"])
        assert theirs.updates == [f"one {i}".encode() for i in range(20)]  # not "before"
        # "two" was appended after one's own twenty: one's tail has read past them all.
        assert mine.updates == [b"two"]
        assert two_bus.node_id == two.node_id  # the id the store tags its entries with


async def test_catch_up_returns_once_the_tail_has_read_the_newest_entry(
    redis: RedisServer,
) -> None:
    async with node(redis.url) as (one, _), node(redis.url) as (two, two_bus):
        follower = Recorder()
        two_bus.follow("doc", follower, (await two.load("doc")).position)
        for round_ in range(5):
            await asyncio.gather(*(one.append_update("doc", b"%d" % i) for i in range(50)))
            await two_bus.catch_up("doc")
            assert len(follower.updates) == 50 * (round_ + 1)


async def test_the_board_lock_admits_one_node_at_a_time(redis: RedisServer) -> None:
    async with node(redis.url) as (_, one_bus), node(redis.url) as (_, two_bus):
        inside = peak = started = done = 0
        count = 20

        async def command(bus: NodeBus, arrives_after: int) -> None:
            nonlocal inside, peak, started, done
            await turns(arrives_after)
            started += 1
            async with bus.board_lock("board"):
                inside += 1
                peak = max(peak, inside)
                # Held until another command waits for it, or none is left to come.
                await wait_until(lambda: started - done > 1 or done == count - 1, timeout=5)
                inside -= 1
            done += 1

        await asyncio.gather(*(command(one_bus if i % 2 else two_bus, i) for i in range(count)))
        assert peak == 1
        assert not await redis_keys(redis.url, "jb:lock:*")


async def until_subscribed(url: str, listeners: int) -> None:
    """Until `listeners` buses listen on the control channel (each subscribes to the presence
    pattern first, then to it)."""
    async with RedisStore(url) as store:

        async def count() -> int:
            channels = await store.redis.pubsub_channels("*control*")
            if not channels:
                return 0
            return int(sum(n for _, n in await store.redis.pubsub_numsub(*channels)))

        await wait_for_value(count, lambda n: n >= listeners, timeout=5, what="subscribers")


async def redis_keys(url: str, pattern: str) -> list[Any]:
    async with RedisStore(url) as store:
        return list(await store.redis.keys(pattern))


# Two buses open and close within half a second here, so a bus task can be cancelled while
# redis-py makes its first connection; that connection is then in neither of the pool's lists,
# and the pool's close cannot reach it (redis-py's race, not a leak of ours: every pool and
# pubsub is closed). The garbage collector finds it and warns; the assertions stand.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
async def test_presence_and_control_reach_the_other_node_only(redis: RedisServer) -> None:
    async with node(redis.url) as (_, one_bus), node(redis.url) as (_, two_bus):
        there = Recorder()
        here = Recorder(snapshot=b"who is on one")
        one_bus.follow("doc", here, b"0-0")
        await until_subscribed(redis.url, 2)  # both listeners are subscribed
        two_bus.follow("doc", there, b"0-0")  # asks the others for their presence
        await until(lambda: (one_bus.node_id, b"who is on one") in there.awareness)
        controls: list[dict[str, Any]] = []
        own: list[dict[str, Any]] = []
        two_bus.on_control(controls.append)
        one_bus.on_control(own.append)
        one_bus.publish_control({"close": "someone"})
        await until(lambda: controls == [{"close": "someone"}])
        # A witness from two, published after: once one has it, one has read past its own.
        two_bus.publish_control({"close": "witness"})
        await until(lambda: own != [])
        assert own == [{"close": "witness"}]


async def test_the_store_repair_sees_the_open_documents_and_their_tails(
    redis: RedisServer,
) -> None:
    async with node(redis.url) as (one, one_bus), node(redis.url) as (two, _):
        documents = one.repair.documents
        assert documents is not None
        follower = Recorder()
        one_bus.follow("doc", follower, (await one.load("doc")).position)
        await two.append_update("doc", b"x")
        await until(lambda: follower.updates == [b"x"])
        ((name, held, last_id),) = documents.open_documents()
        newest: Any = await one.redis.xrevrange("jb:doc:doc:log", count=1)
        assert (name, held, last_id) == ("doc", follower, newest[0][0])
        documents.restart_tail("doc", b"0-0")  # read the stream again from its start
        await until(lambda: follower.updates == [b"x", b"x"])
        one_bus.unfollow("doc")
        assert documents.open_documents() == []


def test_a_redis_store_takes_no_other_bus() -> None:
    with pytest.raises(ValueError, match="leave --bus out"):
        open_bus(RedisStore("redis://127.0.0.1:1/0"), "redis://elsewhere:6379/0")


async def test_a_loop_that_fails_once_is_restarted_and_the_node_keeps_serving(
    redis: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    """The tail raises once (a follower's bug): it is logged and started again, and the
    bus's other loops went on meanwhile (the tail used to stay dead, the node deaf)."""
    async with node(redis.url) as (one, one_bus), node(redis.url) as (two, two_bus):
        follower, controls = FailsOnce(), list[dict[str, Any]]()
        two_bus.on_control(controls.append)
        two_bus.follow("doc", follower, (await two.load("doc")).position)
        await one.append_update("doc", b"first")
        await until(lambda: follower.failed)
        one_bus.publish_control({"close": "someone"})
        for i in range(3):
            await one.append_update("doc", b"%d" % i)
        await until(lambda: follower.updates == [b"0", b"1", b"2"] and len(controls) == 1)
        assert "loop bus-tail failed" in caplog.text


async def test_the_bus_closes_when_redis_py_turns_its_cancel_into_a_timeout(
    redis: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    """redis-py can raise a TimeoutError (an OSError the tail retries on) for the cancel that
    reaches it mid-read. The tail still ends when the bus closes, and nothing is left behind
    for `asyncio.run` to wait on forever."""
    read = SwallowedRead(TimeoutError)
    async with RedisStore(redis.url) as store:
        bus = open_bus(store, None)
        await bus.__aenter__()
        assert isinstance(bus, RedisBus)
        bus.redis.xread = read.read  # type: ignore[method-assign]  # as XREAD BLOCK waits
        bus.follow("doc", Recorder(), 0)
        await asyncio.wait_for(read.entered.wait(), 5)
        before = asyncio.all_tasks()
        await asyncio.wait_for(bus.__aexit__(None, None, None), 10)
        left = {
            t for t in asyncio.all_tasks() - {asyncio.current_task()} if t.get_name() == "bus-tail"
        }
        try:
            assert not left, f"the tail outlived its bus: {left}"
            assert "did not stop" not in caplog.text
            assert any(t.get_name() == "bus-tail" for t in before)
        finally:
            await read.release(left)
