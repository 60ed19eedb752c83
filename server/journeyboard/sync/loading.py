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

from journeyboard.sync.ports import UpdateLog
from journeyboard.sync.stats import RoomStats
from journeyboard.sync.updates import Pairs, apply_tolerantly, check_stored
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


async def restore(
    name: str, update_log: UpdateLog, stats: RoomStats, stored: list[bytes]
) -> Restored:
    """Build the document `name` from the updates `stored` in its log (see the module)."""
    updates, parsed, pairs = await _checked(name, update_log, stats, stored)
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
    return Restored(doc, applied, [updates[index] for index in waiting], pairs)


async def _checked(
    name: str, update_log: UpdateLog, stats: RoomStats, stored: list[bytes]
) -> tuple[list[bytes], list[ParsedUpdate | None], Pairs]:
    """The stored updates with every one yjs cannot read repaired (`check_stored`), as read,
    and their surrogate pairs."""
    if sum(len(update) for update in stored) > CHECK_INLINE_BYTES:
        check = await asyncio.to_thread(check_stored, stored)
    else:
        check = check_stored(stored)
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
