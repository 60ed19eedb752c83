"""A cold room answers fresh pages from its stored, sealed snapshot before applying it
(`loading.Unapplied`, `Room.load`, issue #30).

Only one stored part that a seal with its state vector vouches for is answered unapplied, and
only to an empty state vector; the apply runs right after the first joiners, on the first use
of the document, or within `APPLY_STORED_WITHIN`. Whatever is applied meanwhile reaches a
joiner answered from the stored bytes as an update, and later joiners get the applied document.
"""

from __future__ import annotations

from typing import Any

import pytest
from pycrdt import Doc

from journeyboard.stores.memory import MemoryStore
from journeyboard.sync import loading, protocol, splitting, updates
from journeyboard.sync.close_codes import CLOSE
from journeyboard.sync.loading import DEFER_BYTES
from journeyboard.sync.manager import RoomManager
from journeyboard.sync.room import EMPTY_STATE, Room
from journeyboard.sync.room_options import RoomOptions
from journeyboard.sync.seals import make_seal, open_seal, seal_key
from journeyboard.sync.updates import apply_tolerantly
from journeyboard.workshop import documents
from stored_updates import card_updates
from sync.fakes import FakeChannel, RecordingBus, Writer, cards
from waiting import wait_until

KEY = seal_key("a node's secret")
NAME = "board"


def big_cards() -> dict[str, str]:
    """Cards enough for a snapshot past `DEFER_BYTES`."""
    return {f"card{index}": f"card {index} " + "text " * 40 for index in range(400)}


def options(answers: bool = True, key: bytes | None = KEY) -> RoomOptions:
    return RoomOptions(
        presence_tick=0.0,
        seal_key=key,
        answers_from_store=(lambda name: answers),
    )


async def stored_snapshot(store: MemoryStore, name: str = NAME) -> bytes:
    """The big cards stored as one snapshot of `name`, sealed by a first load; its bytes."""
    for update in card_updates(big_cards()):
        await store.append_update(name, update)
    await store.compact_document(name)
    [snapshot] = await store.load_document(name)
    assert len(snapshot) >= DEFER_BYTES
    await load(store, options(answers=False), name)  # checks and seals it
    return snapshot


async def load(store: MemoryStore, room_options: RoomOptions, name: str = NAME) -> Room:
    room = Room(name, store, RecordingBus(), room_options)
    await room.load()
    return room


def join(room: Room, state: bytes = EMPTY_STATE, *, can_write: bool = False) -> FakeChannel:
    """A socket joining `room` that sends its sync step 1 at once, as a page does."""
    channel = FakeChannel()
    conn = room.connect(channel, can_write=can_write, label="joiner")
    room.receive(conn, protocol.encode_sync_step1(state))
    return channel


def built(updates: list[bytes]) -> Doc[Any]:
    doc, skipped = apply_tolerantly(updates)
    assert not skipped
    return doc


async def test_a_fresh_page_is_answered_from_the_stored_bytes_before_they_are_applied() -> None:
    async with MemoryStore() as store:
        snapshot = await stored_snapshot(store)
        room = await load(store, options())
        assert room.unapplied.update == snapshot and room.unapplied.pending
        channel = join(room)
        assert room.unapplied.update == snapshot  # answered, still not applied
        assert channel.step2s() == [snapshot] and room.stats.stored_answers == 1
        expected = built([snapshot])
        [server_state] = channel.step1s()  # the seal's state vector: what the room holds
        assert server_state == expected.get_state()
        # The apply runs once the joiners admitted in this turn of the loop are answered.
        await wait_until(lambda: room.unapplied.update is None, what="the apply")
        assert not room.unapplied.pending
        assert room.doc.get_state() == expected.get_state()
        assert cards(room.doc) == cards(expected) and len(cards(room.doc)) == 400
        # The room's document is the one the joiner was sent: nothing differs.
        assert room.doc.get_update(channel.doc().get_state()) == protocol.EMPTY_UPDATE


async def test_an_update_applied_while_the_snapshot_waits_reaches_the_early_joiner() -> None:
    async with MemoryStore() as store:
        snapshot = await stored_snapshot(store)
        room = await load(store, options())
        early = join(room)
        assert early.step2s() == [snapshot]
        # Another client writes before the apply has run: the write applies the snapshot first.
        writer = Writer(client_id=777)
        writer_channel = FakeChannel()
        writer_conn = room.connect(writer_channel, can_write=True, label="writer")
        room.receive(writer_conn, writer.frame("during", "the load"))
        assert room.unapplied.update is None
        late = join(room)
        await room.flush()
        await wait_until(lambda: early.broadcasts(), what="the update's fan-out")
        assert early.updates()[1:] == early.broadcasts()
        # Both joiners end with exactly the room's document, and the write is in it.
        for channel in (early, late):
            doc = channel.doc()
            assert cards(doc) == cards(room.doc) and cards(doc)["during"] == "the load"
            assert room.doc.get_update(doc.get_state()) == protocol.EMPTY_UPDATE
        assert late.step2s() != [snapshot]  # answered from the applied document
        assert room.stats.stored_answers == 1


