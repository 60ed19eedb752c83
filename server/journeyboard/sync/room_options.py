"""How a node's rooms behave: `RoomOptions`, one frozen set per node.

`web/services.py` builds it from the settings and limits; the manager and every room it opens
share it, so no option is repeated between them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


def _no_document(name: str) -> bool:
    return False


@dataclass(frozen=True, slots=True)
class RoomOptions:
    """How a node's rooms behave: one set per node (`web/services.py` builds it from the
    settings and limits), shared by the manager and every room it opens."""

    max_document_bytes: int = 64 * 1024 * 1024
    """Bytes of updates a document may hold (`DocumentTooLarge` past it)."""
    lock_roots: tuple[str, ...] = ()
    """The document's root maps that a lock reverts writes to."""
    busy_fanout: int = 10_000
    """Updates times sockets per second from which a room is busy (see `Room._release`)."""
    busy_window: float = 0.002
    """Seconds a busy room holds a release, so that more commits go out in one frame."""
    presence_tick: float = 0.04
    """Seconds between two presence frames of a room (`Presence.announce`); 0: no batching."""
    grace_seconds: float = 10.0
    """How long a room nobody uses stays loaded (`RoomManager.release`)."""
    keepalive_seconds: float = 15.0
    """A socket that was sent nothing for this long gets a keepalive frame."""
    server_only: Callable[[str], bool] = _no_document
    """Names the documents only the server writes (no client may, and no lock applies)."""
    answers_from_store: Callable[[str], bool] = _no_document
    """Names the documents whose rooms may answer a fresh page from their stored, sealed
    snapshot before applying it (`Room.load`): a board's content document, not the small
    session, drafts and private documents."""
    seal_key: bytes | None = None
    """The key of the seals over stored parts that passed the load-time check
    (`sync/seals.py`, derived from the node's secret); None: every load reads every part."""
