"""The SQLite store on a real file: group commit, atomic compaction, reload."""

from __future__ import annotations

import asyncio
import sqlite3
from contextlib import closing
from pathlib import Path

from compactors import dies_before_answering
from journeyboard.stores import BoardRecord, PersonRecord, open_store
from journeyboard.stores.sqlite import SQLiteStore
from stored_updates import cards_of, numbered_updates
from waiting import wait_until


def _log_length(path: Path, name: str) -> int:
    """How many updates a document's log holds, read from the SQLite file on its own connection."""
    with closing(sqlite3.connect(path)) as conn:
        (count,) = conn.execute("SELECT COUNT(*) FROM updates WHERE doc = ?", (name,)).fetchone()
        return int(count)


async def test_appends_commit_and_reload(tmp_path: Path) -> None:
    updates, expected = numbered_updates(300)
    async with SQLiteStore(tmp_path / "s.db") as store:
        futures = [store.append_update("doc", u) for u in updates]
        await asyncio.gather(*futures)
    async with SQLiteStore(tmp_path / "s.db") as store:
        assert cards_of(await store.load_document("doc")) == expected


async def test_compaction_merges_and_trims_in_one_step(tmp_path: Path) -> None:
    updates, expected = numbered_updates(120)
    async with SQLiteStore(tmp_path / "s.db", compact_after=10**9) as store:
        await asyncio.gather(*(store.append_update("doc", u) for u in updates[:100]))
        await store.compact_document("doc")
        assert _log_length(tmp_path / "s.db", "doc") == 0
        await asyncio.gather(*(store.append_update("doc", u) for u in updates[100:]))
        loaded = await store.load_document("doc")
        assert len(loaded) == 1 + 20  # the snapshot, then the newer log
        assert cards_of(loaded) == expected


async def test_automatic_compaction_keeps_every_update(tmp_path: Path) -> None:
    updates, expected = numbered_updates(250)
    async with SQLiteStore(tmp_path / "s.db", compact_after=50) as store:
        for update in updates:
            await store.append_update("doc", update)
        await wait_until(lambda: _log_length(tmp_path / "s.db", "doc") < 100, timeout=10)
        assert cards_of(await store.load_document("doc")) == expected


async def test_board_and_people_records(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'x.db'}")
    async with store:
        board = BoardRecord("b1", "Claims", 1)
        await store.create_board(board, "b1/session", b"\x00\x00")
        assert await store.get_board("b1") == board
        assert await store.get_board("nope") is None
        board.link_versions["viewer"] = 2
        await store.save_board(board)
        assert (await store.get_board("b1")) == board
        person = PersonRecord("b1", "p1", "Ann", "Claims", "participant", 5)
        await store.save_person(person)
        person.removed = True
        await store.save_person(person)
        assert await store.get_person("b1", "p1") == person
        assert await store.list_people("b1") == [person]


async def test_close_flushes_queued_writes(tmp_path: Path) -> None:
    updates, expected = numbered_updates(200)
    store = SQLiteStore(tmp_path / "s.db")
    await store.start()
    futures = [store.append_update("doc", u) for u in updates]
    await store.close()
    assert all(f.done() and f.exception() is None for f in futures)
    async with SQLiteStore(tmp_path / "s.db") as again:
        assert cards_of(await again.load_document("doc")) == expected


async def test_closing_commits_what_was_queued_for_every_caller(tmp_path: Path) -> None:
    """Two closes at once (a shutdown and a test teardown, say) both return only after the
    queued updates are committed; neither leaves early."""
    updates, expected = numbered_updates(50)
    store = SQLiteStore(tmp_path / "s.db")
    await store.start()
    futures = [store.append_update("doc", u) for u in updates]
    first = asyncio.create_task(store.close())
    await asyncio.sleep(0)  # the first close has begun
    await store.close()
    assert all(future.done() and future.exception() is None for future in futures)
    await first
    async with SQLiteStore(tmp_path / "s.db") as again:
        assert cards_of(await again.load_document("doc")) == expected


async def test_compaction_keeps_the_log_through_a_killed_or_late_proof(tmp_path: Path) -> None:
    updates, expected = numbered_updates(300)
    path = tmp_path / "s.db"
    async with SQLiteStore(path, compact_after=10**9) as store:
        await asyncio.gather(*(store.append_update("doc", u) for u in updates[:100]))
        await store.compact_document("doc")
        compactor = store._compactor
        assert compactor is not None and compactor._child is not None
        # Killed during the proof: the proof runs on the thread instead, nothing is lost.
        dies_before_answering(compactor._child)
        await asyncio.gather(*(store.append_update("doc", u) for u in updates[100:200]))
        await store.compact_document("doc")
        assert compactor.fallbacks == 1
        assert _log_length(path, "doc") == 0
        # Over its deadline: refused, the log stays as it was.
        compactor.deadline_seconds = 0
        compactor._kill()
        await asyncio.gather(*(store.append_update("doc", u) for u in updates[200:250]))
        await store.compact_document("doc")
        assert store.compactions_refused == 1
        assert _log_length(path, "doc") == 50
        # And the next compaction works, in a fresh child.
        compactor.deadline_seconds = 60
        await asyncio.gather(*(store.append_update("doc", u) for u in updates[250:]))
        await store.compact_document("doc")
        assert _log_length(path, "doc") == 0
        assert compactor.pid is not None
        assert cards_of(await store.load_document("doc")) == expected
    async with SQLiteStore(path) as again:
        assert cards_of(await again.load_document("doc")) == expected
