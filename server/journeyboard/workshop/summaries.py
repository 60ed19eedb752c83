"""What the journeys listing reads of each journey's documents, off the event loop and
remembered per document version (issue #27: `GET /api/boards/{id}/journeys` of a 50-journey
workshop read 100 documents on the loop, loading a room for each).

A document whose room is open on this node is read from the room: its committed state, encoded
on the loop (cheap) and read in a worker thread, remembered for the room's version (every
change to the room's document moves it), so an unchanged journey costs nothing the next time.
A document with no room open here is read from the store, in a worker thread, without opening
a room; it is remembered for a digest of what the store held.
"""

from __future__ import annotations

import asyncio
import hashlib
import weakref
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, TypeVar, cast

from pycrdt import Doc

from journeyboard.sync.room import Room
from journeyboard.sync.updates import apply_tolerantly
from journeyboard.workshop.boards import BoardService

T = TypeVar("T")

REMEMBERED = 1024
"""Documents whose last reading is kept (two per journey; the oldest go first)."""


class Readings:
    """The last reading of each document by each reader, with what it was read at."""

    def __init__(self) -> None:
        self._kept: OrderedDict[tuple[str, object], tuple[object, object]] = OrderedDict()

    def get(self, name: str, reader: object, version: object) -> object | None:
        kept = self._kept.get((name, reader))
        if kept is None or kept[0] != version:
            return None
        self._kept.move_to_end((name, reader))
        return kept[1]

    def put(self, name: str, reader: object, version: object, value: object) -> None:
        self._kept[(name, reader)] = (version, value)
        self._kept.move_to_end((name, reader))
        while len(self._kept) > REMEMBERED:
            self._kept.popitem(last=False)


READINGS = Readings()


class _RoomVersion:
    """A room's version, equal only for the same room object (a reloaded room starts over)."""

    __slots__ = ("room", "version")

    def __init__(self, room: Room, version: int) -> None:
        self.room = weakref.ref(room)
        self.version = version

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, _RoomVersion)
            and other.version == self.version
            and other.room() is not None
            and other.room() is self.room()
        )

    def __hash__(self) -> int:
        return hash(self.version)


def _encode(doc: Doc[Any]) -> bytes:
    return doc.get_update()


def _read_updates(updates: list[bytes], reader: Callable[[Doc[Any]], T]) -> T:
    """Build a document from `updates` (leaving out any that fail) and read it: in a thread."""
    doc, _ = apply_tolerantly(updates)
    return reader(doc)


def _digest(updates: list[bytes]) -> str:
    digest = hashlib.blake2b(digest_size=16)
    for update in updates:
        digest.update(len(update).to_bytes(8, "little"))
        digest.update(update)
    return digest.hexdigest()


async def read(
    boards: BoardService, name: str, reader: Callable[[Doc[Any]], T], readings: Readings = READINGS
) -> T:
    """`reader` of document `name` as everyone may see it, read in a worker thread; the same
    answer again while the document has not changed. `reader` must be pure: it keys the
    remembered readings (a module's function, not a new lambda each time)."""
    key: object = reader
    open_here = boards.rooms.rooms.get(name)
    if open_here is not None and not open_here.closed and open_here.ready.is_set():
        async with boards.rooms.use(name) as room:  # held: it cannot unload meanwhile
            await boards.rooms.bus.catch_up(name)
            version: object = _RoomVersion(room, room.version)
            kept = readings.get(name, key, version)
            if kept is not None:
                return cast(T, kept)
            updates = [await room.read(_encode)]
    else:
        updates = (await boards.update_log.load(name)).updates
        version = await asyncio.to_thread(_digest, updates)
        kept = readings.get(name, key, version)
        if kept is not None:
            return cast(T, kept)
    value = await asyncio.to_thread(_read_updates, updates, reader)
    readings.put(name, key, version, value)
    return value
