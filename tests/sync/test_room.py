"""A room in-process: the durability rule, commit-ordered and coalesced release, awareness
binding and stamping, remote updates, the lock, and the refusals a socket can meet."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from pycrdt import Doc, Map

from journeyboard.stores import StoreError
from journeyboard.stores.memory import MemoryStore
from journeyboard.sync import protocol
from journeyboard.sync.close_codes import CLOSE
from journeyboard.sync.connection import Connection
from journeyboard.sync.ports import Grant, RoomPolicy
from journeyboard.sync.protocol import ProtocolError
from journeyboard.sync.room import DocumentTooLarge, Room
from journeyboard.sync.room_options import RoomOptions
from journeyboard.sync.room_state import RoomClosed
from journeyboard.sync.updates import state_vector
from sync.fakes import (
    FakeChannel,
    RecordingBus,
    Writer,
    awareness_frame,
    cards,
)
from waiting import wait_until

EMPTY_STATE = Doc().get_state()


async def turns(count: int = 4) -> None:
    """Let the loop run a few times: commit callbacks and the release they schedule."""
    for _ in range(count):
        await asyncio.sleep(0)


async def open_room(
    store: MemoryStore | None = None, **options: Any
) -> tuple[Room, MemoryStore, RecordingBus]:
    store = store if store is not None else MemoryStore(auto_commit=False)
    bus = RecordingBus()
    options.setdefault("presence_tick", 0.0)  # every change at once; the batching tests set one
    writable = options.pop("clients_may_write", True)
    room = Room("doc", store, bus, RoomOptions(**options), clients_may_write=writable)
    await room.load()
    return room, store, bus


def join(room: Room, *, can_write: bool = True, **options: Any) -> tuple[FakeChannel, Connection]:
    channel = FakeChannel()
    conn = room.connect(channel, can_write=can_write, **options)
    channel.frames.clear()  # the sync step 1 every socket gets
    return channel, conn


# -- the durability rule --------------------------------------------------------------------


async def test_nothing_is_shown_before_the_store_commits() -> None:
    room, store, bus = await open_room()
    a, ca = join(room)
    b, _ = join(room)
    writer = Writer()
    update = writer.set("c1", "hello")
    room.receive(ca, protocol.encode_sync_update(update))

    assert cards(room.doc) == {"c1": "hello"}  # applied at once...
    assert store.pending == 1
    joiner = FakeChannel()
    cj = room.connect(joiner, can_write=True)
    room.receive(cj, protocol.encode_sync_step1(EMPTY_STATE))
    read = asyncio.create_task(room.read(cards))
    await turns()
    assert b.frames == []  # ...but not sent to anyone,
    assert joiner.step2s() == []  # not in a joiner's sync step 2,
    assert not read.done()  # and not readable over HTTP
    assert bus.commits == []

    await store.commit()
    await room.flush()
    assert b.broadcasts() == [update]
    assert a.frames == []  # the sender has it already
    assert cards(joiner.doc()) == {"c1": "hello"}
    assert joiner.broadcasts() == []  # its step 2 covered it: not sent twice
    assert await read == {"c1": "hello"}
    assert bus.commits == [("doc", 1, update)]


async def test_updates_go_out_once_each_in_commit_order() -> None:
    room, store, _ = await open_room()
    _, ca = join(room)
    b, _ = join(room)
    writer = Writer()
    updates = [writer.set(f"c{i}", i) for i in range(3)]
    for update in updates:
        room.receive(ca, protocol.encode_sync_update(update))
    for released in range(1, 4):
        await store.commit(1)
        await turns()
        assert b.broadcasts() == updates[:released]
    await room.flush()
    assert b.broadcasts() == updates


async def test_updates_released_by_one_commit_go_out_as_one_merged_frame() -> None:
    room, store, _ = await open_room()
    a, ca = join(room)
    b, cb = join(room)
    watcher, _ = join(room, can_write=False)
    writer_a, writer_b = Writer(), Writer()
    for i in range(3):
        room.receive(ca, writer_a.frame(f"a{i}", i))
        room.receive(cb, writer_b.frame(f"b{i}", i))
    await turns()
    assert watcher.frames == []
    await store.commit()
    await room.flush()

    assert len(watcher.frames) == 1
    assert room.stats.coalesced_updates == 6
    expected = {**{f"a{i}": i for i in range(3)}, **{f"b{i}": i for i in range(3)}}
    assert cards(watcher.doc()) == expected
    # Two senders in the batch: everyone gets the merge, their own changes included.
    for channel, writer in ((a, writer_a), (b, writer_b)):
        assert len(channel.frames) == 1
        for update in channel.updates():
            writer.doc.apply_update(update)
        assert state_vector(writer.doc) == state_vector(room.doc)
        assert cards(writer.doc) == expected


async def test_a_long_release_is_merged_in_frames_of_at_most_the_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """yrs's merge grows faster than the updates it merges: a backlog goes out in pieces."""
    monkeypatch.setattr("journeyboard.sync.fanout.MERGE_LIMIT", 4)
    room, store, _ = await open_room()
    _, ca = join(room)
    watcher, _ = join(room, can_write=False)
    writer = Writer()
    for i in range(10):
        room.receive(ca, writer.frame(f"c{i}", i))
    await turns()
    await store.commit()
    await room.flush()
    assert len(watcher.frames) == 3  # 4 + 4 + 2
    assert cards(watcher.doc()) == {f"c{i}": i for i in range(10)}


