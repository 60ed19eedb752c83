"""Claims on other people's clocks, in process (issue #23, findings 5 and 6): the rule on a
parsed update (`sync/claims.py`), and a room that binds client ids to writers, refuses what
claims another writer's future, stores its bindings and reads them back after a restart.
The same through real sockets and the stock client: tests/e2e/test_claims.py."""

from __future__ import annotations

from typing import Any

import pytest
from pycrdt import Array, Doc, Map

from journeyboard.stores.memory import MemoryStore
from journeyboard.sync import protocol, screening
from journeyboard.sync.bindings import bindings_name
from journeyboard.sync.claims import (
    ClaimCheck,
    check_claims,
    decode_state_vector,
    held_beyond,
    may_take_over,
    writer_key,
)
from journeyboard.sync.connection import Connection
from journeyboard.sync.protocol import write_var_uint
from journeyboard.sync.room import Room
from journeyboard.sync.room_options import RoomOptions
from journeyboard.sync.screening import ForeignClaim
from journeyboard.sync.updates import state_vector
from journeyboard.sync.yupdate import parse_update
from sync.fakes import FakeChannel, RecordingBus, Writer, awareness_frame, cards
from sync.fakes import delete_set_update as delete_set
from sync.fakes import gc_update as gc

ANN = {"id": "ann", "name": "Ann", "role": "participant", "color": "#111111"}
BOB = {"id": "bob", "name": "Bob", "role": "participant", "color": "#222222"}
FAY = {"id": "fay", "name": "Fay", "role": "facilitator", "color": "#333333"}


def skip_then_gc(client: int, clock: int, skip: int, length: int) -> bytes:
    """A Skip struct over `skip` clocks, then a GC struct (what a merged update may hold)."""
    return (
        b"\x01\x02"
        + write_var_uint(client)
        + write_var_uint(clock)
        + b"\x0a"
        + write_var_uint(skip)
        + b"\x00"
        + write_var_uint(length)
        + b"\x00"
    )


def created_and_deleted(client: int) -> bytes:
    """A card written and deleted by `client` in one update: items plus their delete set."""
    doc: Doc[Any] = Doc(client_id=client)
    with doc.transaction():
        doc.get("cards", type=Map)["gone"] = "soon"
        del doc.get("cards", type=Map)["gone"]
        doc.get("cards", type=Map)["kept"] = "here"
    return doc.get_update()


# -- the rule on a parsed update ---------------------------------------------------------------


def check(
    update: bytes,
    clocks: dict[int, int],
    owners: dict[int, str] | None = None,
    writer: str = "person:me",
) -> ClaimCheck:
    owners = owners or {}
    return check_claims(
        parse_update(update),
        lambda client, end: end <= clocks.get(client, 0),
        lambda client: clocks.get(client, 0),
        owners.get,
        writer,
        "participant",
    )


SOMEONE = {7: "person:someone"}


def test_a_delete_set_past_the_rooms_clock_is_refused_whoever_holds_the_id() -> None:
    for owners in ({}, SOMEONE, {7: "person:me"}):
        refused = check(delete_set(7, 5, 100_000), {7: 5}, owners).refused
        assert refused is not None
        assert (refused.what, refused.clock, refused.end) == ("delete set", 5, 100_005)
    # An id the room has never seen: a pending delete would wait for whoever gets it.
    assert check(delete_set(8, 0, 1), {}).refused is not None


def test_deleting_what_the_room_holds_is_anyones_right() -> None:
    result = check(delete_set(7, 0, 5), {7: 5}, SOMEONE)
    assert result.refused is None and result.extended == ()


def test_an_update_may_delete_what_it_brings_itself() -> None:
    result = check(created_and_deleted(9), {})
    assert result.refused is None and result.extended == (9,)
    # its own id already: nothing to bind, nothing to refuse
    result = check(created_and_deleted(9), {}, {9: "person:me"})
    assert result.refused is None and result.extended == ()


