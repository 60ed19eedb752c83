"""A room's document built from its stored log, with what cannot be read set aside.

Loading a room (`Room.load`) reads its log and builds the document from it, and nothing it
stored may stop that: an update yjs cannot read is repaired (`updates.check_stored`; the
repaired version is committed first, then the original moved to the store's quarantine, so a
crash in between leaves both and loading repairs it again), one that does not apply is moved
to the quarantine, and one that waits for clocks the log lacks is handed back to wait.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any, Final

from pycrdt import Doc

from journeyboard.sync.ports import StoreError, UpdateLog
from journeyboard.sync.seals import make_seal, open_seal
from journeyboard.sync.stats import RoomStats
from journeyboard.sync.updates import LoadCheck, Pairs, apply_tolerantly, check_stored
from journeyboard.sync.yupdate import ParsedUpdate

log = logging.getLogger(__name__)

CHECK_INLINE_BYTES: Final = 64 * 1024
"""Stored bytes from which loading checks them in a worker thread (about 150 ns a byte)."""


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


async def restore(
    name: str,
    update_log: UpdateLog,
    stats: RoomStats,
    stored: list[bytes],
    key: bytes | None = None,
    seal: bytes | None = None,
) -> Restored:
    """Build the document `name` from the updates `stored` in its log (see the module).

    With the node's seal `key`, a `seal` that vouches for the first stored parts spares
    reading them again; after a clean check of parts no seal covered, a new seal is stored.
    """
    sealed = None if key is None or seal is None else open_seal(key, name, seal, stored)
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
    doc, skipped = apply_tolerantly(updates, waiting, parsed)
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
    if key is not None and clean and stored and len(stored) > sealed_parts:
        await _save_seal(name, update_log, make_seal(key, name, stored, pairs))
    return Restored(doc, applied, [updates[index] for index in waiting], pairs, sealed_parts)


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


def _seal_if_clean(name: str, key: bytes, stored: list[bytes]) -> bytes | None:
    """A seal over `stored` when every part passes the load-time check and applies, in
    order, to an empty document without waiting; None otherwise (a load then repairs)."""
    check = check_stored(stored)
    if check.repairs or check.appended or len(check.updates) != len(stored):
        return None
    waiting: list[int] = []
    _, skipped = apply_tolerantly(check.updates, waiting, check.parsed)
    if skipped or waiting:
        return None
    return make_seal(key, name, stored, check.pairs)


async def seal_stored(name: str, update_log: UpdateLog, key: bytes) -> None:
    """Check what the log holds now (after a compaction) and seal it, so that the next cold
    load need not read it again. The check runs in a worker thread."""
    stored = (await update_log.load(name)).updates
    if not stored:
        return
    seal = await update_log.load_seal(name)
    if seal is not None:
        sealed = open_seal(key, name, seal, stored)
        if sealed is not None and sealed.parts == len(stored):
            return
    made = await asyncio.to_thread(_seal_if_clean, name, key, stored)
    if made is not None:
        await _save_seal(name, update_log, made)
