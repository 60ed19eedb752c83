"""Documents held in memory, one room per open document, and the fan-out between its sockets.

A room never sees a websocket: it talks to each socket through a `Channel` (send a frame, close
with a code). Its one rule is the durability promise: an update becomes visible to anyone else
only after the store has committed it. Updates are applied to the in-memory document at once
(that validates them and keeps the CRDT state current), but every outgoing message derived from
the document (fan-out, a joiner's sync step 2, an HTTP read) waits in an ordered queue until the
store reports a commit that covers it.

The room keeps the document, its sockets and the order of work; three parts it owns do the
rest: `Screening` (`sync/screening.py`) checks every update before it applies and holds the
ones that wait for clocks, `Bindings` (`sync/bindings.py`) knows whose each client id is, and
`Fanout` (`sync/fanout.py`) sends what the store has committed. `Presence`
(`sync/presence.py`) is who is here.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Iterator
from typing import Any, Final, TypeVar

from pycrdt import Doc, Map, TransactionEvent, UndoManager, merge_updates

from journeyboard.sync import protocol
from journeyboard.sync.bindings import Bindings, bindings_name
from journeyboard.sync.claims import SERVER_WRITER, WriterKey, writer_key
from journeyboard.sync.close_codes import CLOSE
from journeyboard.sync.connection import Connection
from journeyboard.sync.errors import SyncError
from journeyboard.sync.fanout import CONTROL_FLOW, Fanout, Outgoing
from journeyboard.sync.journal import Journal
from journeyboard.sync.loading import Unapplied, restore
from journeyboard.sync.ports import Bus, Channel, Position, RoomPolicy, UpdateLog
from journeyboard.sync.presence import Presence
from journeyboard.sync.protocol import (
    AuthMessage,
    AwarenessEntry,
    AwarenessMessage,
    ProtocolError,
    QueryAwareness,
    SyncStep1,
    SyncStep2,
    SyncUpdate,
)
from journeyboard.sync.room_options import RoomOptions
from journeyboard.sync.room_state import (
    IllegalTransition,
    RoomClosed,
    RoomState,
    check_transition,
)
from journeyboard.sync.screening import Held, Screening, UnreadableUpdate
from journeyboard.sync.stats import RoomStats
from journeyboard.sync.updates import new_structs_refusal
from journeyboard.sync.yupdate import read_as_yrs

log = logging.getLogger(__name__)

T = TypeVar("T")

EMPTY_STATE: Final = Doc().get_state()
"""The state vector of an empty document: what a fresh page's sync step 1 carries."""


class Origin:
    """Transaction origins: where a change to a room's document came from (Hocuspocus names
    its origins the same way). Updates from sockets and other nodes are applied without one."""

    SERVER: Final = "server"
    """Every change the server itself makes (commands, rebuilding a document)."""
    LOCKED_WRITER: Final = "locked-writer"
    """An update that arrives while the room is locked for its writer (reverted at once)."""


class ServerChangeFailed(RuntimeError):
    """A server change that failed half-way (a panic inside yrs); the document was rebuilt
    without it (`Room.transact`)."""


class DocumentTooLarge(SyncError, RuntimeError):
    """Accepting an update would take the document past its size limit."""

    close = CLOSE.DOCUMENT_TOO_LARGE
    reason = "document too large"


