"""The states of a sync socket, and the one table of the moves between them.

The lean protocol (`lean_socket.py`), the Starlette channel (`sockets.py`) and the sync session
(`sync_session.py`) each keep one `SocketState`, not a handful of flags. Starlette's
`WebSocketState` is the model: a state names where the connection is, and a move the table
does not list raises at once instead of leaving two flags that disagree.

    HANDSHAKE ─► ADMITTING ─► OPEN ─► CLOSING ─► CLOSED
        │            │                   ▲          ▲
        └────────────┴───────────────────┴──────────┘  (any of them may close or be lost)
"""

from __future__ import annotations

import enum


class SocketState(enum.Enum):
    HANDSHAKE = "handshake"
    """The opening handshake is arriving; no frame is read yet."""
    ADMITTING = "admitting"
    """The handshake was accepted and the gate decides; frames that arrive are kept in order."""
    OPEN = "open"
    """Admitted: messages go to the socket's session, frames go out."""
    CLOSING = "closing"
    """Nothing more is sent or delivered: a close frame was sent or is due, the peer closed, the
    frames failed to parse, or the peer fell too far behind. The connection is still there."""
    CLOSED = "closed"
    """The connection is gone (or the session ended): the last state."""

    closing: bool
    """Closing or closed: nothing more is sent to or taken from the peer. An attribute of each
    state, set once: every frame sent asks it, and a property on an enum costs a lookup of the
    class's members each time."""

    def __init__(self, value: str) -> None:
        self.closing = value in ("closing", "closed")

    def to(self, new: SocketState) -> SocketState:
        """`new`, if the table allows the move from this state; `IllegalTransition` if not."""
        if new not in _ALLOWED[self]:
            raise IllegalTransition(self, new)
        return new


class IllegalTransition(RuntimeError):
    """A socket was asked to move between two states the table does not join: a bug."""

    def __init__(self, old: SocketState, new: SocketState) -> None:
        super().__init__(f"a socket cannot go from {old.value} to {new.value}")
        self.old = old
        self.new = new


_ALLOWED: dict[SocketState, frozenset[SocketState]] = {
    SocketState.HANDSHAKE: frozenset(
        {SocketState.ADMITTING, SocketState.CLOSING, SocketState.CLOSED}
    ),
    SocketState.ADMITTING: frozenset({SocketState.OPEN, SocketState.CLOSING, SocketState.CLOSED}),
    SocketState.OPEN: frozenset({SocketState.CLOSING, SocketState.CLOSED}),
    SocketState.CLOSING: frozenset({SocketState.CLOSED}),
    SocketState.CLOSED: frozenset(),
}
"""Every allowed move. A state never moves to itself: callers check before they move."""


def allowed(old: SocketState, new: SocketState) -> bool:
    return new in _ALLOWED[old]
