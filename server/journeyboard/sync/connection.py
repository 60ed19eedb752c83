"""One socket in a room, as the room sees it: its channel, its rights and its presence stamp.

The room (`room.py`) and its presence (`presence.py`) both hold connections; neither sees a
websocket, only the `Channel` each connection writes to.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

from journeyboard.sync.ports import Channel
from journeyboard.sync.protocol import ProtocolError


@dataclass(eq=False, slots=True)
class Connection:
    """One socket in a room, as the room sees it."""

    channel: Channel
    can_write: bool
    label: str = ""
    principal: str = ""
    """Who is behind the socket (e.g. "person:ID" or "link:viewer:1"), for targeted closes."""
    presence: dict[str, Any] | None = None
    """Stamped over the "user" field of every awareness state this socket announces."""
    joined_seq: int = 0
    last_sent: float = field(default_factory=time.monotonic)
    awareness_id: int | None = None
    bypass_lock: bool = False
    """May edit while the room is locked (facilitators)."""
    dropped_updates: int = 0
    dropped_awareness: int = 0
    _presence_json: tuple[dict[str, Any], str] | None = field(default=None, repr=False)
    """`presence` as it was when written out as JSON, and that JSON."""

    def presence_json(self) -> str | None:
        """`presence` as JSON, written once for as long as it stays equal (it is stamped on
        every cursor move; a grant may replace it)."""
        presence = self.presence
        if presence is None:
            return None
        known = self._presence_json
        if known is None or known[0] != presence:
            try:
                written = json.dumps(presence, separators=(",", ":"), allow_nan=False)
            except ValueError as exc:  # the server's own presence: NaN or Infinity in it
                raise ProtocolError("presence is not JSON") from exc
            known = self._presence_json = (dict(presence), written)
        return known[1]

    def send(self, frame: bytes) -> None:
        self.last_sent = time.monotonic()
        self.channel.send(frame)
