"""Updates that came from one socket together (`sync/batches.py`), in process: they go
into the room as one merged update, screened as any update is, and when one of them is
refused they are taken one by one, so the refusal falls where it would have. The transport's
side (one read, one batch, in order with the socket's other messages) is in
tests/web/test_lean_socket_in_process.py; the stock client's burst in tests/e2e/test_stock_client.py.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pycrdt import Doc, Map

from journeyboard.stores.memory import MemoryStore
from journeyboard.sync import protocol
from journeyboard.sync.batches import receive_together
from journeyboard.sync.connection import Connection
from journeyboard.sync.protocol import ProtocolError
from journeyboard.sync.room import Room
from journeyboard.sync.room_options import RoomOptions
from journeyboard.sync.updates import unreadable_reason
from sync.fakes import FakeChannel, RecordingBus, Writer, cards


async def open_room(store: MemoryStore) -> Room:
    room = Room("doc", store, RecordingBus(), RoomOptions(presence_tick=0.0))
    await room.load()
    return room


def join(room: Room, *, can_write: bool = True) -> tuple[FakeChannel, Connection]:
    channel = FakeChannel()
    conn = room.connect(channel, can_write=can_write)
    channel.frames.clear()  # the sync step 1 every socket gets
    return channel, conn


async def stored(store: MemoryStore) -> list[bytes]:
    """The room's committed log (with the snapshot, if any, first)."""
    return await store.load_document("doc")


async def test_updates_that_came_together_go_in_as_one_commit_and_one_frame() -> None:
    store = MemoryStore(auto_commit=False)
    room = await open_room(store)
    _, paster = join(room)
    other, _ = join(room)
    writer = Writer()
    frames = [writer.frame(f"card{i}", f"idea {i}") for i in range(50)]
    before = len(await stored(store))

    receive_together(room, paster, frames)

    assert len(cards(room.doc)) == 50 and store.pending == 1
    assert other.frames == []  # nothing is shown before the commit
    await store.commit()
    await asyncio.sleep(0)
    log = await stored(store)
    assert len(log) == before + 1
    assert unreadable_reason(log[-1]) is None  # what is stored passed the screening
    [sent] = other.broadcasts()
    assert cards(other.doc()) == {f"card{i}": f"idea {i}" for i in range(50)}
    assert sent == log[-1]
    # counted as the messages they came as, stored as one
    assert room.stats.merged_updates == 50 and room.stats.updates_in == 50


async def test_one_refused_update_among_them_falls_where_it_would_have() -> None:
    """Updates before the malformed one apply, it raises the error it raises alone, and what
    came after it is not taken: the same as had each come in a read of its own."""
    store = MemoryStore()
    room = await open_room(store)
    _, conn = join(room)
    writer = Writer()
    good = [writer.frame("a", 1), writer.frame("b", 2)]
    bad = protocol.encode_sync_update(b"\x01\x02\xff\xff")
    after = writer.frame("c", 3)
    with pytest.raises(ProtocolError):
        receive_together(room, conn, [*good, bad, after])
    assert cards(room.doc) == {"a": 1, "b": 2}
    assert room.stats.merged_updates == 0


async def test_a_read_only_socket_has_each_of_them_dropped() -> None:
    room = await open_room(MemoryStore())
    _, viewer = join(room, can_write=False)
    writer = Writer()
    receive_together(room, viewer, [writer.frame("a", 1), writer.frame("b", 2)])
    assert cards(room.doc) == {} and room.stats.refused_writes == 2


async def test_empty_updates_among_them_are_left_out() -> None:
    store = MemoryStore()
    room = await open_room(store)
    _, conn = join(room)
    writer = Writer()
    empty = protocol.encode_sync_update(protocol.EMPTY_UPDATE)
    before = len(await stored(store))
    receive_together(room, conn, [empty, writer.frame("a", 1), empty])  # one update: as it is
    receive_together(room, conn, [writer.frame("b", 2), empty, writer.frame("c", 3)])
    await asyncio.sleep(0)
    assert cards(room.doc) == {"a": 1, "b": 2, "c": 3}
    assert len(await stored(store)) == before + 2 and room.stats.merged_updates == 3


EDIT = st.one_of(
    st.tuples(st.just("set"), st.sampled_from("abcdef"), st.integers(0, 9)),
    st.tuples(st.just("delete"), st.sampled_from("abcdef"), st.just(0)),
    st.tuples(st.just("nest"), st.sampled_from("abcdef"), st.integers(0, 9)),
)


def edit_updates(edits: list[tuple[str, str, int]]) -> list[bytes]:
    """One update per edit that changed something, from one client's document."""
    doc: Doc[Any] = Doc()
    made: list[bytes] = []
    doc.observe(lambda event: made.append(event.update))
    root = doc.get("cards", type=Map)
    for kind, key, value in edits:
        if kind == "set":
            root[key] = value
        elif kind == "nest":
            root[key] = Map({"kind": "note", "votes": value})
        elif key in root:
            del root[key]
    return made


@settings(max_examples=60, deadline=None)
@given(edits=st.lists(EDIT, min_size=1, max_size=30), cuts=st.lists(st.integers(0, 30)))
def test_taken_together_or_one_by_one_the_room_ends_the_same(
    edits: list[tuple[str, str, int]], cuts: list[int]
) -> None:
    """Any edits of one client, cut into reads anywhere: every socket ends with what a room
    that took them one by one ends with, and so does a document built from the stored log."""
    updates = edit_updates(edits)
    frames = [protocol.encode_sync_update(update) for update in updates]
    bounds = sorted({cut for cut in cuts if 0 < cut < len(frames)})

    async def scenario() -> None:
        one_store, together_store = MemoryStore(), MemoryStore()
        one, together = await open_room(one_store), await open_room(together_store)
        _, one_conn = join(one)
        _, together_conn = join(together)
        watcher, _ = join(together)
        for frame in frames:
            one.receive(one_conn, frame)
        for start, stop in zip([0, *bounds], [*bounds, len(frames)], strict=True):
            receive_together(together, together_conn, frames[start:stop])
        for _ in range(5):  # the commits, and the fan-out each releases
            await asyncio.sleep(0)
        expected = cards(one.doc)
        assert cards(together.doc) == expected
        assert cards(watcher.doc()) == expected
        rebuilt: Doc[Any] = Doc()
        for update in await stored(together_store):
            assert unreadable_reason(update) is None
            rebuilt.apply_update(update)
        assert cards(rebuilt) == expected

    asyncio.run(scenario())
