"""The ports of the sync core: what a room needs of a socket, of the log and of the bus.

A room reaches a socket only through `Channel`, the durable log of its document only through
`UpdateLog`, and the other nodes only through `Bus`. The workshop hands it a `RoomPolicy`. The
implementations live above: sockets in `web/`, logs in `stores/`, buses in `cluster/`. What
both a log and a bus report, `StoreError` when they cannot do what was asked and the
`HealthCounter`s an operator watches, is here too, so that neither imports the other for it.
"""

from __future__ import annotations

import asyncio
import contextlib
from abc import abstractmethod
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

Position = int | bytes
"""Where a document's log was read up to: a store's sequence number (or a stream entry id)."""

ControlHandler = Callable[[dict[str, Any]], None]

CompactionPolicy = Callable[[str], bool]
"""Whether compacting a document, by its name, drops what was deleted from it
(`updates.verified_merge`'s `collect_garbage`). It is the workshop's rule
(`workshop.documents.collects_garbage`), handed to the store by whoever wires a node: neither
the sync core nor a store knows what a board's documents are called."""


def keep_deleted(name: str) -> bool:
    """The compaction policy of a store that was given none: every snapshot keeps what was
    deleted (as a merge does)."""
    return False


class StoreError(RuntimeError):
    """The store (or the bus in front of it) could not do what was asked: unreachable,
    corrupt or closed."""


@dataclass(frozen=True, slots=True)
class HealthCounter:
    """A count an operator watches (exported as a Prometheus counter)."""

    name: str
    documentation: str
    value: int


class Channel(Protocol):
    """What a room needs of a socket. Both calls return at once; the channel does the I/O."""

    @property
    def closing(self) -> bool:
        """Closed or closing: anything sent now is dropped."""
        ...

    def send(self, frame: bytes) -> None: ...

    def close(self, code: int, reason: str) -> None: ...


@dataclass(frozen=True, slots=True)
class LoadedDocument:
    """A document as the log held it: its snapshot and logged updates, read atomically, and
    the position they cover (a follower on the bus takes over from there)."""

    updates: list[bytes]
    position: Position = 0


class UpdateLog(Protocol):
    """What a room needs of a store: each document's log of updates (the store's first
    interface; the board records the workshop keeps are its second, `stores.records`).

    Every store implements it (`stores.base.Store` subclasses it); a failing call raises
    `StoreError`.
    """

    @abstractmethod
    async def load(self, name: str) -> LoadedDocument:
        """The document's snapshot and logged updates, read atomically, and their position."""

    @abstractmethod
    def append_update(self, name: str, update: bytes) -> asyncio.Future[int]:
        """Queue an update; the future resolves with its sequence number once committed
        (survives a kill of the process): callers make nothing visible before that."""

    @abstractmethod
    async def compact_document(self, name: str) -> None:
        """Replace the stored log by one proven snapshot (or keep it, if none is proven); the
        snapshot drops deleted content where the store's `CompactionPolicy` says so."""

    @abstractmethod
    async def quarantine(self, name: str, update: bytes, reason: str) -> None:
        """Move a stored update that cannot be applied out of the log, keeping it aside."""

    keeps_seals: bool = False
    """Whether `save_seal` keeps what it is given: a store that keeps no seals spares the
    manager sealing its compactions (a check of the whole snapshot, for nothing)."""

    async def load_seal(self, name: str) -> bytes | None:
        """The document's seal (`sync/seals.py`): which of its first stored parts passed the
        load-time check. A store that keeps none answers None, and every load reads all."""
        return None

    async def save_seal(self, name: str, seal: bytes) -> None:
        """Keep the document's seal (replacing the one before); a store may drop it."""
        return None

    async def seal_parts(self, name: str, parts: Sequence[bytes], key: bytes) -> bytes | None:
        """A seal over `parts` if they pass the load-time check cleanly, else None
        (`seals.seal_if_clean`): seconds of pure Python for a large board, which a thread
        of the server would run with the GIL in slices, so a store with a compactor process
        runs it there. Here, the fallback: a thread."""
        from journeyboard.sync.seals import seal_if_clean  # ports stays a leaf module

        return await asyncio.to_thread(seal_if_clean, name, key, parts)


class Follower(Protocol):
    """What the bus tells an open document about other nodes."""

    def apply_remote(self, update: bytes) -> None:
        """An update another node committed."""

    def apply_remote_awareness(self, node: str, payload: bytes) -> None:
        """An awareness update from another node's clients."""

    def awareness_snapshot_for_peers(self) -> bytes | None:
        """This node's own clients' awareness, for a node that just opened the document."""

    def drop_node(self, node: str) -> None:
        """Another node died: forget the presence it announced."""


class Bus(Protocol):
    """What rooms need of the other nodes: their updates and presence, and ours to them."""

    node_id: str

    def follow(self, name: str, follower: Follower, since: Position) -> None:
        """Deliver other nodes' updates of a document committed after `since`, and presence."""

    def unfollow(self, name: str) -> None:
        """Stop following a document (it was unloaded)."""

    def committed(self, name: str, seq: int, update: bytes) -> None:
        """This node's update is committed to the log as `seq`: tell the other nodes."""

    def publish_awareness(self, name: str, payload: bytes) -> None:
        """Tell other nodes about an awareness update from this node's clients."""

    async def catch_up(self, name: str) -> None:
        """Return once every update other nodes committed to the document so far is applied."""

    def publish_control(self, message: dict[str, Any]) -> None:
        """Tell every other node something (e.g. close the sockets of a removed person)."""

    def on_control(self, handler: ControlHandler) -> None:
        """Receive other nodes' control messages."""

    def board_lock(self, board_id: str) -> contextlib.AbstractAsyncContextManager[None]:
        """Exclusive access to a board's commands, across every node."""


@dataclass(frozen=True, slots=True)
class Grant:
    """What the workshop rules say about one principal's sockets."""

    bypass_lock: bool
    """May edit while the room is locked."""
    presence: dict[str, Any] | None
    """Stamped over the "user" field of their awareness states (None: keep what they have)."""


@dataclass(frozen=True, slots=True)
class RoomPolicy:
    """A room's rules, derived by the workshop layer from the board's session document.

    Every node derives it from the same document, so a lock or a promotion set through one
    node holds on all of them. Principals without a grant keep what they were admitted with.
    """

    locked: bool = False
    grants: Mapping[str, Grant] = field(default_factory=dict)
    barred: frozenset[str] = frozenset()
    """Principals whose sockets are closed (people removed from the board)."""


class KeyedLocks:
    """One asyncio lock per key, kept while anyone holds or awaits it."""

    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, list[int]]] = {}

    @contextlib.asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        lock, users = self._locks.setdefault(key, (asyncio.Lock(), [0]))
        users[0] += 1
        try:
            async with lock:
                yield
        finally:
            users[0] -= 1
            if users[0] == 0:
                del self._locks[key]