async def test_one_senders_merged_frame_skips_the_sender() -> None:
    room, store, _ = await open_room()
    a, ca = join(room)
    b, _ = join(room)
    writer = Writer()
    for i in range(4):
        room.receive(ca, writer.frame(f"c{i}", i))
    await store.commit()
    await room.flush()
    assert a.frames == []
    assert len(b.frames) == 1
    assert cards(b.doc()) == {f"c{i}": i for i in range(4)}


async def test_a_store_failure_closes_every_socket_with_try_again_later() -> None:
    room, store, _ = await open_room()
    a, ca = join(room)
    b, _ = join(room)
    room.receive(ca, Writer().frame("c1", "never shown"))
    read = asyncio.create_task(room.read(cards))
    await turns()
    store.fail(StoreError("disk on fire"))
    await turns()

    closed = (CLOSE.TRY_AGAIN_LATER.code, "store unavailable")
    assert (a.closed, b.closed) == (closed, closed)
    assert CLOSE.TRY_AGAIN_LATER.code == 1013
    assert b.frames == []
    assert room.closed and not room.connections
    with pytest.raises(RoomClosed):
        await read
    with pytest.raises(RoomClosed):
        room.connect(FakeChannel(), can_write=True)
    with pytest.raises(RoomClosed):
        room.receive(ca, Writer().frame("c2", 2))


async def test_server_changes_are_shown_once_committed() -> None:
    room, store, _ = await open_room()
    b, _ = join(room)

    def change(doc: Doc[Any]) -> str:
        doc.get("cards", type=Map)["s"] = "server"
        return "done"

    result, shown = room.transact(change)
    assert result == "done"
    await turns()
    assert not shown.done() and b.frames == []
    await store.commit()
    await shown
    assert cards(b.doc()) == {"s": "server"}


# -- what a socket may send -------------------------------------------------------------------


async def test_a_read_only_socket_cannot_write() -> None:
    room, store, _ = await open_room()
    v, cv = join(room, can_write=False)
    b, _ = join(room)
    room.receive(cv, Writer().frame("c1", "forged"))
    # The empty sync step 2 the stock client sends is not a refused write.
    room.receive(cv, protocol.encode_sync_step2(protocol.EMPTY_UPDATE))
    await turns()
    assert store.pending == 0
    assert cards(room.doc) == {}
    assert cv.dropped_updates == 1 and room.stats.refused_writes == 1
    assert b.frames == [] and v.closed is None


async def test_a_server_only_room_makes_every_socket_read_only() -> None:
    room, store, _ = await open_room(clients_may_write=False)
    _, conn = join(room, can_write=True)
    assert not conn.can_write
    room.receive(conn, Writer().frame("c1", 1))
    assert store.pending == 0


async def test_a_malformed_update_is_refused_and_nothing_is_stored() -> None:
    room, store, _ = await open_room()
    _, ca = join(room)
    with pytest.raises(ProtocolError):
        room.receive(ca, protocol.encode_sync_update(b"\xff\xff\xff"))
    assert store.pending == 0


