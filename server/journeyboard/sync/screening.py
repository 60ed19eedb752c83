"""What an update from a socket must pass before a room applies it, and where it waits.

A room applies nothing it has not screened (issue #23's hardening), in this order:

1. yjs must be able to read it (`updates.screen_update`); malformed bytes close the socket
   with 4400, an update yjs cannot read with `UnreadableUpdate`.
2. It may not split a surrogate pair of the document's text (`updates.splits_a_pair`).
3. It may not claim clocks of a client id bound to someone else, nor delete clocks the room
   does not hold (`sync/claims.py`): `ForeignClaim`.
4. If it refers to clocks the document lacks (`updates.waits_for_missing`), it is held,
   unapplied and unseen, until they arrive (`Screening.hold`, `Screening.ready`).
5. If it restates clocks the document has, the room checks what it added once it applied
   (`updates.overlap`, `updates.new_structs_refusal`).

Every step reads the document's clocks (its state vector), decoded once per state: a room
screens an update against exactly the clocks its document holds at that moment.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from journeyboard.sync.claims import (
    ClaimCheck,
    WriterKey,
    check_claims,
    decode_state_vector,
    held_beyond,
    writer_key,
)
from journeyboard.sync.close_codes import CLOSE
from journeyboard.sync.connection import Connection
from journeyboard.sync.presence import role_of
from journeyboard.sync.protocol import ProtocolError
from journeyboard.sync.stats import RoomStats
from journeyboard.sync.updates import (
    Pairs,
    Screened,
    add_pairs,
    is_malformed,
    overlap,
    screen_update,
    splits_a_pair,
    waits_for_missing,
)
from journeyboard.sync.yupdate import MalformedUpdate, ParsedUpdate, read_as_yrs

log = logging.getLogger(__name__)


class UnreadableUpdate(ProtocolError):
    """An update that applies but cannot be read back (see `updates.unreadable_reason`)."""

    close = CLOSE.UNREADABLE_UPDATE
    reason = "unreadable update"


class ForeignClaim(UnreadableUpdate):
    """An update that claims clocks of a client id bound to someone else, or deletes clocks
    the room does not hold (see `sync/claims.py`)."""

    reason = "claim on clocks of another"


NO_CLAIMS: Final = ClaimCheck(None, (), {})
"""What the server's own changes claim: nothing to check."""

MAX_HELD_UPDATES: Final = 100
MAX_HELD_BYTES: Final = 1 << 20
"""Updates (and their bytes) a room holds at most while they wait for clocks it lacks; an
honest client needs one for a moment (an edit racing its reconnecting sync step 2)."""


@dataclass(frozen=True, slots=True)
class Held:
    """An update that waits for clocks the document lacks."""

    update: bytes
    frame: bytes | None
    origin: Connection | None
    parsed: ParsedUpdate
    stored: bool
    """Read from the log at load (already durable): applied as a remote update."""


@dataclass(frozen=True, slots=True)
class Passed:
    """An update that passed the screening (`Screening.check`)."""

    parsed: ParsedUpdate
    claims: ClaimCheck
    """Its claim check: the client ids it extends are bound to the sender once it applied."""
    waits: bool
    """It refers to clocks the document lacks: hold it (`Screening.hold`), do not apply it."""
    restated: dict[int, int]
    """The clients whose known clocks it restates, with those clocks (`updates.overlap`)."""