async def test_a_page_that_has_something_is_answered_from_the_applied_document() -> None:
    async with MemoryStore() as store:
        snapshot = await stored_snapshot(store)
        room = await load(store, options())
        known = built([snapshot])
        channel = join(room, known.get_state())
        assert room.unapplied.update is None and room.stats.stored_answers == 0
        assert channel.step2s() == [protocol.EMPTY_UPDATE]


async def test_nothing_waits_unapplied_without_a_seal_option_or_one_sealed_snapshot() -> None:
    async with MemoryStore() as store:
        await stored_snapshot(store)
        # The option names only content documents (not private, session or drafts ones).
        assert documents.is_content("b1") and not documents.is_content("b1/private/p1")
        assert not documents.is_content("b1/session")
        for room_options in (options(answers=False), options(key=None)):
            room = await load(store, room_options)
            assert room.unapplied.update is None and not room.unapplied.pending
        # A part after the snapshot: the log is no longer one sealed snapshot.
        await store.append_update(NAME, card_updates({"more": "text"}, client_id=9)[0])
        room = await load(store, options())
        assert room.unapplied.update is None and len(cards(room.doc)) == 401
        # A small snapshot is applied at once.
        for update in card_updates({"a": "small"}):
            await store.append_update("small", update)
        await load(store, options(), "small")
        room = await load(store, options(), "small")
        assert room.unapplied.update is None


async def test_a_seal_without_a_state_vector_is_replaced_by_one_with_it() -> None:
    async with MemoryStore() as store:
        snapshot = await stored_snapshot(store)
        pairs = open_seal(KEY, NAME, await store.load_seal(NAME) or b"", [snapshot])
        assert pairs is not None and pairs.state is not None
        await store.save_seal(NAME, make_seal(KEY, NAME, [snapshot], pairs.pairs))
        room = await load(store, options())
        assert room.unapplied.update is None  # applied, as before seals had states
        resealed = open_seal(KEY, NAME, await store.load_seal(NAME) or b"", [snapshot])
        assert resealed is not None and resealed.state == room.doc.get_state()
        again = await load(store, options())
        assert again.unapplied.update == snapshot


async def test_nobody_joining_the_room_applies_the_snapshot_within_its_deadline() -> None:
    async with MemoryStore() as store:
        await stored_snapshot(store)
        async with RoomManager(store, RecordingBus(), options()) as manager:
            room = await manager.acquire(NAME)
            await wait_until(lambda: not room.unapplied.pending, what="the apply")
            assert len(cards(room.doc)) == 400
            manager.release(NAME)


async def test_a_sealed_snapshot_that_does_not_apply_is_quarantined_and_the_room_closed() -> None:
    async with MemoryStore() as store:
        garbage = b"\x05" + bytes(range(256)) * (DEFER_BYTES // 256 + 1)
        await store.append_update(NAME, garbage)
        # A seal that (wrongly) vouches for it: only the node's key could make one.
        await store.save_seal(NAME, make_seal(KEY, NAME, [garbage], {}, b"\x01\x07\x01"))
        async with RoomManager(store, RecordingBus(), options()) as manager:
            room = await manager.acquire(NAME)
            channel = join(room)
            assert channel.step2s() == [garbage]  # what the seal vouched for went out
            await wait_until(lambda: channel.closed, what="the room's close")
            assert channel.closed is not None and channel.closed[0] == CLOSE.TRY_AGAIN_LATER.code
            assert room.stats.quarantined_updates == 1
            [(moved, _reason)] = await store.quarantined(NAME)
            assert moved == garbage and await store.load_document(NAME) == []
            manager.release(NAME)


async def test_a_sealed_snapshot_too_large_to_apply_later_applies_in_the_load_as_its_seal_cut_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Applied later, a snapshot is applied on the event loop at once; past DEFER_MAX_BYTES
    # the load applies it instead, in its thread, in the pieces the seal recorded.
    monkeypatch.setattr(splitting, "PIECE_BYTES", 8 * 1024)
    monkeypatch.setattr(loading, "DEFER_MAX_BYTES", DEFER_BYTES)
    async with MemoryStore() as store:
        snapshot = await stored_snapshot(store)
        sealed = open_seal(KEY, NAME, await store.load_seal(NAME) or b"", [snapshot])
        assert sealed is not None and sealed.cuts is not None
        assert len(sealed.cuts[0].steps) > 5  # a piece is at most about 8 KiB
        checked: list[int] = []
        cut: list[splitting.Cut] = []
        read = loading.check_stored
        monkeypatch.setattr(
            loading, "check_stored", lambda parts: checked.append(len(parts)) or read(parts)
        )
        by_cut = updates.apply_cut
        monkeypatch.setattr(
            updates,
            "apply_cut",
            lambda doc, update, how: cut.append(how) or by_cut(doc, update, how),
        )
        room = await load(store, options())
        assert room.unapplied.update is None  # applied, not left for later
        assert cut == [sealed.cuts[0]] and checked == [0]  # as the seal cut it, not read again
        assert cards(room.doc) == cards(built([snapshot]))