def test_structs_past_the_clock_need_the_id_and_structs_within_it_do_not() -> None:
    refused = check(gc(7, 5, 10**9), {7: 5}, SOMEONE).refused
    assert refused is not None
    assert (refused.what, refused.clock, refused.owner) == ("GC struct", 5, "person:someone")
    assert check(gc(7, 5, 10**9), {7: 5}).extended == (7,)  # unbound: binds to the sender
    assert check(gc(7, 5, 10**9), {7: 5}, {7: "person:me"}).refused is None
    # A struct the room already holds (a resend) claims nothing.
    assert check(gc(7, 0, 5), {7: 5}, SOMEONE).refused is None
    # Overlapping the room's clock counts from the room's clock.
    overlapping = check(gc(7, 3, 4), {7: 5}, SOMEONE).refused
    assert overlapping is not None and (overlapping.clock, overlapping.end) == (5, 7)


def test_skip_structs_claim_nothing() -> None:
    refused = check(skip_then_gc(7, 0, 5, 1), {7: 5}, SOMEONE).refused
    assert refused is not None and refused.clock == 5  # the GC after the skip, not the skip
    assert check(skip_then_gc(7, 0, 3, 2), {7: 5}, SOMEONE).refused is None


def test_the_state_vector_decodes_as_yrs_wrote_it() -> None:
    doc: Doc[Any] = Doc()
    for client in (1, 300, 2**40, 2**53 - 1):
        writer: Doc[Any] = Doc(client_id=client)
        writer.get("cards", type=Map)["k"] = "x" * 200
        doc.apply_update(writer.get_update())
    assert decode_state_vector(doc.get_state()) == state_vector(doc)
    assert decode_state_vector(Doc().get_state()) == {}


def test_writer_keys_and_taking_an_id_over() -> None:
    assert writer_key("person:ann") == "person:ann"
    assert writer_key("link:facilitator:3") == "link:facilitator"
    # Joining moves a browser's document from the link to the person, of the same role only.
    assert may_take_over("link:facilitator", "person:fay", "facilitator")
    assert not may_take_over("link:facilitator", "person:mallory", "participant")
    assert not may_take_over("person:fay", "person:mallory", "participant")
    assert not may_take_over("person:fay", "link:facilitator", None)
    assert not may_take_over("server", "person:fay", "facilitator")


# -- a room -----------------------------------------------------------------------------------


async def open_room(store: MemoryStore) -> Room:
    room = Room("doc", store, RecordingBus(), RoomOptions(presence_tick=0.0))
    await room.load()
    return room


def join(room: Room, principal: str, presence: dict[str, Any] | None) -> Connection:
    conn = room.connect(FakeChannel(), can_write=True, principal=principal, presence=presence)
    return conn


def refused(room: Room, conn: Connection, update: bytes) -> bool:
    try:
        room.receive(conn, protocol.encode_sync_update(update))
    except ForeignClaim:
        return True
    return False


async def test_a_persons_presence_binds_the_id_and_nobody_else_claims_its_future() -> None:
    store = MemoryStore()
    room = await open_room(store)
    ann = join(room, "person:ann", ANN)
    bob = join(room, "person:bob", BOB)
    writer = Writer(client_id=10)
    room.receive(ann, awareness_frame(10, 1, {}))
    room.receive(ann, writer.frame("a1", "Ann's card"))
    await room.flush()
    stored = await store.load("doc")
    clock = state_vector(room.doc)[10]

    assert refused(room, bob, gc(10, clock, 10**9))
    assert refused(room, bob, delete_set(10, clock, 100_000))
    assert room.stats.refused_claims == 2
    assert (await store.load("doc")).updates == stored.updates  # nothing stored
    assert bob.channel.closed is None  # the socket's endpoint closes it (4422), not the room

    # Ann's next card lands where the claims aimed.
    room.receive(ann, writer.frame("a2", "next"))
    assert cards(room.doc) == {"a1": "Ann's card", "a2": "next"}
    # Ann's own GC structs past the clock (created and deleted offline) are hers to send.
    assert not refused(room, ann, gc(10, state_vector(room.doc)[10], 3))


async def test_the_first_writer_of_an_unknown_id_binds_it() -> None:
    room = await open_room(MemoryStore())
    bob = join(room, "person:bob", BOB)
    mallory = join(room, "person:mallory", {**BOB, "id": "mallory", "name": "Mallory"})
    room.receive(bob, protocol.encode_sync_update(created_and_deleted(20)))
    assert cards(room.doc) == {"kept": "here"}
    assert refused(room, mallory, gc(20, state_vector(room.doc)[20], 1))
    # and its presence: Mallory cannot announce Bob's id either
    room.receive(mallory, awareness_frame(20, 1, {}))
    assert mallory.awareness_id is None