async def test_an_update_past_the_size_limit_is_refused_before_it_applies() -> None:
    room, store, _ = await open_room(max_document_bytes=200)
    _, ca = join(room)
    writer = Writer()
    room.receive(ca, writer.frame("small", "x"))
    with pytest.raises(DocumentTooLarge):
        room.receive(ca, writer.frame("big", "x" * 300))
    assert cards(room.doc) == {"small": "x"}
    assert store.pending == 1


async def test_a_locked_room_reverts_writers_without_bypass() -> None:
    room, store, _ = await open_room(lock_roots=("cards",))
    room.apply_policy(RoomPolicy(locked=True))
    a, participant = join(room, principal="person:p")
    watcher, _ = join(room, can_write=False)
    writer = Writer()
    room.receive(participant, writer.frame("c1", "while locked"))
    # the writer's client id binding (sync/claims.py), the update, the server's revert of it
    assert store.pending == 3
    await store.commit()
    await room.flush()
    assert cards(room.doc) == {}
    assert room.stats.reverted_updates == 1
    assert cards(watcher.doc()) == {}
    for update in a.updates():  # the writer is sent the revert
        writer.doc.apply_update(update)
    assert cards(writer.doc) == {}

    _, lead = join(room, bypass_lock=True)
    room.receive(lead, Writer().frame("c2", "facilitator"))
    await store.commit()
    await room.flush()
    assert cards(room.doc) == {"c2": "facilitator"}
    assert room.stats.reverted_updates == 1


async def test_a_policy_grant_lets_a_principal_through_the_lock_and_bars_others() -> None:
    room, store, _ = await open_room(lock_roots=("cards",))
    promoted_channel, promoted = join(room, principal="person:lead")
    removed_channel, _ = join(room, principal="person:gone")
    room.apply_policy(
        RoomPolicy(
            locked=True,
            grants={"person:lead": Grant(bypass_lock=True, presence=None)},
            barred=frozenset({"person:gone"}),
        )
    )
    assert removed_channel.closed == (CLOSE.FORBIDDEN.code, "removed from the board")
    assert promoted_channel.closed is None
    room.receive(promoted, Writer().frame("c1", "kept"))
    await store.commit()
    await room.flush()
    assert cards(room.doc) == {"c1": "kept"}


# -- awareness --------------------------------------------------------------------------------

ANN = {"id": "ann", "name": "Ann", "role": "participant", "color": "#111111"}
BOB = {"id": "bob", "name": "Bob", "role": "participant", "color": "#222222"}


def states(channel: FakeChannel) -> list[tuple[int, int, Any]]:
    return [(e.client_id, e.clock, json.loads(e.state)) for e in channel.awareness()]


async def test_presence_is_stamped_and_bound_to_the_first_client_id() -> None:
    room, _, bus = await open_room()
    a, ca = join(room, presence=ANN)
    b, _ = join(room, presence=BOB)
    room.receive(ca, awareness_frame(10, 1, {"cursor": 3, "user": {"name": "Mallory"}}))
    assert ca.awareness_id == 10
    assert states(b) == [(10, 1, {"cursor": 3, "user": ANN})]
    assert states(a) == states(b)  # the sender sees its stamped state too
    assert len(bus.awareness) == 1

    # The same socket cannot speak for another client id, nor remove one.
    b.frames.clear()
    room.receive(ca, awareness_frame(11, 1, {"cursor": 0}))
    room.receive(ca, awareness_frame(12, 5, None))
    assert b.frames == []
    assert ca.dropped_awareness == 2


async def test_nobody_else_can_take_a_persons_client_id() -> None:
    room, _, _ = await open_room()
    _, ca = join(room, presence=ANN)
    b, cb = join(room, presence=BOB)
    room.receive(ca, awareness_frame(10, 1, {"cursor": 1}))
    b.frames.clear()
    room.receive(cb, awareness_frame(10, 2, {"cursor": "forged"}))
    assert cb.awareness_id is None
    assert b.frames == []
    room.disconnect(ca)  # even after Ann left, the id stays hers
    room.receive(cb, awareness_frame(10, 9, {"cursor": "forged"}))
    assert cb.awareness_id is None
    room.receive(cb, awareness_frame(20, 1, {"cursor": 2}))  # a free id binds
    assert cb.awareness_id == 20


