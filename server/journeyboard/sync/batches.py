"""Sync updates that came from one socket in one read go into its room as one update.

A burst of updates from one client (a paste made card by card, many transactions in one turn
of the client's loop) would otherwise be screened, applied, committed and sent on one by one:
about 115 µs of the loop each, so the last of 50 waited some 6 ms for the others. Merged
(`merge_updates`), the burst costs one screening, one apply, one commit and one frame per
socket. The transport gathers a read's update messages (`SyncSession.gather` and `flush`)
and hands them here.

Only what is screened is ever stored or relayed: the merge is screened as any update is
(`Screening.screen`, whose verdict the room's own check then reuses), and goes to the room as
one sync update message. When yrs cannot merge them, or the screening refuses the merge for
its structure, they go to the room one by one, as they came: the refused one raises after
those before it applied. A merge that passes the screening but that the room then refuses
(past the size limit, a claim on another writer's clocks, half an emoji, an apply that
fails) is refused as one update, so the updates before the bad one in that read are not kept
either; honest clients send none of these (docs/DECISIONS.md, "Updates that came together go
into the room as one").
"""

from __future__ import annotations

from collections.abc import Sequence

from pycrdt import merge_updates

from journeyboard.sync import protocol
from journeyboard.sync.connection import Connection
from journeyboard.sync.errors import SyncError
from journeyboard.sync.fanout import CONTROL_FLOW
from journeyboard.sync.protocol import SyncUpdate
from journeyboard.sync.room import Room


def merged(frames: Sequence[bytes]) -> bytes | None:
    """The updates of `frames` (sync update messages) merged into one, or None: fewer than
    two that change something (empty updates are left out), a frame that is not a sync
    update, or a merge yrs cannot make."""
    updates: list[bytes] = []
    for frame in frames:
        try:
            message = protocol.decode_message(frame)
        except SyncError:
            return None
        if not isinstance(message, SyncUpdate):
            return None
        if message.update != protocol.EMPTY_UPDATE:
            updates.append(message.update)
    if len(updates) < 2:
        return None
    try:
        return merge_updates(*updates)
    except CONTROL_FLOW:
        raise
    except BaseException:  # pycrdt raises ValueError, or a Rust panic on odd input
        return None


def receive_together(room: Room, conn: Connection, frames: list[bytes]) -> None:
    """Hand sync update messages that came from `conn` together to `room`: as one merged
    update when the screening passes the merge, else one by one (`Room.receive` raises at the
    first the room refuses, and the rest are not taken)."""
    if conn not in room.connections:
        return  # a socket the room closed (barred): nothing it sends counts
    update = merged(frames) if conn.can_write and len(frames) > 1 else None
    if update is None or room.screening.screen(update).reason is not None:
        for frame in frames:
            room.receive(conn, frame)
        return
    room.receive(conn, protocol.encode_sync_update(update))
    room.stats.updates_in += len(frames) - 1  # the room counted the merge once
    room.stats.merged_updates += len(frames)
