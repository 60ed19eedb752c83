"""Seals over stored parts that passed the load-time check (`sync/seals.py`, issue #30).

A cold load applies the parts a valid seal vouches for without reading them again; anything
else (a tampered part, a forged seal, another key, another checker version, a part after the
sealed ones that needs a repair) is read, and refused or repaired, as before.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from pycrdt import Map

from journeyboard.stores.memory import MemoryStore
from journeyboard.stores.sqlite import SQLiteStore
from journeyboard.sync import loading, seals
from journeyboard.sync.manager import RoomManager
from journeyboard.sync.ports import StoreError
from journeyboard.sync.room import Room
from journeyboard.sync.room_options import RoomOptions
from journeyboard.sync.seals import make_seal, open_seal, seal_key
from journeyboard.sync.updates import LoadCheck, apply_tolerantly, check_stored, yjs_refusal
from stored_updates import card_updates
from sync.fakes import RecordingBus

KEY = seal_key("a node's secret")
DOC_TYPE_ENTRY = bytes.fromhex("01012a00270105636172647302786109" + "00")
"""17 bytes from client 42: cards["xa"] = a shared type with type ref 9, which yjs cannot
read (as in tests/e2e/test_yjs_readable.py)."""


async def store_cards(store: MemoryStore, texts: dict[str, str]) -> None:
    """The cards (id -> text) stored as the parts of "doc", one update each."""
    for update in card_updates(texts):
        await store.append_update("doc", update)


def snapshot(updates: list[bytes]) -> bytes:
    doc, _ = apply_tolerantly(updates)
    return doc.get_update()


def texts(room: Room) -> dict[str, str]:
    cards = room.doc.get("cards", type=Map)
    return {key: str(card["text"]) for key, card in cards.items()}


class Spy:
    """Records the parts every `check_stored` call was given."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls: list[int] = []
        monkeypatch.setattr(loading, "check_stored", self)

    def __call__(self, updates: list[bytes]) -> LoadCheck:
        self.calls.append(len(updates))
        return check_stored(updates)


async def load(store: Any, key: bytes | None = KEY, name: str = "doc") -> Room:
    room = Room(name, store, RecordingBus(), RoomOptions(presence_tick=0.0, seal_key=key))
    await room.load()
    return room


# the seal itself -----------------------------------------------------------------------------


def test_a_seal_vouches_for_the_parts_it_was_made_over_and_no_others() -> None:
    parts = card_updates({"a": "first", "b": "second 🙂"})
    pairs = check_stored(parts).pairs
    assert pairs  # the emoji's surrogate pair
    seal = make_seal(KEY, "doc", parts, pairs)
    opened = open_seal(KEY, "doc", seal, parts)
    assert opened is not None and opened.parts == 2 and opened.pairs == pairs
    # The first stored parts, with more after them: it vouches for those.
    more = card_updates({"c": "third"}, client_id=7)
    assert (sealed := open_seal(KEY, "doc", seal, [*parts, *more])) and sealed.parts == 2
    # Not for other bytes, another document, another key, fewer parts, or garbage.
    assert open_seal(KEY, "doc", seal, [parts[0], parts[1][:-1] + b"\x01"]) is None
    assert open_seal(KEY, "doc", seal, [parts[1], parts[0]]) is None
    assert open_seal(KEY, "other", seal, parts) is None
    assert open_seal(seal_key("another secret"), "doc", seal, parts) is None
    assert open_seal(KEY, "doc", seal, parts[:1]) is None
    for junk in (b"", b"{}", b"[1]", b'{"body": 1, "mac": "x"}', seal[:-3], b"\xff"):
        assert open_seal(KEY, "doc", junk, parts) is None


def test_a_seal_made_under_another_checker_version_vouches_for_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    parts = card_updates({"a": "first"})
    seal = make_seal(KEY, "doc", parts, {})
    monkeypatch.setattr(seals, "CHECK_VERSION", seals.CHECK_VERSION + 1)
    assert open_seal(KEY, "doc", seal, parts) is None


