"""The room manager in-process: one load for concurrent acquirers, unloading after the grace
period (and not when someone comes back), shutdown, the bus calls and the hooks."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest
from pycrdt import Doc

from journeyboard.stores import StoreError
from journeyboard.stores.memory import MemoryStore
from journeyboard.sync import protocol
from journeyboard.sync.bindings import BINDINGS_SUFFIX
from journeyboard.sync.manager import NoHooks, RoomManager
from journeyboard.sync.ports import LoadedDocument
from journeyboard.sync.room import Room
from journeyboard.sync.room_options import RoomOptions
from sync.fakes import FakeChannel, RecordingBus, Writer, cards
from waiting import turns, wait_until

GRACE = 0.05


class GatedStore(MemoryStore):
    """A memory store that counts document loads (a room also loads its client bindings,
    `bindings_name`, in the same step) and holds each load until `opened` is set."""

    def __init__(self, *, auto_commit: bool = True) -> None:
        super().__init__(auto_commit=auto_commit)
        self.loads = 0
        self.opened = asyncio.Event()
        self.opened.set()
        self.failing: BaseException | None = None

    async def load(self, name: str) -> LoadedDocument:
        if not name.endswith(BINDINGS_SUFFIX):
            self.loads += 1
        await self.opened.wait()
        if self.failing is not None:
            raise self.failing
        return await super().load(name)


class Hooks(NoHooks):
    """Room hooks for a test: what it sets runs, the rest does nothing."""

    def __init__(
        self,
        on_open: Callable[[Room], Awaitable[None]] | None = None,
        on_unload: Callable[[Room], None] | None = None,
    ) -> None:
        self.opened = on_open
        self.unloaded = on_unload

    async def on_open(self, room: Room) -> None:
        if self.opened is not None:
            await self.opened(room)

    def on_unload(self, room: Room) -> None:
        if self.unloaded is not None:
            self.unloaded(room)


async def manager_over(
    store: MemoryStore, hooks: Hooks | None = None
) -> tuple[RoomManager, RecordingBus]:
    """A started manager (the test closes it)."""
    bus = RecordingBus()
    manager = RoomManager(
        store, bus, RoomOptions(grace_seconds=GRACE), hooks=lambda _: hooks or Hooks()
    )
    await manager.__aenter__()
    return manager, bus


async def until(condition: Callable[[], bool], timeout: float = 2.0) -> None:
    await wait_until(condition, timeout)


async def test_concurrent_acquirers_share_one_load() -> None:
    store = GatedStore()
    await store.append_update("doc", Writer().set("c1", 1))
    manager, bus = await manager_over(store)
    store.opened.clear()
    first = asyncio.create_task(manager.acquire("doc"))
    second = asyncio.create_task(manager.acquire("doc"))
    await asyncio.sleep(0)
    assert not first.done()
    store.opened.set()
    room_a, room_b = await asyncio.gather(first, second)
    assert room_a is room_b and store.loads == 1
    assert cards(room_a.doc) == {"c1": 1}
    assert bus.follows == [("doc", room_a, 1)]  # from the position the load covered
    await manager.close()


async def test_a_released_room_unloads_after_the_grace_period() -> None:
    store = GatedStore()
    unloaded: list[Room] = []
    manager, bus = await manager_over(store, Hooks(on_unload=unloaded.append))
    room = await manager.acquire("doc")
    manager.release("doc")
    assert manager.rooms == {"doc": room}  # not at once
    await until(lambda: "doc" not in manager.rooms)
    assert bus.unfollows == ["doc"]
    assert unloaded == [room]
    again = await manager.acquire("doc")
    assert again is not room and store.loads == 2
    await manager.close()


async def test_a_room_in_use_stays_loaded() -> None:
    manager, bus = await manager_over(GatedStore())
    room = await manager.acquire("doc")
    await manager.acquire("doc")

    async def witness(name: str) -> None:
        """A room released now unloads after the grace period: by then "doc" would have."""
        await manager.acquire(name)
        manager.release(name)
        await until(lambda: name not in manager.rooms)

    manager.release("doc")
    await witness("witness-1")
    assert manager.rooms == {"doc": room} and bus.unfollows == ["witness-1"]
    # Released and acquired again within the grace period: the unload is called off.
    manager.release("doc")
    assert await manager.acquire("doc") is room
    await witness("witness-2")
    assert manager.rooms == {"doc": room} and bus.unfollows == ["witness-1", "witness-2"]
    await manager.close()


async def test_coming_back_while_the_room_flushes_keeps_it() -> None:
    store = GatedStore(auto_commit=False)
    manager, bus = await manager_over(store)
    room = await manager.acquire("doc")
    conn = room.connect(FakeChannel(), can_write=True)
    room.receive(conn, Writer().frame("c1", "pending"))
    manager.release("doc")
    await until(lambda: "doc" in manager._unloading)  # flushing: waits for the commit
    assert await manager.acquire("doc") is room  # still loaded while it flushes
    await store.commit()
    await until(lambda: "doc" not in manager._unloading)
    assert manager.rooms == {"doc": room} and bus.unfollows == []
    assert store.loads == 1
    manager.release("doc")
    await until(lambda: "doc" not in manager.rooms)
    assert bus.unfollows == ["doc"]
    await manager.close()


async def test_a_failed_load_is_not_kept_and_the_next_acquire_tries_again() -> None:
    store = GatedStore()
    manager, bus = await manager_over(store)
    store.failing = StoreError("unreachable")
    with pytest.raises(StoreError):
        await manager.acquire("doc")
    assert manager.rooms == {} and bus.follows == []
    store.failing = None
    room = await manager.acquire("doc")
    assert store.loads == 2 and manager.rooms == {"doc": room}
    await manager.close()


async def test_on_open_runs_before_anyone_gets_the_room() -> None:
    seen: list[tuple[Room, bool]] = []

    async def on_open(room: Room) -> None:
        await asyncio.sleep(0)
        seen.append((room, "doc" in manager.rooms))

    manager, _ = await manager_over(GatedStore(), Hooks(on_open=on_open))
    room = await manager.acquire("doc")
    assert seen == [(room, False)]  # called before the room is registered
    await manager.close()


async def test_a_failing_on_open_leaves_the_bus_not_following() -> None:
    async def on_open(room: Room) -> None:
        raise StoreError("the session document cannot be opened")

    manager, bus = await manager_over(GatedStore(), Hooks(on_open=on_open))
    with pytest.raises(StoreError):
        await manager.acquire("doc")
    assert manager.rooms == {}
    assert [name for name, _, _ in bus.follows] == [name for name in bus.unfollows]
    await manager.close()


async def test_close_flushes_then_closes_every_socket_with_going_away() -> None:
    store = GatedStore(auto_commit=False)
    manager, bus = await manager_over(store)
    room = await manager.acquire("doc")
    channel = FakeChannel()
    conn = room.connect(channel, can_write=True)
    update = Writer().set("c1", "last words")
    room.receive(conn, protocol.encode_sync_update(update))
    closing = asyncio.create_task(manager.close())
    await until(lambda: store.pending)
    await turns(20)  # in-process: nothing but the commit could let it finish
    assert not closing.done() and channel.closed is None  # waiting for the commit
    await store.commit()
    await closing
    assert channel.closed == (1001, "server shutting down")
    assert await store.load_document("doc") == [update]
    assert manager.rooms == {} and bus.unfollows == ["doc"]


async def test_close_connections_picks_sockets_by_principal() -> None:
    manager, _ = await manager_over(GatedStore())
    room = await manager.acquire("doc")
    ann, bob = FakeChannel(), FakeChannel()
    room.connect(ann, can_write=True, principal="person:ann")
    room.connect(bob, can_write=True, principal="person:bob")
    closed = manager.close_connections(["doc", "other"], lambda p: p == "person:ann", 4403, "gone")
    assert closed == 1
    assert ann.closed == (4403, "gone") and bob.closed is None
    await manager.close()


async def test_idle_sockets_get_keepalives() -> None:
    store = GatedStore()
    bus = RecordingBus()
    options = RoomOptions(grace_seconds=GRACE, keepalive_seconds=0.06)
    async with RoomManager(store, bus, options) as manager:
        room = await manager.acquire("doc")
        channel = FakeChannel()
        room.connect(channel, can_write=False)
        channel.frames.clear()
        await until(lambda: protocol.KEEPALIVE_FRAME in channel.frames)
    assert channel.closed == (1001, "server shutting down")


async def test_a_room_left_alone_is_stored_as_one_snapshot_that_answers_the_next_crowd() -> None:
    store = MemoryStore()
    manager, _ = await manager_over(store)
    room = await manager.acquire("doc")
    writer = Writer()
    for index in range(5):
        channel = FakeChannel()
        conn = room.connect(channel, can_write=True)
        room.receive(conn, protocol.encode_sync_update(writer.set(f"c{index}", index)))
        room.disconnect(conn)
    await room.flush()
    manager.release("doc")
    await until(lambda: "doc" not in manager.rooms)
    await until(lambda: not manager.tasks.jobs)  # the compaction it started
    assert await store.log_length("doc") == 0
    (snapshot,) = (await store.load("doc")).updates

    again = await manager.acquire("doc")
    joiner = FakeChannel()
    conn = again.connect(joiner, can_write=False)
    joiner.frames.clear()
    again.receive(conn, protocol.encode_sync_step1(Doc().get_state()))
    await again.flush()
    assert joiner.frames == [protocol.encode_sync_step2(snapshot)]  # the stored bytes, as they are
    assert cards(joiner.doc()) == {f"c{index}": index for index in range(5)}
    manager.release("doc")
    await manager.close()


async def test_shutdown_compacts_the_rooms_it_had_open() -> None:
    store = MemoryStore()
    manager, _ = await manager_over(store)
    room = await manager.acquire("doc")
    conn = room.connect(FakeChannel(), can_write=True)
    writer = Writer()
    for index in range(3):
        room.receive(conn, protocol.encode_sync_update(writer.set(f"c{index}", index)))
    await manager.close()
    assert await store.log_length("doc") == 0
    assert len((await store.load("doc")).updates) == 1


class BreaksOnce(FakeChannel):
    """A channel whose first keepalive raises (a bug in a socket path, say)."""

    broke = False

    def send(self, frame: bytes) -> None:
        if frame == protocol.KEEPALIVE_FRAME and not self.broke:
            self.broke = True
            raise RuntimeError("the first keepalive breaks")
        super().send(frame)


async def test_a_keepalive_loop_that_fails_once_restarts_and_the_node_keeps_serving(
    caplog: pytest.LogCaptureFixture,
) -> None:
    options = RoomOptions(grace_seconds=GRACE, keepalive_seconds=0.06)
    async with RoomManager(GatedStore(), RecordingBus(), options) as manager:
        manager.tasks.first_backoff = 0.01
        room = await manager.acquire("doc")
        broken, steady = BreaksOnce(), FakeChannel()
        room.connect(broken, can_write=False)
        room.connect(steady, can_write=False)
        broken.frames.clear()
        await until(lambda: broken.broke)
        assert manager.tasks.failures == {"keepalive": 1}
        await until(lambda: protocol.KEEPALIVE_FRAME in broken.frames)  # it started again
        other = await manager.acquire("other")  # and the manager still opens rooms
        assert manager.rooms == {"doc": room, "other": other}
    assert "loop keepalive failed" in caplog.text
