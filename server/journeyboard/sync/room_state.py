"""A room's life as named states: `RoomState`, the transitions it may make, and `RoomClosed`,
the error work gets from a room that is closing or closed.

One enum and one table instead of flags (`_closed`, `_ended`): `check_transition` is the one
place that says which change of state is allowed; `Room._enter` goes through it.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Final

from journeyboard.sync.close_codes import CLOSE
from journeyboard.sync.errors import SyncError


class RoomState(enum.Enum):
    """A room's life (tldraw's `RoomSessionState` and Starlette's `WebSocketState` name theirs
    the same way). The allowed transitions are `ROOM_TRANSITIONS`, nowhere else."""

    LOADING = "loading"
    """Built; reading its log. Messages for it wait (`Room.ready` is not set)."""
    OPEN = "open"
    """Loaded: takes sockets, updates, reads and server changes."""
    CLOSING = "closing"
    """`Room.close` is running: pending messages fail and sockets close; no new work."""
    CLOSED = "closed"
    """Closed for good (shutdown or a store failure); the cause is kept for `RoomClosed`."""


ROOM_TRANSITIONS: Final[Mapping[RoomState, frozenset[RoomState]]] = {
    RoomState.LOADING: frozenset({RoomState.OPEN, RoomState.CLOSING}),
    RoomState.OPEN: frozenset({RoomState.CLOSING}),
    RoomState.CLOSING: frozenset({RoomState.CLOSED}),
    RoomState.CLOSED: frozenset(),
}
"""Every transition a room may make (a closed room is never opened again: the manager builds
a new one)."""


class IllegalTransition(RuntimeError):
    """A room was asked to go from one state to another that `ROOM_TRANSITIONS` does not
    allow (a bug in the caller, not bad input)."""

    def __init__(self, old: RoomState, new: RoomState) -> None:
        super().__init__(f"a room cannot go from {old.value} to {new.value}")
        self.old = old
        self.new = new


def check_transition(old: RoomState, new: RoomState) -> None:
    """Raise `IllegalTransition` unless a room may go from `old` to `new`."""
    if new not in ROOM_TRANSITIONS[old]:
        raise IllegalTransition(old, new)


class RoomClosed(SyncError, RuntimeError):
    """The room was closed (server shutdown or a store failure) and cannot take more work."""

    close = CLOSE.TRY_AGAIN_LATER
    reason = "try again later"
    refusal = False
