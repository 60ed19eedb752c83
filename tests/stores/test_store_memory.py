"""The in-memory store: commits a test controls, per-document sequence numbers, the records."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from pycrdt import Doc, Map

from journeyboard.stores import BoardRecord, PersonRecord, StoreError
from journeyboard.stores.memory import MemoryStore
from stored_updates import numbered_updates


async def test_appends_wait_for_commit_and_get_sequence_numbers_per_document() -> None:
    store = MemoryStore(auto_commit=False)
    u, _ = numbered_updates(3)
    first, second = store.append_update("a", u[0]), store.append_update("a", u[1])
    other = store.append_update("b", u[2])
    await asyncio.sleep(0)
    assert not first.done() and store.pending == 3
    assert (await store.load("a")).updates == []
    assert await store.commit(2) == 2
    assert (first.result(), second.result()) == (1, 2)
    assert not other.done()
    loaded = await store.load("a")
    assert (loaded.updates, loaded.position) == ([u[0], u[1]], 2)
    await store.commit()
    assert other.result() == 1  # its own document's first


async def test_failed_appends_never_reach_the_log() -> None:
    store = MemoryStore(auto_commit=False)
    future = store.append_update("a", numbered_updates(1)[0][0])
    assert store.fail() == 1
    with pytest.raises(StoreError):
        await future
    assert (await store.load("a")).updates == []
    assert store.pending == 0


async def test_auto_commit_groups_one_loop_turn() -> None:
    store = MemoryStore()
    futures = [store.append_update("a", u) for u in numbered_updates(5)[0]]
    assert store.pending == 5
    assert await asyncio.gather(*futures) == [1, 2, 3, 4, 5]
    assert store.pending == 0


async def test_compaction_keeps_the_document_and_the_sequence() -> None:
    store = MemoryStore()
    u, _ = numbered_updates(4)
    for update in u[:3]:
        await store.append_update("a", update)
    await store.compact_document("a")
    assert await store.log_length("a") == 0
    assert await store.append_update("a", u[3]) == 4
    doc: Doc[Any] = Doc()
    for update in await store.load_document("a"):
        doc.apply_update(update)
    assert doc.get("cards", type=Map).to_py() == {f"c{i}": i for i in range(4)}


async def test_quarantine_moves_an_update_aside() -> None:
    store = MemoryStore()
    good, bad = numbered_updates(1)[0][0], b"\x01\x02\x03"
    await store.append_update("a", good)
    await store.append_update("a", bad)
    await store.quarantine("a", bad, "broken")
    assert await store.load_document("a") == [good]
    assert await store.quarantined("a") == [(bad, "broken")]


async def test_records_are_copies_and_close_commits_then_refuses() -> None:
    store = MemoryStore(auto_commit=False)
    board = BoardRecord("b1", "Title", 1)
    await store.create_board(board, "b1/session", b"seed")
    with pytest.raises(StoreError):
        await store.create_board(board, "b1/session", b"seed")
    board.title = "changed, not saved"
    assert (await store.get_board("b1")) == BoardRecord("b1", "Title", 1)
    person = PersonRecord("b1", "p1", "Ann", "Ops", "participant", 2)
    await store.save_person(person)
    await store.save_person(PersonRecord("b1", "p2", "Bob", "", "viewer", 3))
    person.removed = True
    await store.save_person(person)
    assert [(p.id, p.removed) for p in await store.list_people("b1")] == [
        ("p1", True),
        ("p2", False),
    ]
    await store.put_mark("b1", "vote", "p1", "c1", {"n": 1})
    await store.put_mark("b1", "vote", "p2", "c1", {"n": 2})
    await store.put_mark("b1", "vote", "p1", "c1", None)
    assert [(m.person_id, m.value) for m in await store.list_marks("b1", "vote")] == [
        ("p2", {"n": 2})
    ]
    pending = store.append_update("b1", b"\x00\x00")
    await store.close()
    assert pending.result() == 1
    with pytest.raises(StoreError):
        await store.ping()
    with pytest.raises(StoreError):
        store.append_update("b1", b"\x00\x00")
