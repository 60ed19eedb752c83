"""Who is in a room and where their cursor is: the awareness states of its clients.

A `Presence` belongs to one `Room`. It relays what a socket says about its own client (and
drops what it says about others), stamps each state with what the server knows about the
person, binds a socket to the first client id it announces, batches the frames to the sockets
here and the messages to the other nodes (`announce`), keeps the presence of other nodes'
clients, forgets a node that died, and keeps the encoded snapshot a joiner gets.

It shares two things with its room: the set of connections (who gets the frames) and the
client id bindings of `sync/claims.py` (an id bound to one writer cannot be announced by
another); binding a writing socket's id goes back through the room's `bind_writer`.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from typing import Any, Final

from journeyboard.sync import protocol
from journeyboard.sync.claims import WriterKey, may_take_over, writer_key
from journeyboard.sync.connection import Connection
from journeyboard.sync.ports import Bus
from journeyboard.sync.protocol import AwarenessEntry, ProtocolError
from journeyboard.sync.stats import RoomStats

MAX_PRESENCE_OWNERS: Final = 10_000
"""Client ids a room remembers the owner of (the oldest are forgotten first)."""


class Presence:
    """The awareness states of one room (see the module's docstring)."""

    def __init__(
        self,
        name: str,
        connections: set[Connection],
        bus: Bus,
        stats: RoomStats,
        writers: dict[int, WriterKey],
        bind_writer: Callable[[int, WriterKey], None],
        tick: float,
    ) -> None:
        self.name = name
        self.connections = connections
        """The room's own set of sockets (shared, not copied)."""
        self.tick = tick
        """Seconds between two presence frames of this room (see `announce`); 0: no batching."""
        self._bus = bus
        self._stats = stats
        self._writers = writers
        self._bind_writer = bind_writer
        self._states: dict[int, tuple[int, str]] = {}
        """Every client's current presence (clock, JSON state); change it only through
        `_set` and `_drop`, which keep `_snapshot` in step."""
        self._snapshot: bytes | None = None
        """The presence message with every state in `_states`, encoded once per change."""
        self._remote_owner: dict[int, str] = {}
        """Awareness client ids announced through another node, and which node."""
        self._owners: dict[int, str] = {}
        """Awareness client ids and the person (presence "id") who first announced each one in
        this room, on any node; kept after they leave, so nobody else can take the id."""
        self._pending: dict[int, AwarenessEntry] = {}
        """Presence changes waiting for the next frame to the sockets here, one per client."""
        self._outgoing: dict[int, AwarenessEntry] = {}
        """This node's own clients' changes waiting for the next message to the other nodes."""
        self._timer: asyncio.TimerHandle | None = None
        self._sent = 0.0

    def __bool__(self) -> bool:
        """True while anyone is present (here or through another node)."""
        return bool(self._states)

    def person_of(self, client_id: int) -> str | None:
        """The person who first announced a client id in this room, if any."""
        return self._owners.get(client_id)

    def close(self) -> None:
        """Stop sending: the room closed."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._pending.clear()
        self._outgoing.clear()

    # the snapshot ---------------------------------------------------------------------------

    def snapshot(self) -> bytes:
        """The presence message with every current state (for a joiner, or a query).

        It is encoded once per change of presence, not once per asker: with 60 people near the
        state size cap it is ~250 KB, and every socket that joins or asks gets the same bytes.
        """
        snapshot = self._snapshot
        if snapshot is None:
            entries = [
                AwarenessEntry(client_id, clock, state)
                for client_id, (clock, state) in self._states.items()
            ]
            snapshot = protocol.encode_awareness(protocol.encode_awareness_update(entries))
            self._snapshot = snapshot
        return snapshot

    def _set(self, client_id: int, clock: int, state: str) -> None:
        self._states[client_id] = (clock, state)
        self._snapshot = None

    def _drop(self, client_id: int) -> int:
        """Forget a client's presence; return its last clock."""
        self._snapshot = None
        return self._states.pop(client_id)[0]

    # the sockets here -----------------------------------------------------------------------

    def relay(self, conn: Connection, entries: list[AwarenessEntry]) -> None:
        """Relay what a socket says about its own client; drop what it says about others.

        `entries` are decoded and checked already (the socket's endpoint decodes each
        presence message once, for its size and rate checks, and hands the entries on).

        A socket is bound to the first client id it announces. The stock client also re-sends
        other clients' states (and removes them when they time out); those entries are dropped,
        so nobody can forge or remove someone else's presence.
        """
        relayed: list[AwarenessEntry] = []
        for entry in entries:
            if conn.awareness_id is None and not entry.is_removal:
                self.bind(conn, entry.client_id)
            if entry.client_id != conn.awareness_id:
                conn.dropped_awareness += 1
                self._stats.dropped_awareness += 1
                continue
            known = self._states.get(entry.client_id)
            if entry.is_removal:
                if known is not None and entry.clock >= known[0]:
                    self._drop(entry.client_id)
                    relayed.append(entry)
            elif known is None or entry.clock > known[0]:
                state = stamp(entry.state, conn.presence_json())
                self._set(entry.client_id, entry.clock, state)
                relayed.append(AwarenessEntry(entry.client_id, entry.clock, state))
        if relayed:
            self.announce(relayed, publish=True)

    def left(self, conn: Connection) -> None:
        """A socket left: tell the others its client is gone (unless another socket here
        holds the same client)."""
        client_id = conn.awareness_id
        if client_id is None or client_id not in self._states:
            return
        if any(other.awareness_id == client_id for other in self.connections):
            return  # the same client is still here on another socket
        clock = self._drop(client_id) + 1
        self.announce([AwarenessEntry(client_id, clock, "null")], publish=True)

    def announce(self, entries: list[AwarenessEntry], *, publish: bool) -> None:
        """Send presence changes to every socket here (and, with `publish`, to the other nodes).

        Presence is most of a workshop's traffic: 25 people moving cursors at 10-20 Hz each.
        Relaying each change at once costs a frame per change per socket. Instead a room sends
        at most one presence frame per `tick`: the first change after a quiet tick goes out at
        once, and the changes that arrive within the tick after it wait and go out together,
        keeping only the newest state of each client (a cursor that moved three times in 40 ms
        is sent where it ended). Content never waits for this: updates take their own path
        (`Room._emit`) and go out as soon as they are committed.
        """
        pending = self._pending
        for entry in entries:
            pending[entry.client_id] = entry
        if publish:
            outgoing = self._outgoing
            for entry in entries:
                outgoing[entry.client_id] = entry
        if self._timer is not None:
            return
        wait = self._sent + self.tick - time.monotonic()
        if wait <= 0:
            self._send()
        else:
            loop = asyncio.get_running_loop()
            self._timer = loop.call_later(wait, self._send)

    def _send(self) -> None:
        self._timer = None
        self._sent = time.monotonic()
        if self._pending:
            update = protocol.encode_awareness_update(list(self._pending.values()))
            self._pending.clear()
            frame = protocol.encode_awareness(update)
            for conn in self.connections:
                conn.send(frame)
        if self._outgoing:
            payload = protocol.encode_awareness_update(list(self._outgoing.values()))
            self._outgoing.clear()
            self._bus.publish_awareness(self.name, payload)

    def bind(self, conn: Connection, client_id: int) -> None:
        """Bind a socket to a client id, unless the id belongs to someone else.

        An id belongs to the live socket (on this node or another) that announces it, and an id
        a person announced stays theirs while the room is open, also after they left: nobody
        can take it while they reconnect. Only that same person may take it over (a client
        reconnecting, here or through another node, before its old socket is noticed as
        closed). A refused socket stays unbound; its entries are dropped, and it binds to the
        next id it announces that is free.
        """
        person = person_of(conn.presence)
        owner = self._owners.get(client_id)
        if owner is not None and owner != person:
            return
        writer = writer_key(conn.principal)
        bound = self._writers.get(client_id)
        if bound is not None and not may_take_over(bound, writer, role_of(conn.presence)):
            return
        if client_id in self._remote_owner and (person is None or owner != person):
            return
        for other in self.connections:
            held = other is not conn and other.awareness_id == client_id
            if held and (person is None or person_of(other.presence) != person):
                return
        conn.awareness_id = client_id
        self._remote_owner.pop(client_id, None)
        if person is not None and owner is None:
            self._own(client_id, person)
        if conn.can_write:
            self._bind_writer(client_id, writer)

    def _own(self, client_id: int, person: str) -> None:
        self._owners[client_id] = person
        if len(self._owners) > MAX_PRESENCE_OWNERS:
            del self._owners[next(iter(self._owners))]

    def _held_here(self, client_id: int) -> bool:
        return any(conn.awareness_id == client_id for conn in self.connections)

    # other nodes ---------------------------------------------------------------------------

    def apply_remote(self, node: str, payload: bytes) -> None:
        """Presence announced by another node's clients (already checked and stamped there).

        Every node binds a client id to the first socket that announces it, so an entry is
        ignored when the id is held by a live socket here, is announced by a third node, or
        belongs to another person than the one the entry is stamped with.
        """
        try:
            entries = protocol.decode_awareness_update(payload)
        except ProtocolError:
            return
        relayed: list[AwarenessEntry] = []
        for entry in entries:
            if not self._remote_may_announce(node, entry):
                self._stats.dropped_awareness += 1
                continue
            known = self._states.get(entry.client_id)
            if entry.is_removal:
                if known is not None and entry.clock >= known[0]:
                    self._drop(entry.client_id)
                    self._remote_owner.pop(entry.client_id, None)
                    relayed.append(entry)
            elif known is None or entry.clock > known[0]:
                self._set(entry.client_id, entry.clock, entry.state)
                self._remote_owner[entry.client_id] = node
                relayed.append(entry)
        if relayed:
            self.announce(relayed, publish=False)

    def _remote_may_announce(self, node: str, entry: AwarenessEntry) -> bool:
        client_id = entry.client_id
        holder = self._remote_owner.get(client_id)
        if holder is not None:
            return holder == node
        if self._held_here(client_id):
            return False
        if entry.is_removal:
            return False  # that node never announced it
        person = _person_in(entry.state)
        bound = self._writers.get(client_id)
        if bound is not None:
            if person is None:
                if not bound.startswith("link:"):
                    return False
            elif not may_take_over(bound, f"person:{person}", _role_in(entry.state)):
                return False
        owner = self._owners.get(client_id)
        if owner is None:
            if person is not None:
                self._own(client_id, person)
            return True
        return owner == person

    def snapshot_for_peers(self) -> bytes | None:
        """The presence of this node's own clients, for a node that just opened the room."""
        own = [
            AwarenessEntry(client_id, clock, state)
            for client_id, (clock, state) in self._states.items()
            if client_id not in self._remote_owner
        ]
        return protocol.encode_awareness_update(own) if own else None

    def drop_node(self, node: str) -> None:
        """Another node died: its clients' presence is gone."""
        gone = [
            AwarenessEntry(client_id, self._states[client_id][0] + 1, "null")
            for client_id, owner in list(self._remote_owner.items())
            if owner == node and client_id in self._states
        ]
        for entry in gone:
            self._drop(entry.client_id)
            del self._remote_owner[entry.client_id]
        if gone:
            self.announce(gone, publish=False)


_JSON_SPACE: Final = " \t\n\r"
"""What JSON counts as white space (`str.strip` alone strips more)."""


def person_of(presence: dict[str, Any] | None) -> str | None:
    """The person a presence stamp names (its "id"); None for link holders."""
    person = presence.get("id") if presence is not None else None
    return person if isinstance(person, str) and person else None


def role_of(presence: dict[str, Any] | None) -> str | None:
    """The role a presence stamp names."""
    role = presence.get("role") if presence is not None else None
    return role if isinstance(role, str) else None


def _stamped_user(state: str) -> dict[str, Any] | None:
    try:
        value = json.loads(state)
    except ValueError:
        return None
    user = value.get("user") if isinstance(value, dict) else None
    return user if isinstance(user, dict) else None


def _person_in(state: str) -> str | None:
    """The person another node stamped an awareness state with."""
    return person_of(_stamped_user(state))


def _role_in(state: str) -> str | None:
    """The role another node stamped an awareness state with."""
    return role_of(_stamped_user(state))


def stamp(state: str, user: str | None) -> str:
    """Overwrite the "user" field of an awareness state with what the server knows: `user`,
    the socket's presence as JSON (`Connection.presence_json`).

    The state has parsed already (`protocol.decode_awareness_update`). A state the app sends
    (a cursor, a view, what is being edited) has no "user" field: the stamp is then written
    after its last member, without parsing it again and writing it out. That was about a
    tenth of the server's CPU with cursors moving at 10 Hz (benchmarks/profile.py
    --scenario workshop_8). Any other state is parsed, changed and written out.
    """
    if user is None:
        return state
    text = state.strip(_JSON_SPACE)
    if text[:1] == "{" and '"user"' not in text and "\\" not in text:
        # No backslash: no escaped key can spell "user" either. A JSON object's text ends with
        # its closing brace.
        inside = text[1:-1].strip(_JSON_SPACE)
        return f'{text[:-1]}{"," if inside else ""}"user":{user}}}'
    value = json.loads(state)
    if not isinstance(value, dict):
        value = {}
    value["user"] = json.loads(user)
    # Both parsed as JSON already, without NaN or Infinity: this writes them back as they were.
    return json.dumps(value, separators=(",", ":"), allow_nan=False)