async def test_a_joiner_gets_the_presence_and_a_leaver_is_removed() -> None:
    room, _, bus = await open_room()
    _, ca = join(room, presence=ANN)
    room.receive(ca, awareness_frame(10, 4, {"cursor": 1}))
    joiner = FakeChannel()
    room.connect(joiner, can_write=False)
    assert states(joiner) == [(10, 4, {"cursor": 1, "user": ANN})]

    joiner.frames.clear()
    bus.awareness.clear()
    room.disconnect(ca)
    assert states(joiner) == [(10, 5, None)]
    assert len(bus.awareness) == 1
    later = FakeChannel()
    room.connect(later, can_write=False)
    assert later.awareness() == []


async def test_a_grant_restamps_presence() -> None:
    room, _, _ = await open_room()
    b, _ = join(room)
    _, ca = join(room, principal="person:ann", presence=ANN)
    promoted = {**ANN, "role": "facilitator"}
    room.apply_policy(RoomPolicy(grants={"person:ann": Grant(True, promoted)}))
    room.receive(ca, awareness_frame(10, 1, {"cursor": 1}))
    assert states(b) == [(10, 1, {"cursor": 1, "user": promoted})]


async def test_presence_in_one_tick_goes_out_in_one_frame_with_each_clients_newest_state() -> None:
    room, _, bus = await open_room(presence_tick=0.05)
    a, ca = join(room, presence=ANN)
    b, cb = join(room, presence=BOB)
    viewer, _ = join(room, can_write=False)
    room.receive(ca, awareness_frame(10, 1, {"cursor": 1}))
    assert states(viewer) == [(10, 1, {"cursor": 1, "user": ANN})]  # after a quiet tick: at once
    assert len(bus.awareness) == 1
    for channel in (a, b, viewer):
        channel.frames.clear()

    room.receive(ca, awareness_frame(10, 2, {"cursor": 2}))
    room.receive(cb, awareness_frame(20, 1, {"cursor": 7}))
    room.receive(ca, awareness_frame(10, 3, {"cursor": 3}))
    assert viewer.frames == [] and len(bus.awareness) == 1  # held for the rest of the tick
    await wait_until(lambda: viewer.frames, timeout=2, what="the tick's presence frame")
    expected = [(10, 3, {"cursor": 3, "user": ANN}), (20, 1, {"cursor": 7, "user": BOB})]
    for channel in (a, b, viewer):
        assert len(channel.frames) == 1
        assert states(channel) == expected
    assert len(bus.awareness) == 2
    published = protocol.decode_awareness_update(bus.awareness[-1][1])
    assert [(e.client_id, e.clock) for e in published] == [(10, 3), (20, 1)]


async def test_a_leave_within_the_tick_supersedes_the_state_and_content_does_not_wait() -> None:
    room, store, _ = await open_room(presence_tick=0.05)
    _, ca = join(room, presence=ANN)
    watcher, _ = join(room, can_write=False)
    room.receive(ca, awareness_frame(10, 1, {"cursor": 1}))
    room.receive(ca, awareness_frame(10, 2, {"cursor": 2}))
    writer, cw = join(room)
    watcher.frames.clear()

    update = Writer().set("k", "typed")
    room.receive(cw, protocol.encode_sync_update(update))
    await store.commit()
    await room.flush()
    assert watcher.broadcasts() == [update]  # content went out while presence was held
    assert watcher.awareness() == []

    room.disconnect(ca)
    await wait_until(lambda: states(watcher), timeout=2, what="the leave")
    assert states(watcher) == [(10, 3, None)]
    assert states(writer) == [(10, 3, None)]


async def test_a_closed_room_sends_no_held_presence() -> None:
    room, _, bus = await open_room(presence_tick=0.05)
    _, ca = join(room, presence=ANN)
    watcher, _ = join(room, can_write=False)
    room.receive(ca, awareness_frame(10, 1, {"cursor": 1}))
    room.receive(ca, awareness_frame(10, 2, {"cursor": 2}))
    room.close(CLOSE.TRY_AGAIN_LATER.code, "shutting down")
    watcher.frames.clear()
    # A witness: a room whose tick starts later sends its held presence; by then the closed
    # room's tick has come too.
    other, _, _ = await open_room(presence_tick=0.05)
    _, co = join(other, presence=ANN)
    seen, _ = join(other, can_write=False)
    other.receive(co, awareness_frame(10, 1, {"cursor": 1}))
    other.receive(co, awareness_frame(10, 2, {"cursor": 2}))
    seen.frames.clear()
    await wait_until(lambda: seen.frames, timeout=2, what="the witness room's tick")
    assert watcher.frames == [] and len(bus.awareness) == 1


