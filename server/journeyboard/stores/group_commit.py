"""Group commit for the stores that reach their database over the network (PostgreSQL, Redis).

Rooms append updates one by one and may show none of them before it is committed. One writer
per store takes everything queued since its last commit and commits it as one batch (one
PostgreSQL transaction, one Redis pipeline), then resolves each caller's future with its
update's sequence number; a failed commit fails the whole batch with `StoreError`, and the
writer goes on with the next one. The store says how a batch is committed; the queue, the
wake-up and the futures are here, once. (SQLite does the same on a thread of its own, since
its commit blocks: `stores/sqlite.py`.)
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from journeyboard.sync.ports import StoreError

log = logging.getLogger(__name__)


@dataclass(slots=True)
class Append:
    """One queued update of a document, and the future its caller waits on."""

    name: str
    update: bytes
    future: asyncio.Future[int]


Commit = Callable[[list[Append]], Awaitable[list[int]]]
"""Commit a batch (oldest first) at once; return each update's sequence number in the same
order, or raise StoreError."""


class GroupCommit:
    """The queue of one store's appends and the loop (`run`) that commits them in batches."""

    def __init__(self, commit: Commit, *, what: str) -> None:
        self._commit = commit
        self.what = what
        """What a commit is, for the log ("PostgreSQL commit", "Redis append")."""
        self._queue: list[Append] = []
        self._wake = asyncio.Event()
        self.closing = False
        """No more appends are taken; `run` returns once the queue is empty."""

    def append(self, name: str, update: bytes) -> asyncio.Future[int]:
        """Queue an update; the future resolves with its sequence number once committed."""
        if self.closing:
            raise StoreError("the store is closed")
        future: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self._queue.append(Append(name, update, future))
        self._wake.set()
        return future

    def close(self) -> None:
        """Take no more appends; `run` commits what is queued, then returns."""
        self.closing = True
        self._wake.set()

    async def run(self) -> None:
        """Commit what is queued, batch after batch, until closed and empty."""
        while True:
            if not self._queue:
                if self.closing:
                    return
                self._wake.clear()
                await self._wake.wait()
                continue
            batch, self._queue = self._queue, []
            try:
                numbers = await self._commit(batch)
            except Exception as exc:
                if isinstance(exc, StoreError):
                    log.error("%s of %d updates failed: %s", self.what, len(batch), exc)
                else:  # a bug: say where, and keep the writer (and the store) alive
                    log.exception("%s of %d updates failed", self.what, len(batch))
                for item in batch:
                    if not item.future.done():
                        item.future.set_exception(StoreError(str(exc)))
                continue
            for item, number in zip(batch, numbers, strict=True):
                if not item.future.done():
                    item.future.set_result(number)
