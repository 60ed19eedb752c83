"""What every store keeps, and the interface the rest of the server uses to reach it.

A store holds, per document, an append-only log of Yjs updates plus a snapshot that compaction
merges them into; and the small records a board needs outside its documents (the board with its
link versions, and its people). `append_update` resolves only once the update is committed, i.e.
survives a kill of the process: callers make nothing visible before that.
"""

from __future__ import annotations

import asyncio
import contextlib
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol, Self

ROLES = ("facilitator", "participant", "viewer")


class StoreError(RuntimeError):
    """The store could not do what was asked (unreachable, corrupt, closed)."""


@dataclass(slots=True)
class BoardRecord:
    id: str
    title: str
    created_at_ms: int
    link_versions: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ROLES, 1))

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "title": self.title,
            "created_at_ms": self.created_at_ms,
            "link_versions": self.link_versions,
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> BoardRecord:
        versions = data.get("link_versions")
        return cls(
            id=str(data["id"]),
            title=str(data["title"]),
            created_at_ms=int(str(data["created_at_ms"])),
            link_versions={str(k): int(v) for k, v in versions.items()}
            if isinstance(versions, dict)
            else dict.fromkeys(ROLES, 1),
        )


@dataclass(slots=True)
class PersonRecord:
    board_id: str
    id: str
    name: str
    department: str
    role: str
    joined_at_ms: int
    removed: bool = False
    color: str = ""
    device: str = ""
    """The random id of the browser the person joined from (bars it after a removal)."""

    def to_json(self) -> dict[str, object]:
        return {
            "board_id": self.board_id,
            "id": self.id,
            "name": self.name,
            "department": self.department,
            "role": self.role,
            "joined_at_ms": self.joined_at_ms,
            "removed": self.removed,
            "color": self.color,
            "device": self.device,
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> PersonRecord:
        return cls(
            board_id=str(data["board_id"]),
            id=str(data["id"]),
            name=str(data["name"]),
            department=str(data.get("department", "")),
            role=str(data["role"]),
            joined_at_ms=int(str(data["joined_at_ms"])),
            removed=bool(data.get("removed", False)),
            color=str(data.get("color", "")),
            device=str(data.get("device", "")),
        )


@dataclass(frozen=True, slots=True)
class Mark:
    person_id: str
    card: str
    value: dict[str, Any]


class Follower(Protocol):
    """What a store tells an open document about other nodes (scaled-out stores only)."""

    def apply_remote(self, update: bytes) -> None:
        """An update another node committed."""

    def apply_remote_awareness(self, node: str, payload: bytes) -> None:
        """An awareness update from another node's clients."""

    def awareness_snapshot_for_peers(self) -> bytes | None:
        """This node's own clients' awareness, for a node that just opened the document."""

    def drop_node(self, node: str) -> None:
        """Another node died: forget the presence it announced."""


ControlHandler = Callable[[dict[str, Any]], None]


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


class Store(ABC):
    """Persistence for documents and board records; an async context manager.

    A store shared by several nodes (Redis) also carries what the nodes must tell each other:
    updates of open documents (`follow`), presence (`publish_awareness`) and control messages
    such as "close the sockets of this rotated link" (`publish_control`). The embedded store
    serves one process, so those are no-ops there.
    """

    node_id: str = "local"

    def __init__(self) -> None:
        self._command_locks = KeyedLocks()
        self.compactions_refused = 0
        """Compactions that kept the log because the merged snapshot failed its proof."""

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

    # documents
    @abstractmethod
    async def load_document(self, name: str) -> list[bytes]:
        """The document's snapshot (if any) followed by its logged updates, read atomically."""

    @abstractmethod
    def append_update(self, name: str, update: bytes) -> asyncio.Future[Any]:
        """Queue an update for the document's log; the future resolves once it is committed
        (PostgreSQL: with the update's sequence number in its document, gap-free from 1)."""

    @abstractmethod
    async def compact_document(self, name: str) -> None:
        """Merge snapshot and log into a new snapshot and trim the log, atomically, once the
        snapshot is proven to yield the same document (`updates.verified_merge`); otherwise
        keep the log and count the refusal in `compactions_refused`."""

    @abstractmethod
    async def quarantine(self, name: str, update: bytes, reason: str) -> None:
        """Move a stored update that cannot be applied out of the document's log into a
        quarantine kept beside it (never deleted), with the reason."""

    @abstractmethod
    async def quarantined(self, name: str) -> list[tuple[bytes, str]]:
        """The updates moved to quarantine for a document, with their reasons, oldest first."""

    # boards and people
    @abstractmethod
    async def create_board(self, board: BoardRecord, session_name: str, seed: bytes) -> None:
        """Store a new board together with the first update of its session document."""

    @abstractmethod
    async def get_board(self, board_id: str) -> BoardRecord | None: ...

    @abstractmethod
    async def save_board(self, board: BoardRecord) -> None: ...

    @abstractmethod
    async def save_person(self, person: PersonRecord) -> None: ...

    @abstractmethod
    async def get_person(self, board_id: str, person_id: str) -> PersonRecord | None: ...

    @abstractmethod
    async def list_people(self, board_id: str) -> list[PersonRecord]: ...

    # raw votes and ratings (blind until revealed: never in a synced document)
    @abstractmethod
    async def put_mark(
        self, board_id: str, kind: str, person_id: str, card: str, value: dict[str, Any] | None
    ) -> None:
        """Store (or with None delete) one person's mark ("vote", "rating") on a card."""

    @abstractmethod
    async def list_marks(self, board_id: str, kind: str) -> list[Mark]:
        """Every stored mark of a kind on a board."""

    # between nodes (no-ops for a single-process store)
    def follow(self, name: str, follower: Follower) -> None:
        """Deliver other nodes' updates and presence of a document, from where it was loaded."""
        return None

    def unfollow(self, name: str) -> None:
        """Stop following a document (it was unloaded)."""
        return None

    def publish_awareness(self, name: str, payload: bytes) -> None:
        """Tell other nodes about an awareness update from this node's clients."""
        return None

    def publish_control(self, message: dict[str, Any]) -> None:
        """Tell every other node something (e.g. close the sockets of a removed person)."""
        return None

    def on_control(self, handler: ControlHandler) -> None:
        """Receive other nodes' control messages."""
        return None

    async def catch_up(self, name: str) -> None:
        """Return once every update other nodes committed to the document so far is applied."""
        return None

    def board_lock(self, board_id: str) -> contextlib.AbstractAsyncContextManager[None]:
        """Exclusive access to a board's commands (across nodes for a shared store)."""
        return self._command_locks.hold(board_id)