# -- other nodes ------------------------------------------------------------------------------


async def test_a_remote_update_fans_out_to_every_local_socket() -> None:
    room, store, _ = await open_room()
    a, _ = join(room)
    b, _ = join(room)
    update = Writer().set("r", "remote")
    room.apply_remote(update)
    assert a.broadcasts() == [update] and b.broadcasts() == [update]
    assert store.pending == 0  # another node committed it already
    assert cards(room.doc) == {"r": "remote"}


async def test_a_remote_update_waits_behind_local_uncommitted_ones() -> None:
    room, store, _ = await open_room()
    _, ca = join(room)
    b, _ = join(room)
    room.receive(ca, Writer().frame("local", 1))
    room.apply_remote(Writer().set("remote", 2))
    await turns()
    assert b.frames == []
    await store.commit()
    await room.flush()
    assert cards(b.doc()) == {"local": 1, "remote": 2}


async def test_a_stored_update_that_cannot_apply_is_quarantined_on_load() -> None:
    store = MemoryStore()
    good = Writer().set("c1", "kept")
    await store.append_update("doc", good)
    await store.append_update("doc", b"\xff\xff\xff")
    room, _, _ = await open_room(store)
    assert cards(room.doc) == {"c1": "kept"}
    assert room.stats.quarantined_updates == 1
    assert [update for update, _ in await store.quarantined("doc")] == [b"\xff\xff\xff"]
    assert await store.load_document("doc") == [good]


# -- restating known clocks with other content (issue #23, what yjs can read) ----------------

# Two updates of client 4242 that assign different content to the same clocks (found by the
# pair fuzz of tests/sync/test_yjs_differential.py): each passes every check on its own, but
# after A, yrs integrates the rest of B into an item whose origin is its own id, which the
# browser's yjs throws on ("Unexpected case") when it joins.
RESTATES_A = bytes.fromhex(
    "01079221002701056361726473056361726430022800922100046b696e640177047061696e28009221000370"
    "6f73017c3f000000270092210005766f746573000800922103047c3f800000770374776f7e7601016b750178"
    "270092210004746578740204009221080d63617264203020c3a9f09f988000"
)
RESTATES_B = bytes.fromhex(
    "01179221002701056361726473056361726430012800922100046b696e640177047061696e28009221000370"
    "6f73017c3f000000270092210005766f746573000800922103047c3f800000770374776f7e7601016b750178"
    "210092210004746578740204009221080263618492210a0b7264203220c3a9f09f9880c492210a92210b0258"
    "592101056361726473056361726431010014270105636172647305636172643201280092212a046b696e6401"
    "77047061696e280092212a03706f73017c40200000270092212a05766f74657300080092212d047c3f800000"
    "770374776f7e7601016b750178270092212a0474657874020400922132026361849221340b7264203220c3a9"
    "f09f9880c492213492213502585927010673746167657302733101270092213f057469746c65020400922140"
    "036f6e65019221011515"
)


async def test_restating_known_clocks_with_other_content_is_refused_and_changes_nothing() -> None:
    from journeyboard.sync.updates import unreadable_reason, yjs_refusal

    assert unreadable_reason(RESTATES_A) is None and unreadable_reason(RESTATES_B) is None
    room, _, _ = await open_room()
    _, ca = join(room)
    room.receive(ca, protocol.encode_sync_update(RESTATES_A))
    before = room.doc.get_update()
    with pytest.raises(ProtocolError):  # it also splits a surrogate pair of A's text
        room.receive(ca, protocol.encode_sync_update(RESTATES_B))
    assert room.doc.get_update() == before
    assert yjs_refusal(room.doc.get_update()) is None


# -- updates that wait for clocks the document lacks ----------------------------------------


