"""What rebuilds a room's document after an update failed half-way inside yrs.

A panic inside yrs can leave a document half-changed. The room then builds it again from
what was applied before (`Room._rebuild`): the document's state at some point, encoded (the
base), and every update applied since, in order. The journal starts again from the current
state once it outgrows the base (and 1 MiB), so it stays at about the document's own size in
memory, for an amortised constant cost.
"""

from __future__ import annotations

from typing import Any, Final

from pycrdt import Doc

REBUILD_JOURNAL_BYTES: Final = 1 << 20
"""Journal bytes a room keeps at least before it re-encodes its base state."""


class Journal:
    """The base state of one document and the updates applied since (see the module)."""

    def __init__(self) -> None:
        self._base = b""
        self._updates: list[bytes] = []
        self._bytes = 0

    def start(self, updates: list[bytes]) -> None:
        """Start from the updates a document was loaded from (no base)."""
        self._base = b""
        self._updates = updates
        self._bytes = sum(len(update) for update in updates)

    def record(self, update: bytes, doc: Doc[Any]) -> None:
        """Journal an update just applied to `doc`; re-encode `doc` as the base when the
        journal has outgrown it."""
        self._updates.append(update)
        self._bytes += len(update)
        if self._bytes > max(len(self._base), REBUILD_JOURNAL_BYTES):
            self._base = doc.get_update()
            self._updates.clear()
            self._bytes = 0

    def rebuild(self, origin: str) -> Doc[Any]:
        """A new document with the base and every journaled update applied (in a transaction
        with `origin`)."""
        doc: Doc[Any] = Doc()
        with doc.transaction(origin=origin):
            if self._base:
                doc.apply_update(self._base)
            for update in self._updates:
                doc.apply_update(update)
        return doc
