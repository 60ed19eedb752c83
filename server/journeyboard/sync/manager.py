"""The rooms of one node: opened on demand, unloaded after a grace period, kept alive, closed.

A `RoomManager` is an async context manager that owns its tasks (`journeyboard.tasks`, the way
pycrdt-websocket's `WebsocketServer` owns its rooms' task group): the keepalive loop, each
room's load, the grace period before an unload, the unload itself and the compaction after it.
Leaving it flushes every room, closes every socket with a code the client reconnects on, waits
for that work, and compacts what it can in a few seconds.

What the workshop does when a room opens, unloads or is rebuilt comes in as `RoomHooks`, made
for the manager when it is built (`hooks=`), never set afterwards.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import time
from collections.abc import AsyncIterator, Callable, Iterable
from typing import Any, Final, Protocol

from pycrdt import Doc, Map, Text

from journeyboard.sync import protocol
from journeyboard.sync.bindings import bindings_name
from journeyboard.sync.close_codes import CLOSE
from journeyboard.sync.connection import Connection
from journeyboard.sync.loading import seal_stored
from journeyboard.sync.ports import Bus, UpdateLog
from journeyboard.sync.room import Room
from journeyboard.sync.room_options import RoomOptions
from journeyboard.sync.room_state import RoomClosed
from journeyboard.sync.stats import RoomStats
from journeyboard.sync.updates import apply_tolerantly, check_stored
from journeyboard.tasks import Background, Job

log = logging.getLogger(__name__)

SHUTDOWN_COMPACTION_SECONDS: Final = 5.0
"""How long a shutting-down node goes on compacting the documents it had open (longest
logs first); the rest keep their logs and compact on a later load."""


class RoomHooks(Protocol):
    """What the layer above does as rooms come and go (the workshop's `PolicyKeeper`)."""

    async def on_open(self, room: Room) -> None:
        """A room has loaded; runs before anyone may use it (a failure fails the acquire)."""

    def on_unload(self, room: Room) -> None:
        """A room `on_open` saw has been unloaded."""

    def on_rebuild(self, room: Room) -> None:
        """A room's document was rebuilt (`Room._rebuild`): it is a new `Doc`."""


class NoHooks:
    """Hooks that do nothing (a manager of plain documents, and tests)."""

    async def on_open(self, room: Room) -> None:
        pass

    def on_unload(self, room: Room) -> None:
        pass

    def on_rebuild(self, room: Room) -> None:
        pass


def _no_hooks(manager: RoomManager) -> RoomHooks:
    return NoHooks()


class RoomManager:
    """Opens rooms on demand, unloads them after a grace period, and keeps idle sockets alive.

    `hooks` is called once, with the manager, to make its `RoomHooks` (they usually need the
    manager to open other rooms).
    """

    def __init__(
        self,
        update_log: UpdateLog,
        bus: Bus,
        options: RoomOptions = RoomOptions(),  # noqa: B008 (frozen: one shared default)
        *,
        hooks: Callable[[RoomManager], RoomHooks] = _no_hooks,
    ) -> None:
        self.update_log = update_log
        self.bus = bus
        self.options = options
        self.stats = RoomStats()
        """Totals over every room this manager ever opened."""
        self.tasks = Background("room manager")
        """The manager's own work: keepalive, loads, grace periods, unloads, compactions."""
        self._rooms: dict[str, Room] = {}
        self._users: dict[str, int] = {}
        self._loading: dict[str, Job[Room]] = {}
        self._unloading: dict[str, Job[None]] = {}
        self._timers: dict[str, Job[None]] = {}
        """Grace periods running, by document: each unloads its room when it ends."""
        self._keepalive: Job[None] | None = None
        self._closing = False
        self.hooks = hooks(self)

    async def __aenter__(self) -> RoomManager:
        await self.tasks.__aenter__()
        self._keepalive = self.tasks.start(self._keep_alive, "keepalive")
        # pycrdt's first document in a running loop imports anyio's asyncio backend (14 ms
        # here): pay it now, not in the first crowd's join after a restart.
        _warm_up()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    @property
    def rooms(self) -> dict[str, Room]:
        return self._rooms

    async def acquire(self, name: str) -> Room:
        """Return the loaded room for a document, loading it if needed; pair with `release`."""
        self._users[name] = self._users.get(name, 0) + 1
        timer = self._timers.pop(name, None)
        if timer is not None:
            timer.cancel()
        try:
            while True:
                room = self._rooms.get(name)
                if room is not None and not room.closed:
                    await room.ready.wait()
                    return room
                unloading = self._unloading.get(name)
                if unloading is not None:
                    await unloading.wait()
                    continue
                loading = self._loading.get(name)
                if loading is None:
                    loading = self.tasks.spawn(self._load(name), f"load {name}")
                    self._loading[name] = loading
                await loading.wait()
        except BaseException:
            self.release(name)
            raise

    async def _load(self, name: str) -> Room:
        server_only = self.options.server_only(name)
        room = Room(
            name,
            self.update_log,
            self.bus,
            dataclasses.replace(self.options, lock_roots=()) if server_only else self.options,
            clients_may_write=not server_only,
            stats=self.stats,
            on_rebuild=self._rebuilt,
        )
        try:
            position = await room.load()
            self.bus.follow(name, room, position)
            try:
                await self.hooks.on_open(room)
            except BaseException:
                self.bus.unfollow(name)
                raise
            self._rooms[name] = room
            if room.unapplied.pending:
                self.tasks.spawn(self._settle(room), f"settle {name}")
            return room
        finally:
            self._loading.pop(name, None)

    async def _settle(self, room: Room) -> None:
        """Apply the stored snapshot a room answered fresh pages from, if nothing did within
        `APPLY_STORED_WITHIN`; should it not apply after all (its seal vouched that it does),
        quarantine it as a load does and close the room, so that its sockets come back to the
        document as stored."""
        await room.unapplied.settle(room.apply_stored)
        if await room.unapplied.set_aside(room.name, self.update_log, self.stats):
            room.close(CLOSE.TRY_AGAIN_LATER.code, "document reloading")

    def _rebuilt(self, room: Room) -> None:
        self.hooks.on_rebuild(room)

    def release(self, name: str) -> None:
        users = self._users.get(name, 0) - 1
        if users > 0:
            self._users[name] = users
            return
        self._users.pop(name, None)
        if name in self._rooms and name not in self._timers and not self._closing:
            self._timers[name] = self.tasks.spawn(self._grace(name), f"grace {name}")

    @contextlib.asynccontextmanager
    async def use(self, name: str) -> AsyncIterator[Room]:
        room = await self.acquire(name)
        try:
            yield room
        finally:
            self.release(name)

    async def _grace(self, name: str) -> None:
        """Unload a room nobody uses once its grace period is over (`acquire` cancels this)."""
        await asyncio.sleep(self.options.grace_seconds)
        self._start_unload(name)

    def _start_unload(self, name: str) -> None:
        self._timers.pop(name, None)
        if self._users.get(name) or name in self._unloading:
            return
        self._unloading[name] = self.tasks.spawn(self._unload(name), f"unload {name}")

    async def _unload(self, name: str) -> None:
        try:
            room = self._rooms.get(name)
            if room is None:
                return
            if not room.closed:
                await room.flush()
            if self._users.get(name):
                return  # someone came back while we flushed: keep the room
            self._rooms.pop(name, None)
            self.bus.unfollow(name)
            self.hooks.on_unload(room)
            log.debug("unloaded %s", name)
            if room.log_entries > 1 and not room.closed:
                self.tasks.spawn(self.compact(name), f"compact {name}")
            if room.bindings.entries > 1 and not room.closed:
                bindings = bindings_name(name)
                self.tasks.spawn(self.compact(bindings, seal=False), f"compact {bindings}")
        finally:
            self._unloading.pop(name, None)

    async def compact(self, name: str, *, seal: bool = True) -> None:
        """Store a document left alone as one snapshot, so that its next load (the next
        workshop, or the same one after a restart) reads and applies one update, not a log.
        With `seal` (and the node's seal key), the snapshot is then checked and sealed
        (`sync/seals.py`), so that the next load answers without reading it again.

        The store proves the snapshot before it trims anything (`UpdateLog.compact_document`);
        a failure here costs a slower load later, never data, so it is logged and dropped.
        """
        try:
            await self.update_log.compact_document(name)
        except Exception as exc:  # cancellation and exits are BaseExceptions: they go on
            log.warning("compaction of %s after its last socket left failed: %s", name, exc)
        key = self.options.seal_key
        if not seal or key is None or not self.update_log.keeps_seals:
            return
        try:
            await seal_stored(name, self.update_log, key)
        except Exception as exc:  # as above: a failure costs the next load a full check
            log.warning("sealing %s after its compaction failed: %s", name, exc)

    async def close(self, code: int = 1001, reason: str = "server shutting down") -> None:
        """Flush every room, close every socket with a code the client reconnects on, wait
        for the loads, unloads and compactions under way, then stop the manager's tasks."""
        if self._closing:
            return
        self._closing = True
        if self._keepalive is not None:
            await self._keepalive.stop()
            self._keepalive = None
        for timer in self._timers.values():
            timer.cancel()
        self._timers.clear()
        flushed: list[Room] = []
        for room in list(self._rooms.values()):
            if not room.closed:
                with contextlib.suppress(RoomClosed):
                    await room.flush()
                    flushed.append(room)
                room.close(code, reason)
            self.bus.unfollow(room.name)
        self._rooms.clear()
        await self.tasks.settle()
        deadline = time.monotonic() + SHUTDOWN_COMPACTION_SECONDS
        for room in sorted(flushed, key=lambda r: r.log_entries, reverse=True):
            if room.log_entries <= 1 or time.monotonic() > deadline:
                break
            await self.compact(room.name)
        await self.tasks.__aexit__(None, None, None)

    def connections(self) -> Iterable[Connection]:
        for room in self._rooms.values():
            yield from room.connections

    def close_connections(
        self, names: Iterable[str], principal: Callable[[str], bool], code: int, reason: str
    ) -> int:
        """Close the sockets of the named documents whose principal matches; return how many."""
        closed = 0
        for name in names:
            room = self._rooms.get(name)
            if room is None:
                continue
            for conn in list(room.connections):
                if principal(conn.principal):
                    conn.channel.close(code, reason)
                    closed += 1
        return closed

    async def _keep_alive(self) -> None:
        interval = self.options.keepalive_seconds
        while True:
            await asyncio.sleep(max(interval / 3, 0.05))
            now = time.monotonic()
            for conn in list(self.connections()):
                if now - conn.last_sent >= interval:
                    conn.send(protocol.KEEPALIVE_FRAME)


def _warm_up() -> None:
    """Run once, on a tiny document, every piece a room's cold load and its first sync step 2
    run: the first call of each pays for imports and first-use work (pycrdt's first `Doc` in
    the loop imports anyio's backend, 14 ms; the first apply, encoding and check a few ms
    more), which would otherwise fall on the first crowd joining after a restart."""
    source: Doc[Any] = Doc()
    source.get("warm", type=Map)["text"] = Text("warm 🙂")
    update = source.get_update()
    restored, _ = apply_tolerantly([update], [], check_stored([update]).parsed)
    protocol.encode_sync_step2(restored.get_update(restored.get_state()))
