"""A store that keeps everything in the process's memory, with commits a test controls.

It is for in-process tests of the sync core and the workshop rules: it keeps what every store
keeps (per document a snapshot and an append-only log of updates, a quarantine beside it, and
the board, people and mark records), and nothing survives the process.

What a test controls is when appended updates commit. With `auto_commit=True` (the default) the
updates appended during one turn of the event loop commit together at the end of it, as the
SQLite store's group commit does. With `auto_commit=False` they stay pending, invisible to
`load` and with unresolved futures, until the test calls `commit()`, or `fail()` to fail them:
that is how a test proves that nothing is shown before the log has committed it. Only document
appends wait; every other write (boards, people, marks, quarantine, compaction) is committed
when its call returns.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from journeyboard.stores.base import Store
from journeyboard.stores.group_commit import Append
from journeyboard.stores.records import BoardRecord, Mark, MetricsRecord, PersonRecord, Picture
from journeyboard.sync.ports import LoadedDocument, StoreError
from journeyboard.sync.updates import verified_merge

T = TypeVar("T")


@dataclass(slots=True)
class _Document:
    snapshot: bytes | None = None
    log: list[tuple[int, bytes]] = field(default_factory=list)
    """Committed updates since the snapshot, with their sequence numbers, oldest first."""
    last_seq: int = 0
    quarantine: list[tuple[bytes, str]] = field(default_factory=list)


class MemoryStore(Store):
    """Documents (`UpdateLog`) and board records (`BoardRecords`) in dictionaries; appends
    commit when the test says so."""

    def __init__(self, *, auto_commit: bool = True) -> None:
        super().__init__()
        self.auto_commit = auto_commit
        self._documents: dict[str, _Document] = {}
        self._pending: list[Append] = []
        self._commit_scheduled = False
        self._boards: dict[str, str] = {}
        self._pictures: dict[str, Picture] = {}
        self._people: dict[tuple[str, str], str] = {}
        self._marks: dict[tuple[str, str, str, str], str] = {}
        self._metrics: dict[str, str] = {}
        self._seals: dict[str, bytes] = {}
        self._closed = False

    # lifecycle ----------------------------------------------------------------------------

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        """Commit every pending append, then refuse further work."""
        if not self._closed:
            self._commit_now(None)
            self._closed = True

    async def ping(self) -> None:
        self._check_open()

    def _check_open(self) -> None:
        if self._closed:
            raise StoreError("the store is closed")

    # controlling commits ------------------------------------------------------------------

    @property
    def pending(self) -> int:
        """Appended updates that are neither committed nor failed yet."""
        return len(self._pending)

    async def commit(self, count: int | None = None) -> int:
        """Commit the oldest `count` pending appends (all of them by default), in order; return
        how many. Their futures resolve with their sequence numbers before this returns, and
        the loop runs once so that the futures' callbacks have run too."""
        committed = self._commit_now(count)
        await asyncio.sleep(0)
        return committed

    def fail(self, error: BaseException | None = None, count: int | None = None) -> int:
        """Fail the oldest `count` pending appends (all by default) with `error` (a StoreError
        by default); nothing of them reaches the log. Return how many."""
        batch = self._take(count)
        for pending in batch:
            if not pending.future.done():
                pending.future.set_exception(error or StoreError("commit failed"))
        return len(batch)

    def _take(self, count: int | None) -> list[Append]:
        end = len(self._pending) if count is None else min(count, len(self._pending))
        batch, self._pending = self._pending[:end], self._pending[end:]
        return batch

    def _commit_now(self, count: int | None) -> int:
        batch = self._take(count)
        for pending in batch:
            seq = self._log_update(pending.name, pending.update)
            if not pending.future.done():
                pending.future.set_result(seq)
        return len(batch)

    def _auto_commit(self) -> None:
        self._commit_scheduled = False
        self._commit_now(None)

    def _log_update(self, name: str, update: bytes) -> int:
        document = self._documents.setdefault(name, _Document())
        document.last_seq += 1
        document.log.append((document.last_seq, update))
        return document.last_seq

    # documents ----------------------------------------------------------------------------

    async def load_document(self, name: str) -> list[bytes]:
        return (await self.load(name)).updates

    async def load(self, name: str) -> LoadedDocument:
        """The snapshot and committed log of a document, and its last sequence number."""
        self._check_open()
        document = self._documents.get(name)
        if document is None:
            return LoadedDocument([], 0)
        parts = [document.snapshot] if document.snapshot is not None else []
        return LoadedDocument(parts + [update for _, update in document.log], document.last_seq)

    keeps_seals = True

    async def load_seal(self, name: str) -> bytes | None:
        self._check_open()
        return self._seals.get(name)

    async def save_seal(self, name: str, seal: bytes) -> None:
        self._check_open()
        self._seals[name] = bytes(seal)

    def append_update(self, name: str, update: bytes) -> asyncio.Future[int]:
        self._check_open()
        loop = asyncio.get_running_loop()
        future: asyncio.Future[int] = loop.create_future()
        self._pending.append(Append(name, bytes(update), future))
        if self.auto_commit and not self._commit_scheduled:
            self._commit_scheduled = True
            loop.call_soon(self._auto_commit)
        return future

    async def compact_document(self, name: str) -> None:
        self._check_open()
        document = self._documents.get(name)
        if document is None or not document.log:
            return
        parts = ([document.snapshot] if document.snapshot is not None else []) + [
            update for _, update in document.log
        ]
        snapshot = verified_merge(parts, collect_garbage=self.compaction(name))
        if snapshot is None:
            self.compactions_refused += 1
            return
        document.snapshot = snapshot
        document.log.clear()

    async def quarantine(self, name: str, update: bytes, reason: str) -> None:
        self._check_open()
        document = self._documents.setdefault(name, _Document())
        document.quarantine.append((bytes(update), reason))
        document.log = [(seq, data) for seq, data in document.log if data != update]
        if document.snapshot == update:
            document.snapshot = None

    async def quarantined(self, name: str) -> list[tuple[bytes, str]]:
        document = self._documents.get(name)
        return list(document.quarantine) if document is not None else []

    async def log_length(self, name: str) -> int:
        """How many committed updates the document's log holds after its snapshot."""
        document = self._documents.get(name)
        return len(document.log) if document is not None else 0

    # boards and people --------------------------------------------------------------------

    async def create_board(self, board: BoardRecord, session_name: str, seed: bytes) -> None:
        self._check_open()
        if board.id in self._boards:
            raise StoreError(f"board {board.id} exists already")
        self._boards[board.id] = json.dumps(board.to_json())
        self._log_update(session_name, bytes(seed))

    async def get_board(self, board_id: str) -> BoardRecord | None:
        self._check_open()
        return _read(self._boards.get(board_id), BoardRecord.from_json)

    async def save_board(self, board: BoardRecord) -> None:
        self._check_open()
        if board.id in self._boards:
            self._boards[board.id] = json.dumps(board.to_json())

    async def list_journeys(self, workshop_id: str) -> list[BoardRecord]:
        self._check_open()
        boards = [BoardRecord.from_json(json.loads(data)) for data in self._boards.values()]
        return [board for board in boards if board.workshop == workshop_id]

    async def put_picture(self, board_id: str, picture: Picture | None) -> None:
        self._check_open()
        if picture is None:
            self._pictures.pop(board_id, None)
        else:
            self._pictures[board_id] = picture

    async def get_picture(self, board_id: str) -> Picture | None:
        self._check_open()
        return self._pictures.get(board_id)

    async def save_person(self, person: PersonRecord) -> None:
        self._check_open()
        self._people[(person.board_id, person.id)] = json.dumps(person.to_json())

    async def get_person(self, board_id: str, person_id: str) -> PersonRecord | None:
        self._check_open()
        return _read(self._people.get((board_id, person_id)), PersonRecord.from_json)

    async def list_people(self, board_id: str) -> list[PersonRecord]:
        self._check_open()
        return [
            PersonRecord.from_json(json.loads(data))
            for (board, _), data in self._people.items()
            if board == board_id
        ]

    async def put_mark(
        self, board_id: str, kind: str, person_id: str, card: str, value: dict[str, Any] | None
    ) -> None:
        self._check_open()
        key = (board_id, kind, person_id, card)
        if value is None:
            self._marks.pop(key, None)
        else:
            self._marks[key] = json.dumps(value)

    async def list_marks(self, board_id: str, kind: str) -> list[Mark]:
        self._check_open()
        return [
            Mark(person, card, json.loads(data))
            for (board, of_kind, person, card), data in self._marks.items()
            if board == board_id and of_kind == kind
        ]

    async def get_metrics(self, board_id: str) -> MetricsRecord:
        self._check_open()
        data = self._metrics.get(board_id)
        return MetricsRecord.from_json(json.loads(data)) if data else MetricsRecord(board_id)

    async def save_metrics(self, metrics: MetricsRecord) -> None:
        self._check_open()
        self._metrics[metrics.board_id] = json.dumps(metrics.to_json())


def _read(data: str | None, parse: Callable[[dict[str, object]], T]) -> T | None:
    return parse(json.loads(data)) if data is not None else None
