"""Whose each client id of a room's document is: the client id bindings of `sync/claims.py`.

A room binds its own document's client id to the server, and every other client id to the
writer whose socket first announced it in presence or first wrote clocks under it. The
bindings of a document are kept in a log of their own (`bindings_name`): a small Yjs document
that only the server writes, so they survive a restart and reach every node that loads the
room. `Bindings` is that document and the map read from it; the room's `Presence` and its
`Screening` read and extend it.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Final

from pycrdt import Doc, Map

from journeyboard.sync.claims import MAX_BINDINGS, WriterKey
from journeyboard.sync.ports import UpdateLog
from journeyboard.sync.updates import apply_tolerantly

log = logging.getLogger(__name__)

BINDINGS_SUFFIX: Final = "#clients"
"""Appended to a document's name, names the log of its client id bindings (`bindings_name`)."""


def bindings_name(name: str) -> str:
    """The log that keeps which writer each client id of a document is bound to: a small Yjs
    document (root map "clients": client id as a decimal string -> writer key), written only by
    the server, so that bindings survive a restart and reach a node that loads the room."""
    return name + BINDINGS_SUFFIX


class Bindings:
    """The client ids of one document and the writer each is bound to (`sync/claims.py`)."""

    def __init__(self, name: str, update_log: UpdateLog) -> None:
        self.name = name
        """The document's name (its bindings are stored under `bindings_name(name)`)."""
        self.writers: dict[int, WriterKey] = {}
        """Client ids and the writer each is bound to: who may write past the room's clock
        under it. Shared with the room's `Presence` (read, not copied)."""
        self.entries = 0
        """Stored log entries behind the bindings (compacted with the document)."""
        self._log = update_log
        self._doc: Doc[Any] | None = None
        """The stored bindings as a document (None until loaded: rooms clients cannot write
        keep their bindings in memory only)."""

    def load(self, updates: list[bytes]) -> None:
        """Take the bindings stored in the log (`updates`); later bindings are stored too."""
        doc, skipped = apply_tolerantly(updates)
        for bad in skipped:
            log.error(
                "%s: stored client binding %d does not apply: %s", self.name, bad.index, bad.reason
            )
        self._doc = doc
        self.entries = len(updates)
        for key, value in doc.get("clients", type=Map).items():
            if key.isdigit() and isinstance(value, str) and len(self.writers) < MAX_BINDINGS:
                self.writers[int(key)] = value

    def owner(self, client: int) -> WriterKey | None:
        """The writer a client id is bound to, if any."""
        return self.writers.get(client)

    def bind(self, client: int, writer: WriterKey) -> None:
        """Bind a client id to a writer (or move it from a link to a person), and store it.
        A socket admitted without a principal (only in-process tests) binds nothing."""
        if not writer or self.writers.get(client) == writer:
            return
        if client not in self.writers and len(self.writers) >= MAX_BINDINGS:
            return
        self.writers[client] = writer
        doc = self._doc
        if doc is None:
            return
        before = doc.get_state()
        doc.get("clients", type=Map)[str(client)] = writer
        name = bindings_name(self.name)
        try:
            stored = self._log.append_update(name, doc.get_update(before))
        except Exception as exc:  # a closed store: the room closes on its next content write
            log.warning("%s: cannot store a client binding: %s", self.name, exc)
            return
        self.entries += 1
        stored.add_done_callback(_binding_stored)


def _binding_stored(future: asyncio.Future[int]) -> None:
    """A binding that was not stored costs protection after a restart, never content."""
    if not future.cancelled() and future.exception() is not None:
        log.warning("a client binding was not stored: %s", future.exception())