def test_a_forged_seal_body_fails_its_mac() -> None:
    parts = card_updates({"a": "first"})
    seal = make_seal(KEY, "doc", parts, {})
    forged = seal.replace(b'\\"parts\\":1', b'\\"parts\\":2')
    assert forged != seal
    assert open_seal(KEY, "doc", forged, [*parts, DOC_TYPE_ENTRY]) is None


# loading -------------------------------------------------------------------------------------


async def test_a_clean_load_seals_and_the_next_load_reads_only_what_came_after(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    spy = Spy(monkeypatch)
    async with MemoryStore() as store:
        await store_cards(store, {"a": "first", "b": "second 🙂"})
        first = await load(store)
        assert spy.calls == [2] and first.stats.stored_updates_repaired == 0
        assert await store.load_seal("doc") is not None
        spy.calls.clear()
        again = await load(store)
        assert spy.calls == [0] and texts(again) == texts(first)
        assert again.screening.pairs == first.screening.pairs  # the pairs come from the seal
        # An update after the sealed parts: only it is read, and the seal then covers it too.
        await store.append_update("doc", card_updates({"c": "third"}, client_id=7)[0])
        spy.calls.clear()
        third = await load(store)
        assert spy.calls == [1] and texts(third) == {**texts(first), "c": "third"}
        spy.calls.clear()
        await load(store)
        assert spy.calls == [0]


async def test_without_a_key_every_load_reads_everything(monkeypatch: pytest.MonkeyPatch) -> None:
    spy = Spy(monkeypatch)
    async with MemoryStore() as store:
        await store_cards(store, {"a": "first"})
        await load(store, key=None)
        await load(store, key=None)
        assert spy.calls == [1, 1] and await store.load_seal("doc") is None


async def test_a_sealed_snapshot_tampered_with_in_the_file_is_read_and_repaired(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    honest = card_updates({"a": "first", "b": "second"})
    path = tmp_path / "seal.db"
    async with SQLiteStore(path) as store:
        for update in honest:
            await store.append_update("doc", update)
        await store.compact_document("doc")
        await load(store)  # seals the snapshot
        assert await store.load_seal("doc") is not None
    tampered = snapshot([*honest, DOC_TYPE_ENTRY])
    assert yjs_refusal(tampered) is not None
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE snapshots SET data = ? WHERE doc = ?", (tampered, "doc"))
        assert conn.execute("SELECT changes()").fetchone()[0] == 1
    spy = Spy(monkeypatch)
    async with SQLiteStore(path) as store:
        room = await load(store)
        assert spy.calls == [1] and room.stats.stored_updates_repaired == 1
        assert texts(room) == {"a": "first", "b": "second"}
        [(original, reason)] = await store.quarantined("doc")
        assert original == tampered and "yjs cannot read it" in reason
        assert all(yjs_refusal(update) is None for update in await store.load_document("doc"))


async def test_a_seal_forged_with_another_key_over_unreadable_bytes_is_ignored() -> None:
    honest = card_updates({"a": "first"})
    async with MemoryStore() as store:
        for update in [*honest, DOC_TYPE_ENTRY]:
            await store.append_update("doc", update)
        stored = await store.load_document("doc")
        await store.save_seal("doc", make_seal(seal_key("guessed"), "doc", stored, {}))
        room = await load(store)
        assert room.stats.stored_updates_repaired == 1
        assert texts(room) == {"a": "first"}


async def test_a_part_after_the_sealed_ones_that_needs_a_repair_is_repaired(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async with MemoryStore() as store:
        await store_cards(store, {"a": "first"})
        await load(store)
        await store.append_update("doc", DOC_TYPE_ENTRY)
        spy = Spy(monkeypatch)
        room = await load(store)
        assert spy.calls == [1, 2]  # the part after the seal, then everything
        assert room.stats.stored_updates_repaired == 1 and texts(room) == {"a": "first"}


async def test_a_compaction_by_the_manager_seals_the_new_snapshot(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async with MemoryStore() as store:
        await store_cards(store, {"a": "first", "b": "second"})
        options = RoomOptions(presence_tick=0.0, seal_key=KEY)
        async with RoomManager(store, RecordingBus(), options) as manager:
            await manager.compact("doc")
        stored = await store.load_document("doc")
        seal = await store.load_seal("doc")
        assert len(stored) == 1 and seal is not None
        opened = open_seal(KEY, "doc", seal, stored)
        assert opened is not None and opened.parts == 1
        spy = Spy(monkeypatch)
        room = await load(store)
        assert spy.calls == [0] and texts(room) == {"a": "first", "b": "second"}


class SealessStore(MemoryStore):
    keeps_seals = False


async def test_a_store_that_keeps_no_seals_is_never_asked_to_and_never_costs_a_check(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    spy = Spy(monkeypatch)
    async with SealessStore() as store:
        await store_cards(store, {"a": "first", "b": "second"})
        options = RoomOptions(presence_tick=0.0, seal_key=KEY)
        async with RoomManager(store, RecordingBus(), options) as manager:
            spy.calls.clear()  # the manager's warm-up checks a tiny document
            await manager.compact("doc")
        assert spy.calls == [] and await store.load_seal("doc") is None
        await load(store)
        await load(store)
        assert spy.calls == [1, 1] and await store.load_seal("doc") is None


class Sealing(MemoryStore):
    """A store that records what it was asked to seal (`UpdateLog.seal_parts`)."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: list[int] = []

    async def seal_parts(self, name: str, parts: Sequence[bytes], key: bytes) -> bytes | None:
        self.asked.append(len(parts))
        return await super().seal_parts(name, parts, key)


async def a_large_unsealed_log(
    store: MemoryStore, monkeypatch: pytest.MonkeyPatch
) -> tuple[dict[str, str], Spy]:
    """40 cards in 40 updates, past a lowered SEAL_AWAY_BYTES, and a spy on the server's reads."""
    monkeypatch.setattr(loading, "SEAL_AWAY_BYTES", 1024)
    cards = {f"c{i}": "a card's text " * 5 for i in range(40)}
    await store_cards(store, cards)
    return cards, Spy(monkeypatch)


async def test_a_large_log_no_seal_covers_is_sealed_by_the_store_and_not_read_in_the_server(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async with Sealing() as store:
        cards, spy = await a_large_unsealed_log(store, monkeypatch)
        room = await load(store)
        assert store.asked == [40] and spy.calls == [0]  # sealed by the store, not read here
        assert texts(room) == cards
        seal = await store.load_seal("doc")
        stored = await store.load_document("doc")
        assert seal is not None and (opened := open_seal(KEY, "doc", seal, stored))
        assert opened.parts == 40
        # A log that needs a repair gets no seal from the store: the load reads it all.
        await store.append_update("doc", DOC_TYPE_ENTRY)
        await store.save_seal("doc", b"")
        spy.calls.clear()
        room = await load(store)
        assert store.asked == [40, 41] and spy.calls == [41]
        assert room.stats.stored_updates_repaired == 1 and texts(room) == cards


class FailingSealer(MemoryStore):
    async def seal_parts(self, name: str, parts: Sequence[bytes], key: bytes) -> bytes | None:
        raise StoreError("the compactor's process failed")


async def test_a_store_that_fails_to_seal_costs_the_load_a_check_and_nothing_else(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async with FailingSealer() as store:
        cards, spy = await a_large_unsealed_log(store, monkeypatch)
        room = await load(store)
        assert spy.calls == [40] and texts(room) == cards  # read here instead
        assert "were not sealed" in caplog.text
        assert await store.load_seal("doc") is not None  # and sealed by the load, as before