async def test_the_rooms_own_client_id_is_the_servers() -> None:
    room = await open_room(MemoryStore())
    bob = join(room, "person:bob", BOB)
    room.transact(lambda doc: doc.get("cards", type=Map).__setitem__("s", "server card"))
    server = room.doc.client_id
    assert refused(room, bob, gc(server, state_vector(room.doc)[server], 10**6))


async def test_bindings_are_stored_and_hold_after_a_restart() -> None:
    store = MemoryStore()
    room = await open_room(store)
    ann = join(room, "person:ann", ANN)
    writer = Writer(client_id=10)
    room.receive(ann, awareness_frame(10, 1, {}))
    room.receive(ann, writer.frame("a1", "online"))
    await room.flush()
    assert (await store.load(bindings_name("doc"))).updates  # stored beside the document

    offline = [writer.set("a2", "offline"), writer.set("a3", "offline too")]
    again = await open_room(store)  # a restart: nothing in memory
    mallory = join(again, "person:mallory", {**BOB, "id": "mallory"})
    assert refused(again, mallory, gc(10, state_vector(again.doc)[10], 10**9))
    # Ann comes back and sends what she wrote offline.
    ann = join(again, "person:ann", ANN)
    for update in offline:
        again.receive(ann, protocol.encode_sync_update(update))
    assert cards(again.doc) == {"a1": "online", "a2": "offline", "a3": "offline too"}


async def test_a_resend_of_ones_own_edits_the_server_lost_is_accepted() -> None:
    """The server lost its last seconds (here: a room loaded from a store that never got the
    last update); the writer's resend carries its own structs past the room's clock."""
    store = MemoryStore()
    room = await open_room(store)
    ann = join(room, "person:ann", ANN)
    writer = Writer(client_id=10)
    room.receive(ann, awareness_frame(10, 1, {}))
    room.receive(ann, writer.frame("a1", "kept"))
    await room.flush()
    writer.set("a2", "lost by the server")
    with writer.doc.transaction():
        del writer.doc.get("cards", type=Map)["a1"]
    again = await open_room(store)
    ann = join(again, "person:ann", ANN)
    resend = writer.doc.get_update(again.doc.get_state())  # what sync step 2 carries
    again.receive(ann, protocol.encode_sync_step2(resend))
    assert cards(again.doc) == {"a2": "lost by the server"}


async def test_joining_moves_a_link_writers_id_to_the_person() -> None:
    room = await open_room(MemoryStore())
    link = join(room, "link:facilitator:1", {"name": "Facilitator", "role": "facilitator"})
    writer = Writer(client_id=30)
    room.receive(link, writer.frame("f1", "as the link"))
    # Fay joins; her browser keeps its document and reconnects with her personal token.
    fay = join(room, "person:fay", FAY)
    room.receive(fay, awareness_frame(30, 1, {}))
    assert fay.awareness_id == 30
    room.receive(fay, writer.frame("f2", "as Fay"))
    mallory = join(room, "person:mallory", {**BOB, "id": "mallory"})
    assert refused(room, mallory, gc(30, state_vector(room.doc)[30], 5))
    # a participant cannot take a facilitator link's id over
    other = Writer(client_id=31)
    room.receive(link, other.frame("f3", "link again"))
    assert refused(room, mallory, gc(31, state_vector(room.doc)[31], 5))
    assert cards(room.doc) == {"f1": "as the link", "f2": "as Fay", "f3": "link again"}


async def test_another_nodes_presence_cannot_take_a_bound_id() -> None:
    room = await open_room(MemoryStore())
    ann = join(room, "person:ann", ANN)
    room.receive(ann, Writer(client_id=10).frame("a1", "x"))
    payload = protocol.encode_awareness_update(
        [protocol.AwarenessEntry(10, 5, '{"user": {"id": "bob", "role": "participant"}}')]
    )
    room.apply_remote_awareness("node-2", payload)
    assert room.stats.dropped_awareness == 1


