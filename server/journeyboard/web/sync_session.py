"""One admitted sync socket in its room, for any transport: the limits on what it sends.

`SocketGate.start` (admission.py) returns a `SyncSession` once a socket may join. The transport
hands it every whole incoming message (`receive`) and calls `end` when the socket goes. It
checks each message's size and rate, holds back presence that comes too fast, passes the rest
to the room, and closes the socket with the close code that names what was wrong.

Messages whose answer costs far more than they do (a presence query answered with everyone's
presence, a sync step 1 answered with the whole board) have their own, lower rates. Past its
rate such a question waits for the next slot, and a newer one of the same kind takes the place
of a waiting one: a socket holds at most one of each, however many it sends.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from journeyboard.sync import protocol
from journeyboard.sync.batches import receive_together
from journeyboard.sync.close_codes import CLOSE, CloseCode
from journeyboard.sync.connection import Connection
from journeyboard.sync.errors import SyncError
from journeyboard.sync.limits import TokenBucket
from journeyboard.sync.protocol import (
    AwarenessEntry,
    AwarenessMessage,
    AwarenessTooLarge,
    ProtocolError,
)
from journeyboard.sync.room import Room
from journeyboard.web.socket_state import SocketState
from journeyboard.workshop import documents

if TYPE_CHECKING:
    from journeyboard.web.admission import SocketGate, SocketRequest

log = logging.getLogger(__name__)

T = TypeVar("T")

SYNC_UPDATE_PREFIX = bytes((protocol.MESSAGE_SYNC, protocol.SYNC_UPDATE))
"""How a sync update message starts (as every Yjs client writes it): the ones `gather` keeps."""

STAMP_ALLOWANCE = 1024
"""What the server's stamp (the "user" field) may add to a presence state that a client echoes."""


