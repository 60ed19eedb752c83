"""How the bus in front of PostgreSQL keeps count of what a node applied (no Redis needed):
nothing is applied twice, whatever order the bus and the store bring the numbers in."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from journeyboard.cluster.feeds import Sequenced, SharedLogFeed
from journeyboard.cluster.redis import RedisBus


class Recorder:
    def __init__(self) -> None:
        self.applied: list[bytes] = []

    def apply_remote(self, update: bytes) -> None:
        self.applied.append(update)

    def apply_remote_awareness(self, node: str, payload: bytes) -> None:
        return None

    def awareness_snapshot_for_peers(self) -> bytes | None:
        return None

    def drop_node(self, node: str) -> None:
        return None


class Log:
    """The store's side: numbered updates, a snapshot through `snapshot_seq`."""

    def __init__(self, updates: list[bytes], snapshot_seq: int = 0) -> None:
        self.updates = updates
        self.snapshot_seq = snapshot_seq

    async def entries_since(self, name: str, seq: int) -> tuple[list[tuple[int, bytes]], int]:
        entries: list[tuple[int, bytes]] = []
        if self.snapshot_seq > seq:
            entries.append((self.snapshot_seq, b"snapshot"))
        start = max(seq, self.snapshot_seq)
        entries += [(n, self.updates[n - 1]) for n in range(start + 1, len(self.updates) + 1)]
        return entries, len(self.updates)

    async def heads(self, names: list[str]) -> dict[str, int]:
        return dict.fromkeys(names, len(self.updates))

    def board_lock(self, board_id: str) -> contextlib.AbstractAsyncContextManager[None]:
        return contextlib.nullcontext()


def test_numbers_out_of_order_and_twice_count_once() -> None:
    followed = Sequenced(Recorder(), applied=3)
    assert [followed.mark(n) for n in (5, 4, 5, 3, 6)] == [True, True, False, False, True]
    assert (followed.applied, followed.ahead) == (6, set())
    followed.mark(9)
    assert (followed.applied, followed.ahead) == (6, {9})
    followed.covered(8)
    assert (followed.applied, followed.ahead) == (8, {9})


async def test_catching_up_applies_only_what_the_bus_did_not_bring() -> None:
    updates = [f"u{n}".encode() for n in range(1, 11)]
    bus = RedisBus("redis://127.0.0.1:1/0", SharedLogFeed(Log(updates)))
    recorder = Recorder()
    bus.follow("doc", recorder, 2)
    followed = bus.following("doc")
    assert followed is not None
    bus.committed("doc", 4, updates[3])  # this node's own, already applied here
    bus.feed.on_entry("doc", followed, {b"n": b"other", b"s": b"6", b"u": updates[5]})
    bus.feed.on_entry(
        "doc", followed, {b"n": b"other", b"s": b"6", b"u": updates[5]}
    )  # twice on the bus
    await bus.catch_up("doc")
    assert recorder.applied == [updates[5], updates[2], updates[4], *updates[6:]]
    assert (followed.applied, followed.ahead) == (10, set())
    await cancel_timers(bus)


async def test_a_node_behind_a_compaction_gets_the_snapshot_once() -> None:
    updates = [f"u{n}".encode() for n in range(1, 11)]
    bus = RedisBus("redis://127.0.0.1:1/0", SharedLogFeed(Log(updates, snapshot_seq=7)))
    recorder = Recorder()
    bus.follow("doc", recorder, 2)
    await bus.catch_up("doc")
    await bus.catch_up("doc")
    assert recorder.applied == [b"snapshot", *updates[7:]]
    await cancel_timers(bus)


async def cancel_timers(bus: Any) -> None:
    for _, followed in bus.followed():
        bus.feed.unfollowed(followed)
    await asyncio.sleep(0)