async def test_a_refused_claim_leaves_the_room_as_it_was() -> None:
    store = MemoryStore()
    room = await open_room(store)
    ann = join(room, "person:ann", ANN)
    room.receive(ann, awareness_frame(99, 1, {}))
    room.receive(ann, Writer(client_id=99).frame("a1", "x"))
    await room.flush()
    before = room.doc.get_update()
    entries = len((await store.load("doc")).updates)
    clock = state_vector(room.doc)[99]
    bob = join(room, "person:bob", BOB)
    assert refused(room, bob, gc(99, clock, 1))
    assert refused(room, bob, delete_set(99, clock, 1))
    assert refused(room, ann, delete_set(99, clock + 50, 1))  # even on one's own id
    await room.flush()
    assert room.doc.get_update() == before
    assert len((await store.load("doc")).updates) == entries


async def test_structs_that_wait_for_missing_clocks_are_held_and_may_be_relayed() -> None:
    store = MemoryStore()
    room = await open_room(store)
    mallory = join(room, "person:mallory", {**BOB, "id": "mallory"})
    waiting = gc(77, 5, 3)  # clocks 5..8 of a new id, without 0..5: it waits
    room.receive(mallory, protocol.encode_sync_update(waiting))
    assert state_vector(room.doc).get(77, 0) == 0  # held, not applied
    ann = join(room, "person:ann", ANN)
    assert not refused(room, ann, waiting)  # relaying it claims nothing
    await room.flush()
    stored: Doc[Any] = Doc()
    for update in (await store.load("doc")).updates:
        stored.apply_update(update)
    assert 77 not in state_vector(stored)  # nor stored


async def test_an_update_the_room_applies_leaves_nothing_pending_in_yrs() -> None:
    """Why the room notes pending structs only for other nodes' updates: one from a socket
    that would leave structs pending in yrs (here Bob's item placed after Ann's, before Ann's
    arrived) is held instead, and applies whole once what it waits for is there."""
    room = await open_room(MemoryStore())
    ann = join(room, "person:ann", ANN)
    bob = join(room, "person:bob", BOB)
    ann_doc: Doc[Any] = Doc(client_id=21)
    with ann_doc.transaction():
        ann_doc.get("list", type=Array).append("Ann's")
    first = ann_doc.get_update()
    bob_doc: Doc[Any] = Doc(client_id=22)
    bob_doc.apply_update(first)
    before = bob_doc.get_state()
    with bob_doc.transaction():
        bob_doc.get("list", type=Array).append("Bob's")
    second = bob_doc.get_update(before)  # its item's origin is Ann's item
    room.receive(bob, protocol.encode_sync_update(second))
    assert len(room.screening.held) == 1 and state_vector(room.doc) == {}
    room.receive(ann, protocol.encode_sync_update(first))
    assert not room.screening.held
    assert room.doc.get("list", type=Array).to_py() == ["Ann's", "Bob's"]
    state = room.doc.get_state()
    assert held_beyond(first, state) == {} and held_beyond(second, state) == {}
    assert room.screening.pending_ends == {}


async def test_the_room_decodes_its_state_vector_once_per_state(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The claim check and the check of restated clocks share one decode of the state vector
    per update, and an update that finds the state vector as the last one left it (a delete
    adds no clocks) decodes nothing; typing, deleting one's own text and deleting what came
    from another node are all allowed."""
    room = await open_room(MemoryStore())
    ann = join(room, "person:ann", ANN)
    bob = join(room, "person:bob", BOB)
    writer = Writer(client_id=10)
    room.receive(ann, awareness_frame(10, 1, {}))
    decodes = 0

    def counting(data: bytes) -> dict[int, int]:
        nonlocal decodes
        decodes += 1
        return decode_state_vector(data)

    monkeypatch.setattr(screening, "decode_state_vector", counting)
    room.receive(ann, writer.frame("a1", "Ann's card"))
    for i in range(5):
        room.receive(ann, writer.frame(f"a{i + 2}", "more"))
        with writer.doc.transaction():
            del writer.doc.get("cards", type=Map)[f"a{i + 2}"]
        room.receive(ann, protocol.encode_sync_update(writer._out.pop()))
    # 11 updates: a1, a2 and the first delete decode; each later card follows a delete, which
    # left the state vector as it was, so only the deletes decode again.
    assert decodes == 7
    room.apply_remote(Writer(client_id=40).set("r1", "from another node"))
    remote = Doc(client_id=41)
    remote.apply_update(room.doc.get_update())
    with remote.transaction():
        del remote.get("cards", type=Map)["r1"]
    room.receive(bob, protocol.encode_sync_update(remote.get_update(room.doc.get_state())))
    assert decodes == 8
    assert cards(room.doc) == {"a1": "Ann's card"}
