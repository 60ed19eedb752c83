"""A room's document built from its stored log, with what cannot be read set aside.

Loading a room (`Room.load`) reads its log and builds the document from it, and nothing it
stored may stop that: an update yjs cannot read is repaired (`updates.check_stored`; the
repaired version is committed first, then the original moved to the store's quarantine, so a
crash in between leaves both and loading repairs it again), one that does not apply is moved
to the quarantine, and one that waits for clocks the log lacks is handed back to wait.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from pycrdt import Doc

from journeyboard.sync.ports import StoreError, UpdateLog
from journeyboard.sync.seals import make_seal, open_seal
from journeyboard.sync.stats import RoomStats
from journeyboard.sync.updates import (
    Cuts,
    LoadCheck,
    Pairs,
    apply_tolerantly,
    check_stored,
    try_apply,
)
from journeyboard.sync.yupdate import ParsedUpdate

log = logging.getLogger(__name__)

CHECK_INLINE_BYTES: Final = 64 * 1024
"""Stored bytes from which loading checks them in a worker thread (about 150 ns a byte)."""

APPLY_STORED_WITHIN: Final = 1.0
"""Seconds after its opening by which a room applies a stored snapshot it answered fresh pages
from (`RoomManager._settle`), if its joiners' questions and uses of the document did not
apply it sooner."""

DEFER_BYTES: Final = 64 * 1024
"""A sealed snapshot from which a room may answer fresh pages before applying it (`restore`'s
`defer`): applying a smaller one costs well under a millisecond, not worth a second path."""

SEAL_AWAY_BYTES: Final = 512 * 1024
"""Stored bytes, none sealed, from which a load has the store seal them first
(`UpdateLog.seal_parts`, away from the server's GIL) and then applies them as sealed;
below, they are checked in a thread (a few hundred milliseconds at most)."""

DEFER_MAX_BYTES: Final = 1024 * 1024
"""The largest sealed snapshot a room answers fresh pages from before applying it. Applied
later, it is applied on the event loop, at about 50 ms a MB on a slow core, and the node
stops meanwhile; a larger one is applied during the load, in pieces, in the load's thread
(`updates.apply_in_pieces`, `Sealed.cuts`), and the node goes on."""


@dataclass(frozen=True, slots=True)
class Restored:
    """A document as `restore` built it from its log."""

    doc: Doc[Any]
    applied: list[bytes]
    """The stored updates (repaired where needed) that the document holds, in log order."""
    waiting: list[bytes]
    """Stored updates that wait for clocks the log lacks, unapplied."""
    pairs: Pairs
    """Where the document's String items hold surrogate pairs (`updates.splits_a_pair`)."""
    sealed_parts: int = 0
    """Stored parts a valid seal vouched for, applied without being read again
    (`sync/seals.py`)."""
    unapplied: bytes | None = None
    """With `defer`: the one stored part, sealed, that `doc` (still empty) does not hold yet;
    the room applies it later (`Room.apply_stored`)."""
    state: bytes | None = None
    """The state vector `doc` has once `unapplied` is applied, as the seal recorded it."""


async def restore(
    name: str,
    update_log: UpdateLog,
    stats: RoomStats,
    stored: list[bytes],
    key: bytes | None = None,
    seal: bytes | None = None,
    *,
    defer: bool = False,
) -> Restored:
    """Build the document `name` from the updates `stored` in its log (see the module).

    With the node's seal `key`, a `seal` that vouches for the first stored parts spares
    reading them again; after a clean check of parts no seal covered, a new seal is stored.
    With `defer`, a log that is one stored part, sealed with its state vector, is not applied
    here: `Restored.unapplied` is that part and `doc` an empty document to apply it to.
    """
    sealed = None if key is None or seal is None else open_seal(key, name, seal, stored)
    if key is not None and sealed is None and sum(map(len, stored)) > SEAL_AWAY_BYTES:
        # Checked here, it would be read in a thread that takes the GIL from the event loop
        # for seconds: the store checks and seals it in its compactor's process instead.
        made = await _seal_away(name, update_log, stored, key)
        if made is not None:
            sealed = open_seal(key, name, made, stored)
            await _save_seal(name, update_log, made)
    deferred = defer and len(stored) == 1 and DEFER_BYTES <= len(stored[0]) <= DEFER_MAX_BYTES
    if deferred and sealed is not None and sealed.parts == 1 and sealed.state is not None:
        pairs = {client: set(clocks) for client, clocks in sealed.pairs.items()}
        doc: Doc[Any] = Doc()
        return Restored(doc, list(stored), [], pairs, 1, stored[0], sealed.state)
    check: LoadCheck | None = None
    if sealed is not None:
        after = stored[sealed.parts :]
        rest = await _check(after)
        if not rest.repairs and not rest.appended and len(rest.updates) == len(after):
            pairs = {client: set(clocks) for client, clocks in sealed.pairs.items()}
            for client, clocks in rest.pairs.items():
                pairs.setdefault(client, set()).update(clocks)
            unread: list[ParsedUpdate | None] = [None] * sealed.parts
            check = LoadCheck(stored, [], [], pairs, unread + rest.parsed)
        else:
            sealed = None  # something after the sealed parts needs a repair: check it all
    if check is None:
        check = await _check(stored)
    updates, parsed, pairs = await _checked(name, update_log, stats, stored, check)
    waiting: list[int] = []
    cuts: Cuts = dict(sealed.cuts or {}) if sealed is not None else {}
    large = sum(len(update) for update in updates) > CHECK_INLINE_BYTES
    if large:
        # In pieces (`updates.apply_in_pieces`), so that this thread hands the GIL back to
        # the event loop between them: a 10 MB board otherwise stops the node for a second.
        doc, skipped = await asyncio.to_thread(apply_tolerantly, updates, waiting, parsed, cuts)
    else:
        doc, skipped = apply_tolerantly(updates, waiting, parsed, cuts)
    for bad in skipped:
        stats.quarantined_updates += 1
        log.error(
            "%s: stored update %d of %d (%d bytes) cannot be applied; moved to quarantine: %s",
            name,
            bad.index + 1,
            len(updates),
            len(bad.update),
            bad.reason,
        )
        await update_log.quarantine(name, bad.update, bad.reason)
    left_out = {bad.index for bad in skipped} | set(waiting)
    applied = [update for index, update in enumerate(updates) if index not in left_out]
    sealed_parts = 0 if sealed is None else sealed.parts
    clean = not check.repairs and not check.appended and not skipped and not waiting
    unstated = sealed is not None and sealed.state is None
    if key is not None and clean and stored and (len(stored) > sealed_parts or unstated):
        state = doc.get_state()
        if large:  # hashing megabytes: hashlib lets the loop run meanwhile
            seal_made = await asyncio.to_thread(make_seal, key, name, stored, pairs, state, cuts)
        else:
            seal_made = make_seal(key, name, stored, pairs, state, cuts)
        await _save_seal(name, update_log, seal_made)
    return Restored(doc, applied, [updates[index] for index in waiting], pairs, sealed_parts)


class Unapplied:
    """A room's stored snapshot not applied yet: one part, sealed (`restore`'s `defer`), that
    fresh pages are answered from while the room has not applied it (`Room.load`)."""

    __slots__ = ("asking", "done", "failure", "scheduled", "state", "update")

    def __init__(self) -> None:
        self.update: bytes | None = None
        """The stored snapshot the room's document does not hold yet."""
        self.state = b""
        """The state vector the document has once `update` is applied (the seal's)."""
        self.done = asyncio.Event()
        """Set once nothing waits to be applied (or the room closed)."""
        self.failure: tuple[bytes, str] | None = None
        """The snapshot that did not apply after all, and why (`set_aside` moves it)."""
        self.scheduled = False
        """Whether the room has scheduled its apply already."""
        self.asking: set[object] = set()
        """The sockets that joined while the snapshot was unapplied and were not answered yet:
        fresh pages ask (sync step 1) as they open, and the snapshot is applied once they
        have their answer (or by `APPLY_STORED_WITHIN`)."""

    @property
    def pending(self) -> bool:
        """Something is still to apply, or its failure to handle: the manager that opened the
        room runs `RoomManager._settle`."""
        return self.update is not None or self.failure is not None

    def start(self, update: bytes | None, state: bytes | None) -> None:
        """What `restore` left unapplied (nothing: the document holds all it stored)."""
        if update is None or state is None:
            self.done.set()
        else:
            self.update, self.state = update, state

    def state_for(self, doc: Doc[Any], joiner: object) -> bytes:
        """The state vector to send a socket joining the room: the seal's while the snapshot
        is unapplied (the joiner is then waited for: `answered`)."""
        if self.update is None:
            return doc.get_state()
        self.asking.add(joiner)
        return self.state

    def answered(self, joiner: object, apply: Callable[[], None]) -> None:
        """A socket's sync step 1 was answered (or it left): once none that joined while the
        snapshot was unapplied waits for its answer, `apply` is scheduled (soon, not now, so
        that the crowd whose questions are being handed over in this turn is answered too)."""
        if self.update is None:
            return
        self.asking.discard(joiner)
        if not self.asking and not self.scheduled:
            self.scheduled = True
            asyncio.get_running_loop().call_soon(apply)

    def apply(self, doc: Doc[Any]) -> bool:
        """Apply the snapshot to `doc` (empty till now); True if it failed (a panic may have
        left `doc` half-changed: the caller replaces it). Its seal vouches that it applies."""
        update, self.update = self.update, None
        if update is None:
            return False
        self.asking.clear()
        self.done.set()
        error = try_apply(doc, update)
        if error is None:
            return False
        self.failure = (update, f"{type(error).__name__}: {error}")
        return True

    async def settle(self, apply: Callable[[], None]) -> None:
        """Wait `APPLY_STORED_WITHIN` for the room to apply the snapshot, then `apply` it."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.done.wait(), APPLY_STORED_WITHIN)
        apply()

    async def set_aside(self, name: str, update_log: UpdateLog, stats: RoomStats) -> bool:
        """Quarantine the snapshot if it did not apply, as `restore` does; True if it did not."""
        failure, self.failure = self.failure, None
        if failure is None:
            return False
        update, reason = failure
        stats.quarantined_updates += 1
        log.error(
            "%s: its sealed snapshot (%d bytes) cannot be applied; moved to quarantine: %s",
            name,
            len(update),
            reason,
        )
        await update_log.quarantine(name, update, reason)
        return True


async def _save_seal(name: str, update_log: UpdateLog, seal: bytes) -> None:
    """Store a seal; a failure only costs the next cold load a full check."""
    try:
        await update_log.save_seal(name, seal)
    except StoreError as exc:
        log.warning("%s: the seal of its checked parts was not stored: %s", name, exc)


async def _check(stored: list[bytes]) -> LoadCheck:
    """`check_stored`, in a worker thread past `CHECK_INLINE_BYTES`."""
    if sum(len(update) for update in stored) > CHECK_INLINE_BYTES:
        return await asyncio.to_thread(check_stored, stored)
    return check_stored(stored)


async def _checked(
    name: str, update_log: UpdateLog, stats: RoomStats, stored: list[bytes], check: LoadCheck
) -> tuple[list[bytes], list[ParsedUpdate | None], Pairs]:
    """The stored updates with every one yjs cannot read repaired (`check`, of `stored`), as
    read, and their surrogate pairs; the repairs committed and the originals quarantined."""
    for update in check.appended:
        await update_log.append_update(name, update)
    for repair in check.repairs:
        stats.stored_updates_repaired += 1
        log.error(
            "%s: stored update %d of %d (%d bytes) is not readable by yjs; %s",
            name,
            repair.index + 1,
            len(stored),
            len(repair.original),
            repair.reason,
        )
        await update_log.quarantine(name, repair.original, repair.reason)
    return check.updates, check.parsed, check.pairs


async def seal_stored(name: str, update_log: UpdateLog, key: bytes) -> None:
    """Check what the log holds now (after a compaction) and seal it, so that the next cold
    load need not read it again. The check runs away from the event loop
    (`UpdateLog.seal_parts`: in the store's compactor process)."""
    stored = (await update_log.load(name)).updates
    if not stored:
        return
    seal = await update_log.load_seal(name)
    if seal is not None:
        sealed = open_seal(key, name, seal, stored)
        if sealed is not None and sealed.parts == len(stored) and sealed.state is not None:
            return
    made = await _seal_away(name, update_log, stored, key)
    if made is not None:
        await _save_seal(name, update_log, made)


async def _seal_away(
    name: str, update_log: UpdateLog, stored: list[bytes], key: bytes
) -> bytes | None:
    """`UpdateLog.seal_parts`; a store that fails at it only costs a check in the server."""
    try:
        return await update_log.seal_parts(name, stored, key)
    except StoreError as exc:
        log.warning("%s: its stored parts were not sealed: %s", name, exc)
        return None