async def test_an_update_waiting_for_missing_clocks_is_held_until_they_arrive() -> None:
    """The honest race: an edit typed while the reconnecting sync step 2 is on its way
    arrives first. It is held (not applied, stored or shown), then applied after the gap
    fills, and the writer is not refused."""
    room, store, _ = await open_room()
    a, ca = join(room)
    b, _ = join(room)
    writer = Writer()
    first = writer.set("c1", "offline")
    second = writer.set("c2", "typed while reconnecting")
    room.receive(ca, protocol.encode_sync_update(second))
    assert cards(room.doc) == {} and store.pending == 0
    assert room.stats.held_updates == 1
    room.receive(ca, protocol.encode_sync_step2(first))
    assert cards(room.doc) == {"c1": "offline", "c2": "typed while reconnecting"}
    assert store.pending == 2
    await store.commit()
    await room.flush()
    assert cards(b.doc()) == cards(room.doc)
    assert not a.closed


# WAITS names clocks 63-67 of client 4242 (a board without them keeps it pending in yrs);
# FILLS writes clocks 0-70 of that client with other content. Applied in this order, yrs
# crashed the process (SIGSEGV); see tests/e2e/test_yjs_readable.py.
WAITS = bytes.fromhex(
    "010392213f27010673746167657d02733101270092213f057469746c65020400922140036f0a6500"
)
FILLS = bytes.fromhex(
    "01179221002701056361726473056361726430012800922100046b696e640177047061696e28009221000370"
    "6f73017c3f000000270092210005766f746573000800922103047c3f800000770374776f7e7601016b750178"
    "270092210004746578740204009221080263618492210a0b7264203020c3a9f09f9880c492210a92210b0258"
    "592101056361726473056361726431090014270105636172647305636172643201280092212a046b696e6401"
    "77047061696e280092212a03706f73017c40202100270092212a05766f74657300080092212d047c3f800000"
    "770374776f7e7601016b750178270092212a0474657874020400922132026361849221340b7264203220c3a9"
    "f09f9880c492213492213502585927010673746167657302733101270092213f057469746c65020400922140"
    "036f6e65019221011515"
)


async def test_a_stored_update_waiting_for_missing_clocks_stays_held_after_loading() -> None:
    store = MemoryStore()
    await store.append_update("doc", WAITS)  # what an older server stored
    room, _, _ = await open_room(store)
    assert room.stats.held_updates == 1 and room.doc.get_update() == Doc().get_update()
    _, ca = join(room)
    room.receive(ca, protocol.encode_sync_update(FILLS))  # crashed the process before
    assert "cards" in room.doc.get_update().decode("latin-1")
    assert room.stats.held_updates == 1 and room.log_entries == 2


# A board the stock yjs wrote (client/tools/yread.mjs --sample): card c1's text holds
# "lo \U0001f600" at clocks 9-13 of client 777, the emoji's halves at 12 and 13.
YJS_BOARD = bytes.fromhex(
    "01198906002701056361726473026331012800890600046b696e640177047061696e280089060003706f7301"
    "7c3fc0000028008906000474616773017502770161760201627e016e7d472300890600056279746573030102"
    "032700890600047465787402040089060501688489060602c3a9818906070184890608076c6f20f09f988027"
    "00890600046c69737400080089060e037d017d027d03c48906078906080158c1890612890608014689060604"
    "626f6c640474727565c689061289061304626f6c64046e756c6cc689060689060704626f6c64046e756c6cc5"
    "8906168906070d7b22696d616765223a2278227dc689061789060704626f6c64047472756521010563617264"
    "730263320100012701056c69737473016c00070089061b018889061c01770178280106737461676573027331"
    "0177036f6e6501890603080113011902"
)


async def test_an_update_splitting_a_surrogate_pair_is_refused() -> None:
    """yrs keeps strings in UTF-8, so an item split between the halves of a surrogate pair
    (an emoji) loses a clock: every later struct of its writer is encoded one clock off,
    and each joiner's yjs throws. The stock client never splits a pair (textDiff)."""
    from journeyboard.sync.updates import yjs_refusal

    store = MemoryStore()
    await store.append_update("doc", YJS_BOARD)
    room, _, _ = await open_room(store)
    _, ca = join(room)
    before = room.doc.get_update()
    deletes_half = bytes.fromhex("00018906010c01")  # delete set: client 777, clock 12, 1
    with pytest.raises(ProtocolError):
        room.receive(ca, protocol.encode_sync_update(deletes_half))
    assert room.doc.get_update() == before and yjs_refusal(before) is None
    deletes_both = bytes.fromhex("00018906010c02")
    room.receive(ca, protocol.encode_sync_update(deletes_both))  # the whole emoji: fine
    assert yjs_refusal(room.doc.get_update()) is None