class SyncSession:
    """One admitted socket in its room: the limits on what it sends, and leaving the room."""

    __slots__ = (
        "_gathered",
        "_gathering",
        "_held_awareness",
        "_timer",
        "conn",
        "gate",
        "max_message_bytes",
        "messages",
        "presence",
        "queries",
        "request",
        "room",
        "state",
        "step1s",
        "volume",
        "writes_drafts",
    )

    def __init__(
        self, gate: SocketGate, request: SocketRequest, room: Room, conn: Connection
    ) -> None:
        limits = gate.limits
        self.gate = gate
        self.request = request
        self.room = room
        self.conn = conn
        self.max_message_bytes = (
            limits.max_message_bytes if conn.can_write else limits.max_read_only_message_bytes
        )
        """A read-only socket only sends sync step 1 and presence: it gets a small limit."""
        self.writes_drafts = conn.can_write and documents.is_private(room.name)
        """A writer in a private document: what it delivers may change a draft count."""
        self.messages = TokenBucket(limits.messages_per_second, limits.message_burst)
        self.volume = TokenBucket(limits.bytes_per_second, limits.byte_burst)
        self.presence = TokenBucket(limits.awareness_per_second, limits.awareness_burst)
        self.queries = _Questions(limits.awareness_queries_per_second, limits.awareness_query_burst)
        self.step1s = _Questions(limits.sync_step1_per_second, limits.sync_step1_burst)
        self._held_awareness: dict[int, AwarenessEntry] = {}
        """The newest presence entry per client id that came faster than the rate allows."""
        self._timer: asyncio.TimerHandle | None = None
        self._gathering = False
        self._gathered: list[bytes] = []
        """Sync updates received since `gather`, for the room together (`flush`)."""
        self.state = SocketState.OPEN
        """OPEN from admission until `end`, then CLOSED (socket_state.py)."""

    def gather(self) -> None:
        """Keep the sync updates `receive` gets from now on until `flush`. The transport
        brackets each read with the two, so updates that came together reach the room
        together (`sync/batches.py`). Anything else the socket sends, a refusal, and
        `end` hand the gathered updates on first, so the room sees every message in order."""
        self._gathering = True

    def flush(self) -> None:
        """Hand the updates gathered since `gather` to the room, and stop gathering."""
        self._gathering = False
        self._deliver_gathered()

    def _deliver_gathered(self) -> None:
        gathered = self._gathered
        if not gathered:
            return
        self._gathered = []
        if len(gathered) == 1:
            self._deliver(gathered[0])
            return
        self._into_room(functools.partial(receive_together, self.room), gathered)
        if self.writes_drafts:
            self.gate.on_draft_change(self.room.name)

    def receive(self, data: bytes | None) -> None:
        """Handle one whole message (None: a text message); a bad one closes the socket."""
        if self.state.closing or self.conn.channel.closing:
            return
        refusal: tuple[CloseCode, str, object] | None = None
        if data is None:
            refusal = (CLOSE.MALFORMED, "text frames are not supported", "")
        elif len(data) > self.max_message_bytes:
            refusal = (CLOSE.TOO_LARGE, "message too large", len(data))
        elif not self.messages.take() or not self.volume.take(len(data)):
            refusal = (CLOSE.RATE_LIMITED, "too many messages", "")
        elif self._gathering and data.startswith(SYNC_UPDATE_PREFIX):
            self._gathered.append(data)
            return
        if self._gathered:
            self._deliver_gathered()  # they came first
            if self.conn.channel.closing:
                return
        if refusal is not None:
            self._refuse(*refusal)
        else:
            assert data is not None  # (a refusal otherwise)
            try:
                kind, sub = protocol.message_kind(data)
            except SyncError as error:
                self._close_for(error)
                return
            if kind == protocol.MESSAGE_AWARENESS:
                self._receive_awareness(data)
            elif kind == protocol.MESSAGE_QUERY_AWARENESS:
                self._ask(self.queries, data)
            elif sub == protocol.SYNC_STEP1:
                self._ask(self.step1s, data)
            else:
                self._deliver(data)

    def _ask(self, questions: _Questions, data: bytes) -> None:
        """Pass a presence query or a sync step 1 on within its rate, or hold the newest one.

        A waiting question is replaced, not queued: every query gets the same answer, and a
        client's newest state vector asks for all that an older one did (the answer, computed
        when it goes out, covers every update the socket sent before it). Honest clients ask one
        question at a time (journeyboard's client asks a step 1 to learn that its edits are
        stored, and waits for the answer), so they only ever wait; a flood costs one answer per
        slot, never one per message.
        """
        if questions.waiting is None and questions.bucket.take():
            self._deliver(data)
            return
        if questions.waiting is not None:
            if questions is self.queries:
                self.gate.coalesced_queries += 1
            else:
                self.gate.coalesced_step1 += 1
        questions.waiting = data
        if questions.timer is None:
            self._schedule_question(questions)

    def _schedule_question(self, questions: _Questions) -> None:
        questions.timer = asyncio.get_running_loop().call_later(
            1.0 / questions.bucket.rate, self._release_question, questions
        )

    def _release_question(self, questions: _Questions) -> None:
        questions.timer = None
        data = questions.waiting
        if data is None or self.state.closing or self.conn.channel.closing:
            return
        if not questions.bucket.take():
            self._schedule_question(questions)
            return
        questions.waiting = None
        self._deliver(data)

    def _receive_awareness(self, data: bytes) -> None:
        """Check a presence message's states; relay it now, or hold it if it comes too fast.

        An honest client announces its cursor up to 60 times a second: over the rate, its
        entries wait for the next slot, and a newer entry for the same client replaces the
        older one, so peers always end up with the latest state. The stock client also
        re-sends every state it hears about; a message only about other clients is passed on
        (the room drops those entries) without using the rate. A state over the size cap is
        not honest: it closes the socket.
        """
        cap = self.gate.limits.max_awareness_state_bytes
        own = self.conn.awareness_id
        try:
            message = protocol.decode_message(data)
            assert isinstance(message, AwarenessMessage)
            # Echoed states of others carry the server's stamp: allow for it, but hold the
            # socket's own state (once it has one) to the cap itself.
            entries = protocol.decode_awareness_update(message.payload, cap + STAMP_ALLOWANCE)
            for entry in entries:
                if entry.client_id == own and len(entry.state.encode()) > cap:
                    raise AwarenessTooLarge(f"awareness state over {cap} bytes")
        except SyncError as error:
            self._close_for(error)
            return
        if any(protocol.nested_deeper_than(entry.state) for entry in entries):
            self._close_for(ProtocolError("nested too deeply"))
            return
        if own is not None and all(entry.client_id != own for entry in entries):
            self._deliver_awareness(entries)
            return
        held = self._held_awareness
        if not held and self.presence.take():
            self._deliver_awareness(entries)
            return
        for entry in entries:
            known = held.get(entry.client_id)
            if known is not None:
                self.gate.coalesced_awareness += 1
                if entry.clock < known.clock:
                    continue
            held[entry.client_id] = entry
        if self._timer is None:
            self._schedule_awareness()

    def _schedule_awareness(self) -> None:
        delay = 1.0 / self.gate.limits.awareness_per_second
        self._timer = asyncio.get_running_loop().call_later(delay, self._release_awareness)

    def _release_awareness(self) -> None:
        self._timer = None
        held = self._held_awareness
        if not held or self.state.closing or self.conn.channel.closing:
            return
        if not self.presence.take():
            self._schedule_awareness()
            return
        entries = list(held.values())
        held.clear()
        self._deliver_awareness(entries)

    def _deliver(self, data: bytes) -> None:
        self._into_room(self.room.receive, data)
        if self.writes_drafts:
            self.gate.on_draft_change(self.room.name)

    def _deliver_awareness(self, entries: list[AwarenessEntry]) -> None:
        self._into_room(self.room.relay_awareness, entries)

    def _into_room(self, call: Callable[[Connection, T], None], value: T) -> None:
        """Hand a message to the room; close this socket with the code its failure names."""
        try:
            call(self.conn, value)
        except RecursionError:  # Python's own, from a deeply nested value: malformed
            self._close_for(ProtocolError("nested too deeply"))
        except SyncError as error:
            self._close_for(error)

    def _close_for(self, error: SyncError) -> None:
        """Close this socket as `error` says (sync/errors.py): a refusal is logged and counted."""
        if error.refusal:
            self._refuse(error.close, error.reason, error)
        else:
            self.conn.channel.close(error.close_code, error.reason)

    def _refuse(self, close: CloseCode, reason: str, detail: object = "") -> None:
        log.warning("closing %s on %s: %s %s", self.conn.label, self.room.name, reason, detail)
        self.gate.count_refusal(reason)
        self.conn.channel.close(close.code, reason)

    def end(self) -> None:
        """Leave the room (the socket is gone or closing); safe to call more than once."""
        if self.state is SocketState.CLOSED:
            return
        self.state = self.state.to(SocketState.CLOSED)  # (first: this runs once)
        self._gathering = False
        self._deliver_gathered()  # they came before the socket went
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        for questions in (self.queries, self.step1s):
            questions.drop()
        self.room.disconnect(self.conn)
        self.gate.rooms.release(self.room.name)
        self.gate.uncount(self.request)


class _Questions:
    """One kind of costly question from one socket: its rate, and the newest one waiting."""

    __slots__ = ("bucket", "timer", "waiting")

    def __init__(self, rate: float, burst: int) -> None:
        self.bucket = TokenBucket(rate, burst)
        self.waiting: bytes | None = None
        self.timer: asyncio.TimerHandle | None = None

    def drop(self) -> None:
        self.waiting = None
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
