"""A store: the two interfaces the rest of the server reaches it through, with one lifetime.

1. The log of each document (`sync.ports.UpdateLog`): a snapshot and an append-only log of
   Yjs updates that compaction merges into it. Rooms use only this. `append_update` resolves
   once the update is committed, i.e. survives a kill of the process: callers make nothing
   visible before that.
2. The board records (`stores.records.BoardRecords`): boards with their link versions,
   people, votes and ratings. The workshop rules use only this.

Every store (SQLite, PostgreSQL, Redis, memory) implements both, as a `Store`. A store also
says which bus the nodes that share it need (`shared_log`, `log_streams`), so that
`cluster.open_bus` asks it instead of testing its class.
"""

from __future__ import annotations

import contextlib
from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol, Self

from journeyboard.stores.compactor import Compactor
from journeyboard.stores.records import (
    ROLES,
    BoardRecord,
    BoardRecords,
    Mark,
    MetricsRecord,
    MetricValue,
    PersonRecord,
)
from journeyboard.sync.ports import (
    CompactionPolicy,
    HealthCounter,
    LoadedDocument,
    StoreError,
    UpdateLog,
    keep_deleted,
)

if TYPE_CHECKING:
    from journeyboard.stores.redis_repair import OpenDocuments

__all__ = [
    "ROLES",
    "BoardRecord",
    "BoardRecords",
    "HealthCounter",
    "LogStreams",
    "Mark",
    "MetricValue",
    "MetricsRecord",
    "PersonRecord",
    "SharedLog",
    "Store",
    "StoreError",
    "UpdateLog",
]


class SharedLog(Protocol):
    """A log every node shares and numbers (PostgreSQL): what a bus in front of it needs to
    fill in whatever the bus itself lost."""

    async def entries_since(self, name: str, seq: int) -> tuple[list[tuple[int, bytes]], int]:
        """The updates committed after `seq` (the snapshot first if it covers `seq`), and the
        head."""
        ...

    async def heads(self, names: list[str]) -> dict[str, int]:
        """The newest sequence number of each document."""
        ...

    def board_lock(self, board_id: str) -> contextlib.AbstractAsyncContextManager[None]: ...


class LogStreams(Protocol):
    """A store whose document log streams are the bus themselves (Redis alone): what the bus
    that tails them needs."""

    url: str
    """The Redis server, without options."""
    prefix: str
    """Of every key the store writes (the bus writes its own keys under it too)."""
    node_id: str
    """The store tags its appends with it: the bus skips those."""

    def log_stream(self, name: str) -> str:
        """The key of the document's log stream."""
        ...

    def attach(self, documents: OpenDocuments | None) -> None:
        """Which documents are open, and where their tails are (for the store's repair)."""


class Store(UpdateLog, BoardRecords, ABC):
    """Persistence for documents (`UpdateLog`) and board records (`BoardRecords`); an async
    context manager.

    What nodes tell each other is the bus's job (`cluster/`), not the store's; a store only
    says which bus it pairs with.
    """

    def __init__(self) -> None:
        self.compactions_refused = 0
        """Compactions that kept the log because the merged snapshot failed its proof."""
        self.compaction: CompactionPolicy = keep_deleted
        """Which documents' snapshots drop deleted content: the workshop's rule, set by whoever
        wires the node (`web.services.Services.build`); until then, none."""
        self._compactor: Compactor | None = None
        """Where compactions prove their snapshot: a process of its own
        (`stores/compactor.py`), from `_open_compactor` (the store's start) to
        `_close_compactor` (its close)."""

    def _open_compactor(self) -> None:
        self._compactor = Compactor()

    async def _close_compactor(self) -> None:
        compactor, self._compactor = self._compactor, None
        if compactor is not None:
            await compactor.close()

    async def _prove(self, name: str, parts: Sequence[bytes]) -> bytes | None:
        """A compaction's snapshot of `parts` proven (`verified_merge`, in the compactor's
        process, under the document's garbage-collection rule), or None when refused."""
        if self._compactor is None:
            raise StoreError("the store is closed")
        return await self._compactor.prove(parts, collect_garbage=self.compaction(name))

    async def seal_parts(self, name: str, parts: Sequence[bytes], key: bytes) -> bytes | None:
        """`UpdateLog.seal_parts`, in the compactor's process while the store is open."""
        if self._compactor is None:
            return await super().seal_parts(name, parts, key)
        return await self._compactor.seal(name, key, parts)

    def shared_log(self) -> SharedLog | None:
        """The log as every node that shares this store reads it (the nodes then need a bus,
        `--bus redis://…`, to hear of each other's commits); None when one node owns it."""
        return None

    def log_streams(self) -> LogStreams | None:
        """This store's log streams, when they carry the updates between nodes themselves
        (the bus tails them, and takes no `--bus`); None otherwise."""
        return None

    def health_counters(self) -> list[HealthCounter]:
        """What this store counts for operators."""
        return [
            HealthCounter(
                "journeyboard_compactions_refused",
                "Compactions that kept the log because the merged snapshot failed its proof",
                self.compactions_refused,
            )
        ]

    # lifetime -----------------------------------------------------------------------------

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    @abstractmethod
    async def start(self) -> None: ...

    @abstractmethod
    async def close(self) -> None:
        """Commit everything already appended, then release resources."""

    @abstractmethod
    async def ping(self) -> None:
        """Raise StoreError when the store cannot be reached."""

    # the log: what UpdateLog asks, and what operators and tools read of it ----------------

    @abstractmethod
    async def load_document(self, name: str) -> list[bytes]:
        """The document's snapshot (if any) followed by its logged updates, read atomically."""

    async def load(self, name: str) -> LoadedDocument:
        """The document as `load_document` reads it, and the position that covers."""
        return LoadedDocument(await self.load_document(name))

    @abstractmethod
    async def quarantined(self, name: str) -> list[tuple[bytes, str]]:
        """The updates moved to quarantine for a document, with their reasons, oldest first."""
