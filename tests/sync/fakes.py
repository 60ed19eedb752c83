"""Test doubles for the sync core's ports, and readers of what a room sent a socket.

`FakeChannel` stands for a socket: it records every frame a room sends it and how it was closed.
`RecordingBus` is a single-node bus that remembers every call a room or manager made to it.
The readers decode recorded frames with `sync/protocol.py`, so tests assert on messages.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass, field
from typing import Any

from pycrdt import Doc, Map

from journeyboard.cluster.local import LocalBus
from journeyboard.sync import protocol
from journeyboard.sync.ports import Follower, Position
from journeyboard.sync.protocol import (
    AwarenessEntry,
    AwarenessMessage,
    Message,
    SyncStep1,
    SyncStep2,
    SyncUpdate,
)


@dataclass(eq=False)
class FakeChannel:
    """A `Channel` that keeps what it was sent; frames sent after a close are dropped."""

    frames: list[bytes] = field(default_factory=list)
    closed: tuple[int, str] | None = None

    @property
    def closing(self) -> bool:
        return self.closed is not None

    def send(self, frame: bytes) -> None:
        if self.closed is None:
            self.frames.append(frame)

    def close(self, code: int, reason: str) -> None:
        if self.closed is None:
            self.closed = (code, reason)

    # reading what was sent ------------------------------------------------------------------

    def messages(self) -> list[Message]:
        return [protocol.decode_message(frame) for frame in self.frames]

    def take(self) -> list[Message]:
        """The messages sent since the last `take`, decoded (and forgotten)."""
        messages = self.messages()
        self.frames.clear()
        return messages

    def updates(self) -> list[bytes]:
        """Every document update sent (sync step 2 and updates), in order, keepalives left out."""
        return [
            message.update
            for message in self.messages()
            if isinstance(message, SyncStep2 | SyncUpdate)
            and message.update != protocol.EMPTY_UPDATE
        ]

    def broadcasts(self) -> list[bytes]:
        """The updates sent as sync updates (fan-out), keepalives left out."""
        return [
            message.update
            for message in self.messages()
            if isinstance(message, SyncUpdate) and message.update != protocol.EMPTY_UPDATE
        ]

    def step2s(self) -> list[bytes]:
        return [message.update for message in self.messages() if isinstance(message, SyncStep2)]

    def step1s(self) -> list[bytes]:
        return [m.state_vector for m in self.messages() if isinstance(m, SyncStep1)]

    def awareness(self) -> list[AwarenessEntry]:
        """Every awareness entry sent, in order."""
        entries: list[AwarenessEntry] = []
        for message in self.messages():
            if isinstance(message, AwarenessMessage):
                entries.extend(protocol.decode_awareness_update(message.payload))
        return entries

    def doc(self) -> Doc[Any]:
        """A document built from every update this socket was sent."""
        doc: Doc[Any] = Doc()
        for update in self.updates():
            doc.apply_update(update)
        return doc


def cards(doc: Doc[Any]) -> dict[str, Any]:
    """The "cards" root of a document as plain values."""
    return dict(doc.get("cards", type=Map).to_py() or {})


class Writer:
    """A client-side document whose changes come out as updates, one per transaction."""

    def __init__(self, client_id: int | None = None) -> None:
        self.doc: Doc[Any] = Doc() if client_id is None else Doc(client_id=client_id)
        self._out: list[bytes] = []
        self.doc.observe(lambda event: self._out.append(event.update))

    def set(self, key: str, value: Any) -> bytes:
        """Set one card and return the update that made."""
        self.doc.get("cards", type=Map)[key] = value
        return self._out.pop()

    def frame(self, key: str, value: Any) -> bytes:
        """Set one card and return the sync update frame a client would send."""
        return protocol.encode_sync_update(self.set(key, value))


def awareness_frame(client_id: int, clock: int, state: dict[str, Any] | None) -> bytes:
    """An awareness message about one client (None: it left)."""
    text = "null" if state is None else json.dumps(state)
    entry = AwarenessEntry(client_id, clock, text)
    return protocol.encode_awareness(protocol.encode_awareness_update([entry]))


class RecordingBus(LocalBus):
    """A single-node bus that records what rooms and managers told it."""

    def __init__(self) -> None:
        super().__init__()
        self.follows: list[tuple[str, Follower, Position]] = []
        self.unfollows: list[str] = []
        self.commits: list[tuple[str, int, bytes]] = []
        self.awareness: list[tuple[str, bytes]] = []
        self.controls: list[dict[str, Any]] = []

    def follow(self, name: str, follower: Follower, since: Position) -> None:
        self.follows.append((name, follower, since))

    def unfollow(self, name: str) -> None:
        self.unfollows.append(name)

    def committed(self, name: str, seq: int, update: bytes) -> None:
        self.commits.append((name, seq, update))

    def publish_awareness(self, name: str, payload: bytes) -> None:
        self.awareness.append((name, payload))

    def publish_control(self, message: dict[str, Any]) -> None:
        self.controls.append(message)

    def board_lock(self, board_id: str) -> contextlib.AbstractAsyncContextManager[None]:
        return super().board_lock(board_id)


def delete_set_update(client: int, clock: int, length: int) -> bytes:
    """An update with no structs and a delete set of one range on `client` (15 bytes for the
    hardening finding 5: a delete aimed at clocks someone has not written yet)."""
    return (
        b"\x00\x01"
        + protocol.write_var_uint(client)
        + b"\x01"
        + protocol.write_var_uint(clock)
        + protocol.write_var_uint(length)
    )


def gc_update(client: int, clock: int, length: int) -> bytes:
    """An update of one GC struct under `client` from `clock`, and no delete set (18 bytes for
    finding 6: a GC struct over someone's future clocks)."""
    return (
        b"\x01\x01"
        + protocol.write_var_uint(client)
        + protocol.write_var_uint(clock)
        + b"\x00"
        + protocol.write_var_uint(length)
        + b"\x00"
    )
