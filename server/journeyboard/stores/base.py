"""What every store keeps, and the interface the rest of the server uses to reach it.

A store holds, per document, an append-only log of Yjs updates plus a snapshot that compaction
merges them into; and the small records a board needs outside its documents (the board with its
link versions, and its people). `append_update` resolves only once the update is committed, i.e.
survives a kill of the process: callers make nothing visible before that.
"""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, Self

from journeyboard.sync.ports import LoadedDocument

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
class HealthCounter:
    """A count an operator watches (exported as a Prometheus counter)."""

    name: str
    documentation: str
    value: int


@dataclass(frozen=True, slots=True)
class Mark:
    person_id: str
    card: str
    value: dict[str, Any]


class Store(ABC):
    """Persistence for documents and board records; an async context manager.

    What nodes tell each other is the bus's job (`cluster/`), not the store's; on Redis
    alone the bus tails the store's document streams (`cluster.feeds.StoreStreamFeed`).
    """

    shared = False
    """Several nodes may use this store at once (so they need a bus between them)."""

    def __init__(self) -> None:
        self.compactions_refused = 0
        """Compactions that kept the log because the merged snapshot failed its proof."""

    def health_counters(self) -> list[HealthCounter]:
        """What this store counts for operators."""
        return [
            HealthCounter(
                "journeyboard_compactions_refused",
                "Compactions that kept the log because the merged snapshot failed its proof",
                self.compactions_refused,
            )
        ]

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

    async def load(self, name: str) -> LoadedDocument:
        """The document as `load_document` reads it, and the position that covers."""
        return LoadedDocument(await self.load_document(name))

    @abstractmethod
    def append_update(self, name: str, update: bytes) -> asyncio.Future[int]:
        """Queue an update for the document's log; the future resolves once it is committed,
        with the update's sequence number in the document's log (increasing)."""

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