class Room:
    """One open document: its state, its sockets, its presence and its path to the store."""

    def __init__(
        self,
        name: str,
        update_log: UpdateLog,
        bus: Bus,
        options: RoomOptions = RoomOptions(),  # noqa: B008 (frozen: one shared default)
        *,
        clients_may_write: bool = True,
        stats: RoomStats | None = None,
        on_rebuild: Callable[[Room], None] | None = None,
    ) -> None:
        self.name = name
        self.options = options
        self.locked = False
        """While locked, updates from sockets without `bypass_lock` are applied, then reverted."""
        self.clients_may_write = clients_may_write
        self.size = 0
        """Bytes of updates behind the document (stored size before compaction)."""
        self._doc: Doc[Any] = Doc()
        self.unapplied = Unapplied()
        """A stored snapshot `_doc` does not hold yet (`load`, `sync/loading.py`)."""
        self.connections: set[Connection] = set()
        self.stats = stats or RoomStats()
        self.ready = asyncio.Event()
        self._log = update_log
        self._bus = bus
        self._applied = 0
        self.on_rebuild = on_rebuild
        """Called after `_rebuild` replaced `doc` (observers of the old one must move)."""

        self.bindings = Bindings(name, update_log)
        """Whose each client id is (`sync/bindings.py`); stored beside the document for rooms
        clients may write."""
        self.screening = Screening(name, self.stats, self._owner_of)
        """What an update passes before it applies, and the ones that wait (`screening.py`)."""
        self.fanout = Fanout(self.connections, self.stats, options.busy_fanout, options.busy_window)
        """What goes out once the store has committed it (`fanout.py`)."""
        self.policy: RoomPolicy | None = None
        """The workshop rules in force (`apply_policy`); None: what sockets were admitted with."""
        self._state = RoomState.LOADING
        self._closed: BaseException | None = None
        """Why the room closed (set as it starts closing)."""
        self._version = 0
        """Counts changes to the document (local or remote), for the sync step 2 cache."""
        self._step2: tuple[int, bytes, bytes] | None = None
        self.journal = Journal()
        """What rebuilds the document (`sync/journal.py`, `_rebuild`)."""
        self._releasing = False
        self.log_entries = 0
        """Stored log entries behind the document, as far as this room knows (see
        `RoomManager.compact`): what it loaded, and every update committed since."""
        self.presence = Presence(
            name,
            self.connections,
            bus,
            self.stats,
            self.bindings.writers,
            self.bindings.bind,
            options.presence_tick,
        )
        """Who is here (`presence.py`)."""

    # loading and closing ------------------------------------------------------------------

    @property
    def state(self) -> RoomState:
        return self._state

    @property
    def doc(self) -> Doc[Any]:
        """The document; a stored snapshot not applied yet (`load`) is applied first."""
        if self.unapplied.update is not None:
            self.apply_stored()
        return self._doc

    @property
    def version(self) -> int:
        """Moves with every change to the document (local, remote, or a rebuild)."""
        return self._version

    def _enter(self, state: RoomState) -> None:
        check_transition(self._state, state)
        self._state = state

    async def load(self) -> Position:
        """Read the document from the log; messages for it wait until this is done. Return
        the position the log was read up to. A room loads once (`IllegalTransition` after);
        one closed meanwhile stays closed."""
        if self._closed is not None:
            raise RoomClosed(str(self._closed))
        if self._state is not RoomState.LOADING:
            raise IllegalTransition(self._state, RoomState.OPEN)
        key = self.options.seal_key if self._log.keeps_seals else None
        seal = self._log.load_seal(self.name) if key is not None else _no_seal()
        if self.clients_may_write:
            loaded, stored_bindings, stored_seal = await asyncio.gather(
                self._log.load(self.name), self._log.load(bindings_name(self.name)), seal
            )
            self.bindings.load(stored_bindings.updates)
        else:
            loaded, stored_seal = await asyncio.gather(self._log.load(self.name), seal)
        defer = self.options.answers_from_store(self.name)
        restored = await restore(
            self.name, self._log, self.stats, loaded.updates, key, stored_seal, defer=defer
        )
        self._doc = restored.doc
        self.unapplied.start(restored.unapplied, restored.state)  # answered from, not applied
        self.screening.pairs = restored.pairs
        waiting = restored.waiting
        for update in waiting:  # stored, but waiting for clocks the log lacks
            self.screening.hold(Held(update, None, None, read_as_yrs(update), True))
        good = restored.applied
        self.journal.start(good)
        self.size = sum(len(update) for update in good)
        self.log_entries = len(good) + len(waiting)
        if len(good) == 1 and not waiting:
            # A compacted document is one stored snapshot, and a joiner with nothing (a fresh
            # page) needs exactly that: the first crowd after a restart skips the encoding.
            self._step2 = (self._version, EMPTY_STATE, protocol.encode_sync_step2(good[0]))
        self.bindings.writers[self._doc.client_id] = SERVER_WRITER
        # Nothing applied here waits in yrs: what waits for clocks the log lacks is held
        # (`waiting`), so `Screening.pending_ends` starts empty (`held_beyond` over a 10 MB snapshot
        # costs 0.3 s on the event loop, for nothing).
        if self._state is RoomState.LOADING:
            self._enter(RoomState.OPEN)
        self.ready.set()
        return loaded.position

    @property
    def closed(self) -> bool:
        """Closing or closed: it takes no more work."""
        return self._closed is not None

    def close(self, code: int, reason: str, error: BaseException | None = None) -> None:
        """Close every socket and refuse further work; pending messages are dropped."""
        if self._closed is None:
            self._closed = error or RoomClosed(reason)
            self._enter(RoomState.CLOSING)
        self.unapplied.done.set()
        self.fanout.close(lambda: RoomClosed(reason))
        self.presence.close()
        for conn in list(self.connections):
            conn.channel.close(code, reason)
        self.connections.clear()
        if self._state is RoomState.CLOSING:
            self._enter(RoomState.CLOSED)

    async def flush(self) -> None:
        """Wait until every update applied so far is committed."""
        await self.fanout.when_committed(self._applied)

    # sockets ------------------------------------------------------------------------------

    def connect(
        self,
        channel: Channel,
        *,
        can_write: bool,
        label: str = "",
        principal: str = "",
        presence: dict[str, Any] | None = None,
        bypass_lock: bool = False,
    ) -> Connection:
        """Add a socket: send sync step 1 and, if anyone is present, every awareness state."""
        if self._closed is not None:
            raise RoomClosed(str(self._closed))
        conn = Connection(
            channel,
            can_write and self.clients_may_write,
            label,
            principal,
            presence,
            joined_seq=self._applied,
            bypass_lock=bypass_lock,
        )
        if self.policy is not None:
            if conn.principal in self.policy.barred:
                # Admitted just before a removal: the removal's closes have already run.
                channel.close(CLOSE.FORBIDDEN.code, "removed from the board")
                return conn
            _grant(conn, self.policy)
        self.connections.add(conn)
        conn.send(protocol.encode_sync_step1(self.unapplied.state_for(self._doc, conn)))
        if self.presence:
            conn.send(self.presence.snapshot())
        return conn

    def apply_stored(self) -> None:
        """Apply the stored snapshot `load` left unapplied (`Unapplied.apply`); should it
        fail after all, the document is empty again (the manager quarantines the snapshot
        and closes the room: `Unapplied.set_aside`)."""
        if self._closed is None and self.unapplied.apply(self._doc):
            self._doc = Doc()
            self.bindings.writers[self._doc.client_id] = SERVER_WRITER
            self.journal.start([])
            self.size, self.log_entries, self._step2 = 0, 0, None
            self._version += 1

    def apply_policy(self, policy: RoomPolicy) -> None:
        """Put the workshop rules in force for every socket here and every later one."""
        self.policy = policy
        self.locked = policy.locked
        for conn in list(self.connections):
            if conn.principal in policy.barred:
                conn.channel.close(CLOSE.FORBIDDEN.code, "removed from the board")
            else:
                _grant(conn, policy)

    def disconnect(self, conn: Connection) -> None:
        """Remove a socket and tell the others that its presence is gone."""
        self.connections.discard(conn)
        self.presence.left(conn)
        self.unapplied.answered(conn, self.apply_stored)

    def receive(self, conn: Connection, frame: bytes) -> None:
        """Handle one frame from a socket; raise ProtocolError when it is malformed."""
        if self._closed is not None:
            raise RoomClosed(str(self._closed))
        if conn not in self.connections:
            return  # a socket the room closed (barred): nothing it sends counts
        message = protocol.decode_message(frame)
        if isinstance(message, SyncUpdate | SyncStep2):
            if message.update == protocol.EMPTY_UPDATE:
                # Nothing to write: the stock client's sync step 2 on a read-only socket (every
                # session socket sends one) is not a refused write.
                return
            if not conn.can_write:
                conn.dropped_updates += 1
                self.stats.refused_writes += 1
                if conn.dropped_updates == 1:
                    log.warning(
                        "dropped update from read-only socket %s on %s", conn.label, self.name
                    )
                return
            fanout = frame if isinstance(message, SyncUpdate) else None
            self._accept(message.update, fanout, conn)
        elif isinstance(message, SyncStep1):
            self._answer_step1(conn, message.state_vector)
        elif isinstance(message, AwarenessMessage):
            self.presence.relay(conn, protocol.decode_awareness_update(message.payload))
        elif isinstance(message, QueryAwareness):
            conn.send(self.presence.snapshot())
        elif isinstance(message, AuthMessage):
            pass  # clients never send auth messages that mean anything to us

    def _answer_step1(self, conn: Connection, state_vector: bytes) -> None:
        """Send what the client lacks. Clients that join together mostly send the same state
        vector (a fresh page sends the empty one), so the last answer is kept until the
        document changes: twenty people opening a big board cost one encoding, not twenty."""
        cached = self._step2
        if cached is not None and cached[0] == self._version and cached[1] == state_vector:
            frame = cached[2]
            self.stats.stored_answers += self.unapplied.update is not None
        else:
            try:
                update = self.doc.get_update(state_vector)
            except ValueError as exc:
                raise ProtocolError("invalid state vector") from exc
            frame = protocol.encode_sync_step2(update)
            self._step2 = (self._version, state_vector, frame)
        self.fanout.emit(Outgoing(self._applied, frame, conn))
        self.unapplied.answered(conn, self.apply_stored)

    # updates ------------------------------------------------------------------------------

    def _accept(self, update: bytes, frame: bytes | None, origin: Connection | None) -> int:
        """Apply an update, queue it for the store, and queue its fan-out behind the commit.

        While the room is locked, an update from a socket that may not bypass the lock is
        still applied in full (dropping part of a writer's updates would strand it), and then
        reverted by a server change, persisted and broadcast right behind it.
        """
        if self._closed is not None:
            raise RoomClosed(str(self._closed))
        limit = self.options.max_document_bytes
        if self.size + len(update) > limit:
            raise DocumentTooLarge(f"{self.name} would exceed {limit} bytes")
        passed = self.screening.check(update, origin, self.doc.get_state())
        if passed.waits:
            self.screening.hold(Held(update, frame, origin, passed.parsed, False))
            return self._applied
        undo: UndoManager | None = None
        self._version += 1  # even a failed apply may have changed something
        try:
            roots = self.options.lock_roots
            if self.locked and origin is not None and not origin.bypass_lock and roots:
                undo = UndoManager(
                    scopes=[self.doc.get(root, type=Map) for root in roots],
                    capture_timeout_millis=0,
                )
                undo.include_origin(Origin.LOCKED_WRITER)
                with self.doc.transaction(origin=Origin.LOCKED_WRITER):
                    self.doc.apply_update(update)
            else:
                self.doc.apply_update(update)
        except CONTROL_FLOW:
            raise
        except BaseException as exc:  # pycrdt raises ValueError, or a Rust panic on odd input
            self.stats.unreadable_updates += 1
            self._rebuild(f"an update from {origin.label if origin else 'the server'}: {exc}")
            raise UnreadableUpdate(f"invalid Yjs update: {exc}") from exc
        if passed.restated:
            # It restated clocks the document has: an honest resend restates the same
            # content, a crafted one other content, from which yrs can build items yjs
            # cannot read. Check what it added, and undo it if yjs could not read that.
            corrupt = new_structs_refusal(self.doc, passed.restated)
            if corrupt is not None:
                self.stats.unreadable_updates += 1
                label = origin.label if origin else "the server"
                self._rebuild(f"an update from {label} that restated known clocks: {corrupt}")
                raise UnreadableUpdate(f"unreadable Yjs update: {corrupt}")
        if origin is not None:
            for client in passed.claims.extended:
                self.bindings.bind(client, writer_key(origin.principal))
        self.screening.applied(passed.parsed)
        self.size += len(update)
        self.stats.updates_in += 1
        seq = self._commit(
            update, frame or protocol.encode_sync_update(update), exclude=origin, noted=True
        )
        if undo is not None:
            reverted = self._capture(undo.undo)
            undo.clear()
            if reverted != protocol.EMPTY_UPDATE:
                self.stats.reverted_updates += 1
                seq = self._commit(reverted, protocol.encode_sync_update(reverted))
        self._release_held()
        return seq

    def _owner_of(self, client: int) -> WriterKey | None:
        """Whom a client id is bound to, or else the person who announced it in presence."""
        owner = self.bindings.owner(client)
        if owner is None:
            person = self.presence.person_of(client)
            if person is not None:
                owner = f"person:{person}"
        return owner

    def _release_held(self) -> None:
        """Apply the held updates whose clocks have arrived (yrs skips what it has)."""
        if not self.screening.held or self._releasing:
            return
        self._releasing = True
        try:
            while self._closed is None:
                held = self.screening.ready(self.doc.get_state())
                if held is None:
                    return
                if held.stored:
                    self.apply_remote(held.update)  # already durable,
                    self.log_entries -= 1  # and counted when the log was loaded
                    continue
                try:
                    self._accept(held.update, held.frame, held.origin)
                except SyncError as error:
                    self._refuse_held(held, error)
        finally:
            self._releasing = False

    def _refuse_held(self, held: Held, error: SyncError) -> None:
        label = held.origin.label if held.origin else "the log"
        log.warning("%s: a held update from %s was refused: %s", self.name, label, error)
        if held.origin is not None and held.origin in self.connections:
            held.origin.channel.close(error.close_code, "update refused")

    def _commit(
        self,
        update: bytes,
        frame: bytes,
        exclude: Connection | None = None,
        noted: bool = False,
    ) -> int:
        """Queue an applied update for the store and its fan-out behind the commit (`noted`:
        its surrogate pairs are recorded already)."""
        if not noted:
            self.screening.note_pairs(update)
        self._record(update)
        self._applied += 1
        self._version += 1
        seq = self._applied
        arrived = time.perf_counter()
        committed = self._log.append_update(self.name, update)
        committed.add_done_callback(lambda future: self._on_commit(seq, arrived, future, update))
        self.fanout.emit(
            Outgoing(seq, frame, None, exclude=exclude, arrived=arrived, update=update)
        )
        return seq

    def _record(self, update: bytes) -> None:
        """Journal an applied update (`Journal.record`) and count its log entry."""
        self.journal.record(update, self.doc)
        self.log_entries += 1

    def _rebuild(self, cause: str) -> None:
        """Build the document again from what was applied before an update that failed
        half-way (a panic inside yrs can leave the document half-changed), so the failed
        update never changes what anyone reads.

        A rebuilt room has a new `Doc`: whoever observes a room's document (the workshop's
        rules follow the session document) gets `on_rebuild` to observe the new one.
        """
        doc = self.journal.rebuild(Origin.SERVER)
        self._doc = doc
        self.bindings.writers[doc.client_id] = SERVER_WRITER
        self._version += 1
        self._step2 = None
        self.stats.rebuilt_documents += 1
        log.error("%s: rebuilt the document after %s", self.name, cause)
        if self.on_rebuild is not None:
            try:
                self.on_rebuild(self)
            except Exception:
                log.exception("%s: could not follow the rebuilt document", self.name)

    def _capture(self, change: Callable[[], object]) -> bytes:
        """Run a change and return the update it made (the empty update if none)."""
        with _captured(self.doc) as updates:
            change()
        return _merged(updates)

    def transact(self, change: Callable[[Doc[Any]], T]) -> tuple[T, asyncio.Future[None]]:
        """Apply a change as the server; return its result and a future for its commit+fan-out.

        A change that raises after it changed the document (a Rust panic on a value yrs cannot
        convert, or a bug) is never stored, so what it did in memory must not stay either: a
        later change built on it could not be applied from the store after a restart. The
        document is rebuilt from what was stored, as `_accept` does for a client's update, and
        a panic comes out as `ServerChangeFailed`, an Exception the web layer answers as JSON.
        """
        if self._closed is not None:
            raise RoomClosed(str(self._closed))
        results: list[T] = []
        doc = self.doc
        with _captured(doc) as updates:
            try:
                with doc.transaction(origin=Origin.SERVER):
                    results.append(change(doc))
            except BaseException as exc:
                panic = not isinstance(exc, Exception) and not isinstance(exc, CONTROL_FLOW)
                if updates or panic:
                    self._rebuild(f"a server change that failed half-way: {exc!r}")
                if panic:
                    raise ServerChangeFailed(f"{self.name}: a server change failed: {exc}") from exc
                raise
        update = _merged(updates)
        seq = self._applied
        if update != protocol.EMPTY_UPDATE:
            self.size += len(update)
            seq = self._commit(update, protocol.encode_sync_update(update))
        return results[0], self.fanout.barrier(seq)

    async def read(self, reader: Callable[[Doc[Any]], T]) -> T:
        """Read the document as everyone may see it: wait until what was read is committed."""
        result = reader(self.doc)
        await self.fanout.when_committed(self._applied)
        return result

    def _on_commit(
        self, seq: int, arrived: float, future: asyncio.Future[int], update: bytes
    ) -> None:
        if self._closed is not None:
            return
        self.stats.store_latency.observe(time.perf_counter() - arrived)
        if future.cancelled() or future.exception() is not None:
            error = future.exception() if not future.cancelled() else RoomClosed("cancelled")
            log.error("store failed for %s; closing the room: %s", self.name, error)
            self.close(CLOSE.TRY_AGAIN_LATER.code, "store unavailable", error)
            return
        self._bus.committed(self.name, future.result(), update)
        self.fanout.commit(seq)

    # other nodes ---------------------------------------------------------------------------

    def apply_remote(self, update: bytes) -> None:
        """Apply an update another node has already committed, and fan it out here."""
        if self._closed is not None:
            return
        try:
            self.doc.apply_update(update)
        except CONTROL_FLOW:
            raise
        except BaseException as exc:
            self.stats.unreadable_updates += 1
            self._rebuild(f"a remote update that failed: {exc}")
            return
        self.screening.applied_unscreened(update, self.doc.get_state())
        self._record(update)
        self.size += len(update)
        self._version += 1
        self._release_held()
        # Already durable; it only queues behind this node's own uncommitted updates.
        self.fanout.emit(
            Outgoing(
                self._applied,
                protocol.encode_sync_update(update),
                None,
                skip_joined=False,
                update=update,
            )
        )

    # presence, as the socket endpoints and the bus ask for it ----------------------------

    def presence_snapshot(self) -> bytes:
        """Every current presence state, as one message (`Presence.snapshot`)."""
        return self.presence.snapshot()

    def relay_awareness(self, conn: Connection, entries: list[AwarenessEntry]) -> None:
        """Relay what a socket says about its own client (`Presence.relay`)."""
        self.presence.relay(conn, entries)

    def apply_remote_awareness(self, node: str, payload: bytes) -> None:
        """Presence announced by another node's clients (`Presence.apply_remote`)."""
        self.presence.apply_remote(node, payload)

    def awareness_snapshot_for_peers(self) -> bytes | None:
        """The presence of this node's own clients (`Presence.snapshot_for_peers`)."""
        return self.presence.snapshot_for_peers()

    def drop_node(self, node: str) -> None:
        """Another node died: its clients' presence is gone (`Presence.drop_node`)."""
        self.presence.drop_node(node)


def _grant(conn: Connection, policy: RoomPolicy) -> None:
    grant = policy.grants.get(conn.principal)
    if grant is not None:
        conn.bypass_lock = grant.bypass_lock
        if grant.presence is not None and conn.presence is not None:
            conn.presence = grant.presence


@contextlib.contextmanager
def _captured(doc: Doc[Any]) -> Iterator[list[bytes]]:
    """The updates the changes to `doc` inside the block make, in order."""
    updates: list[bytes] = []

    def capture(event: TransactionEvent) -> None:
        updates.append(event.update)

    subscription = doc.observe(capture)
    try:
        yield updates
    finally:
        doc.unobserve(subscription)


def _merged(updates: list[bytes]) -> bytes:
    """Captured updates as one (the empty update if none)."""
    if not updates:
        return protocol.EMPTY_UPDATE
    return updates[0] if len(updates) == 1 else merge_updates(*updates)


async def _no_seal() -> bytes | None:
    """What a room without a seal key reads of its seal: nothing."""
    return None
