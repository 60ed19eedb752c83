"""A room's fan-out: what it sends its sockets, in order, once the store has committed it.

The room's durability promise (see `sync/room.py`) is kept here: every outgoing message
derived from the document (a broadcast, a joiner's sync step 2, the barrier an HTTP read waits
on) is an `Outgoing` with the sequence number of the last update it covers, and waits in one
ordered queue until the store reports a commit that covers it (`Fanout.committed`). Under load
one commit covers many updates; the broadcasts it releases together go out merged, as one
frame per socket.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from pycrdt import Doc, merge_updates

from journeyboard.sync import protocol
from journeyboard.sync.connection import Connection
from journeyboard.sync.stats import RoomStats
from journeyboard.sync.updates import try_apply

CONTROL_FLOW: Final = (KeyboardInterrupt, SystemExit, asyncio.CancelledError, GeneratorExit)
"""What a `except BaseException` around yrs (which panics on odd input) lets through."""

MERGE_LIMIT: Final = 256
"""The most broadcasts merged into one frame. yrs's merge grows faster than the number of
updates (a few us each up to a few hundred, 50 us each at 3,000), so a backlog of thousands
released by one commit goes out as several merges of a millisecond each, not one merge that
holds the event loop for a hundred (issue #30, sustained writing)."""


@dataclass(slots=True)
class Outgoing:
    """One message waiting for its commit."""

    seq: int
    frame: bytes
    target: Connection | None  # None: every connection
    exclude: Connection | None = None
    done: asyncio.Future[None] | None = None
    skip_joined: bool = True
    """Skip sockets that joined after this update was applied (their sync step 2 has it)."""
    arrived: float = 0.0
    """perf_counter() when the update arrived, for the fan-out latency histogram (0: none)."""
    update: bytes = b""
    """The update a broadcast carries (empty for anything else): what coalescing merges."""


class Fanout:
    """The ordered queue of one room's outgoing messages (see the module's docstring).

    `connections` is the room's own set of sockets (shared, not copied). A busy room (more
    than `busy_fanout` updates times sockets a second) releases `busy_window` seconds after
    a commit instead of at once, so that more commits go out in one frame.
    """

    def __init__(
        self,
        connections: set[Connection],
        stats: RoomStats,
        busy_fanout: int,
        busy_window: float,
    ) -> None:
        self.connections = connections
        self.committed = 0
        """The sequence number up to which the store has committed."""
        self._stats = stats
        self._busy_fanout = busy_fanout
        self._busy_window = busy_window
        self._queue: deque[Outgoing] = deque()
        self._closed = False
        self._release_scheduled = False
        self._busy = False
        self._demand = 0
        self._demand_since = time.monotonic()

    def close(self, error: Callable[[], BaseException]) -> None:
        """Drop every pending message; each waiter gets an `error()` of its own. Nothing is
        sent after."""
        self._closed = True
        for item in self._queue:
            if item.done is not None and not item.done.done():
                item.done.set_exception(error())
        self._queue.clear()

    def emit(self, item: Outgoing) -> None:
        """Send at once what is committed and queued behind nothing; queue the rest."""
        if self._queue or item.seq > self.committed:
            self._queue.append(item)
        else:
            self._deliver(item)

    def commit(self, seq: int) -> None:
        """The store committed up to `seq`: release what that covers (soon, not now)."""
        if seq > self.committed:
            self.committed = seq
        if not self._release_scheduled:
            # One group commit resolves many updates' futures in a row; releasing once after
            # all of them lets `_release` merge what they cover. A busy room waits a little
            # longer, so that the commits of the next few updates are merged in too.
            self._release_scheduled = True
            if self._busy:
                asyncio.get_running_loop().call_later(self._busy_window, self._release)
            else:
                asyncio.get_running_loop().call_soon(self._release)

    def barrier(self, seq: int) -> asyncio.Future[None]:
        """A future that resolves once everything up to `seq` is committed and delivered."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.emit(Outgoing(seq, b"", None, done=done))
        return done

    async def when_committed(self, seq: int) -> None:
        """Wait until everything up to `seq` is committed and delivered."""
        if seq > self.committed or self._queue:
            await self.barrier(seq)

    def _release(self) -> None:
        """Deliver everything the store has committed, in order.

        Under load one commit covers many updates. Consecutive broadcasts released together
        are merged into one update, so each socket gets one frame (one write) instead of one
        per update. A sender may get its own change back inside the merge; applying it again
        changes nothing in Yjs.
        """
        self._release_scheduled = False
        if self._closed:
            return
        queue = self._queue
        committed = self.committed
        updates = 0
        while queue and queue[0].seq <= committed:
            item = queue.popleft()
            if item.update and queue and queue[0].seq <= committed and queue[0].update:
                batch = [item]
                while (
                    queue
                    and queue[0].seq <= committed
                    and queue[0].update
                    and len(batch) < MERGE_LIMIT
                ):
                    batch.append(queue.popleft())
                updates += len(batch)
                merged = self._coalesce(batch)
                if merged is None:  # the merge would not decode: send them one by one
                    for single in batch:
                        self._deliver(single)
                    continue
                item = merged
            elif item.update:
                updates += 1
            self._deliver(item)
        self._measure_demand(updates)

    def _measure_demand(self, updates: int) -> None:
        """Count updates times sockets (what fan-out would cost unmerged); decide once a second
        whether the room is busy. Merging does not lower the demand, so a busy room stays busy
        until fewer people write."""
        self._demand += updates * len(self.connections)
        now = time.monotonic()
        elapsed = now - self._demand_since
        if elapsed >= 1.0:
            self._busy = self._demand / elapsed > self._busy_fanout
            self._demand = 0
            self._demand_since = now

    def _coalesce(self, batch: list[Outgoing]) -> Outgoing | None:
        """One broadcast for a batch, or None when yrs cannot read its own merge back (some
        crafted updates that each round-trip still merge into bytes that do not decode)."""
        try:
            merged = merge_updates(*(item.update for item in batch))
        except CONTROL_FLOW:
            raise
        except BaseException:
            return None
        if try_apply(Doc(), merged) is not None:
            return None
        self._stats.coalesced_updates += len(batch)
        first, last = batch[0], batch[-1]
        same_sender = all(item.exclude is first.exclude for item in batch)
        return Outgoing(
            last.seq,
            protocol.encode_sync_update(merged),
            None,
            exclude=first.exclude if same_sender else None,
            skip_joined=all(item.skip_joined for item in batch),
            arrived=min((item.arrived for item in batch if item.arrived), default=0.0),
            update=merged,
        )

    def _deliver(self, item: Outgoing) -> None:
        if item.frame:
            if item.target is not None:
                if item.target in self.connections:
                    item.target.send(item.frame)
                    self._stats.frames_out += 1
            else:
                sent = 0
                now = time.monotonic()
                frame = item.frame
                for conn in self.connections:
                    if conn is not item.exclude and (
                        conn.joined_seq < item.seq or not item.skip_joined
                    ):
                        conn.last_sent = now
                        conn.channel.send(frame)
                        sent += 1
                self._stats.frames_out += sent
                if item.arrived:
                    self._stats.fanout_latency.observe(time.perf_counter() - item.arrived)
        if item.done is not None and not item.done.done():
            item.done.set_result(None)