class Screening:
    """The checks a room runs on every update before it applies it, and the updates that
    wait for clocks (see the module's docstring). `owner_of` says whom a client id is bound
    to (`Bindings`, or the person who announced it in presence)."""

    def __init__(
        self, name: str, stats: RoomStats, owner_of: Callable[[int], WriterKey | None]
    ) -> None:
        self.name = name
        self._stats = stats
        self._owner_of = owner_of
        self.pairs: Pairs = {}
        """Where the document's String items hold surrogate pairs (`splits_a_pair`)."""
        self.pending_ends: dict[int, int] = {}
        """Client ids whose structs the room stored but holds pending (waiting for a
        dependency), and the end clock of those structs (`claims.held_beyond`)."""
        self.held: list[Held] = []
        """Updates waiting for clocks the document lacks (`updates.waits_for_missing`)."""
        self.held_bytes = 0
        self._decoded: tuple[bytes, dict[int, int]] = (b"", {})
        """The last state vector decoded (as bytes), and its clocks."""
        self._last_screened: tuple[bytes, Screened] | None = None
        """The last update `screen` screened, and its verdict."""

    def clocks(self, state: bytes) -> dict[int, int]:
        """A state vector (`Doc.get_state()`) as client id -> clock, decoded once per state
        (about 0.3 us per client id): a delete adds no clocks, so the update after it reads
        the same decode, as does a held update released right after the one it waited for.
        Read-only: every caller shares the dict."""
        last, clocks = self._decoded
        if state != last:
            clocks = decode_state_vector(state)
            self._decoded = (state, clocks)
        return clocks

    def screen(self, update: bytes) -> Screened:
        """`screen_update(update)`, remembering the last verdict: an update screened before it
        is handed to the room (a merge, `sync/batches.py`) is not screened twice."""
        last = self._last_screened
        if last is not None and last[0] == update:
            return last[1]
        screened = screen_update(update)
        self._last_screened = (update, screened)
        return screened

    def check(self, update: bytes, origin: Connection | None, state: bytes) -> Passed:
        """Screen an update from `origin` (None: the server) against a document whose state
        vector is `state`; raise `ProtocolError`, `UnreadableUpdate` or `ForeignClaim`."""
        screened = self.screen(update)
        reason = screened.reason
        if reason is not None or screened.parsed is None:
            self._stats.unreadable_updates += 1
            if reason is None or is_malformed(reason):  # not what a Yjs client writes (4400)
                raise ProtocolError(f"invalid Yjs update: {reason}")
            raise UnreadableUpdate(f"unreadable Yjs update: {reason}")
        parsed = screened.parsed
        clocks = self.clocks(state)
        if splits_a_pair(parsed, self.pairs, clocks):
            self._stats.unreadable_updates += 1
            raise ProtocolError("invalid Yjs update: it splits a surrogate pair (half an emoji)")
        # Claims on other people's clocks are refused before anything waits (`sync/claims.py`).
        claims = self._check_claims(parsed, origin, clocks)
        if waits_for_missing(parsed, clocks):
            return Passed(parsed, claims, True, {})
        return Passed(parsed, claims, False, overlap(parsed, clocks))

    def _check_claims(
        self, parsed: ParsedUpdate, origin: Connection | None, clocks: dict[int, int]
    ) -> ClaimCheck:
        """Refuse an update that claims clocks it may not (`sync/claims.py`); return the check,
        whose client ids the update extends are bound to the sender once it applied."""
        if origin is None:
            return NO_CLAIMS
        pending = self.pending_ends

        def held_clock(client: int) -> int:
            # The document holds a client's clocks up to its state vector, and beyond it the
            # structs it stored that wait for a dependency.
            return max(clocks.get(client, 0), pending.get(client, 0))

        def holds(client: int, end: int) -> bool:
            return end <= held_clock(client)

        writer = writer_key(origin.principal)
        check = check_claims(
            parsed, holds, held_clock, self._owner_of, writer, role_of(origin.presence)
        )
        if check.refused is not None:
            self._stats.refused_claims += 1
            claim = check.refused.describe()
            log.warning("%s: refused an update from %s: %s", self.name, origin.label, claim)
            raise ForeignClaim(f"refused a claim on clocks the room does not hold: {claim}")
        return check

    def applied(self, parsed: ParsedUpdate) -> None:
        """An update that passed `check` (and did not wait) applied: record its surrogate
        pairs. Nothing of it waits in yrs, so it adds nothing to `pending_ends`: yrs keeps a
        struct pending only for a clock it lacks (a gap before the struct, or an origin, right
        origin or parent it does not have), and `waits_for_missing` holds every update with
        such a reference back instead of applying it."""
        add_pairs(self.pairs, parsed)

    def applied_unscreened(self, update: bytes, state: bytes) -> None:
        """An update another node committed applied (not screened here), and the document's
        state vector is now `state`: note the structs it left pending, and its pairs."""
        for client, end in held_beyond(update, state).items():
            if end > self.pending_ends.get(client, 0):
                self.pending_ends[client] = end
        self.note_pairs(update)

    def note_pairs(self, update: bytes) -> None:
        """Record the surrogate pairs of an update the server wrote or another node sent."""
        with contextlib.suppress(MalformedUpdate):  # then it did not apply either
            add_pairs(self.pairs, read_as_yrs(update))

    def hold(self, held: Held) -> None:
        """Keep an update that waits for clocks the document lacks, unapplied and unseen,
        until they arrive (see `updates.waits_for_missing`: yrs could crash on it)."""
        if not held.stored and (
            len(self.held) >= MAX_HELD_UPDATES
            or self.held_bytes + len(held.update) > MAX_HELD_BYTES
        ):
            self._stats.unreadable_updates += 1
            raise UnreadableUpdate("too many updates wait for clocks this board does not have")
        self.held.append(held)
        self.held_bytes += len(held.update)
        self._stats.held_updates += 1

    def ready(self, state: bytes) -> Held | None:
        """Take the first held update whose clocks a document with state vector `state` has
        (None when none is ready); yrs skips what it has when it is applied."""
        known = self.clocks(state)
        for held in self.held:
            if not waits_for_missing(held.parsed, known):
                break
        else:
            return None
        self.held.remove(held)
        self.held_bytes -= len(held.update)
        return held
