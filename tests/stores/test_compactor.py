"""The compaction proof in its own process: the same answer as `verified_merge`, a child that
is replaced when it dies, the thread when it cannot run, and a deadline."""

from __future__ import annotations

import asyncio
import os
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from pycrdt import Doc, Map

from journeyboard.processes import ChildProcess
from journeyboard.stores.compactor import Compactor, decode_parts, encode_parts
from journeyboard.stores.sqlite import SQLiteStore
from journeyboard.sync.updates import verified_merge


def _updates(count: int) -> list[bytes]:
    doc = Doc()
    cards = doc.get("cards", type=Map)
    updates: list[bytes] = []
    doc.observe(lambda event: updates.append(event.update))
    for i in range(count):
        cards[f"c{i}"] = i
    return updates


def _read(updates: list[bytes]) -> dict[str, object]:
    doc = Doc()
    for update in updates:
        doc.apply_update(update)
    return dict(doc.get("cards", type=Map).to_py() or {})


def _log_length(path: Path, name: str) -> int:
    with closing(sqlite3.connect(path)) as conn:
        (count,) = conn.execute("SELECT COUNT(*) FROM updates WHERE doc = ?", (name,)).fetchone()
        return int(count)


def _dies_before_answering(child: ChildProcess) -> None:
    """Make the child's next call find it dead (as if killed during the proof)."""
    call = child.call

    def killed_first(request: bytes) -> bytes:
        child.process.kill()
        child.process.wait()
        return call(request)

    child.call = killed_first  # type: ignore[method-assign]


def test_parts_cross_as_bytes() -> None:
    parts = [b"", b"\x00\x01", b"x" * 1000]
    assert decode_parts(encode_parts(parts, True)) == (parts, True)
    assert decode_parts(encode_parts([], False)) == ([], False)


async def test_the_proof_runs_in_a_child_and_matches_the_thread() -> None:
    updates = _updates(200)
    compactor = Compactor()
    try:
        for collect in (False, True):
            snapshot = await compactor.prove(updates, collect_garbage=collect)
            assert snapshot == verified_merge(updates, collect_garbage=collect)
        assert compactor.pid is not None and compactor.pid != os.getpid()
        assert compactor.fallbacks == 0
        # Parts that do not apply are refused in the child too.
        assert await compactor.prove([b"\xff\xff\xff"], collect_garbage=False) is None
    finally:
        await compactor.close()


async def test_a_child_that_dies_falls_back_to_the_thread_once_then_is_replaced(
    caplog: pytest.LogCaptureFixture,
) -> None:
    updates = _updates(100)
    compactor = Compactor()
    try:
        await compactor.prove(updates, collect_garbage=False)
        first = compactor._child
        assert first is not None
        _dies_before_answering(first)
        snapshot = await compactor.prove(updates, collect_garbage=False)
        assert snapshot is not None and _read([snapshot]) == _read(updates)
        assert compactor.fallbacks == 1
        assert caplog.text.count("compaction process is unavailable") == 1
        # The next proof starts a fresh child.
        assert await compactor.prove(updates, collect_garbage=False) is not None
        assert compactor.pid is not None and compactor.pid != first.pid
        assert compactor.fallbacks == 1
    finally:
        await compactor.close()


async def test_a_child_that_cannot_start_leaves_the_thread(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def cannot_start(*args: object) -> None:
        raise OSError("no processes left")

    monkeypatch.setattr("journeyboard.stores.compactor.ChildProcess", cannot_start)
    updates = _updates(50)
    compactor = Compactor()
    try:
        assert await compactor.prove(updates, collect_garbage=False) is not None
        assert compactor.fallbacks == 1
    finally:
        await compactor.close()


async def test_a_proof_past_its_deadline_is_refused_and_the_next_one_works() -> None:
    updates = _updates(100)
    compactor = Compactor(deadline_seconds=0)  # no child starts in no time
    try:
        assert await compactor.prove(updates, collect_garbage=False) is None
        assert compactor.overdue == 1 and compactor.fallbacks == 0
        compactor.deadline_seconds = 60
        assert await compactor.prove(updates, collect_garbage=False) is not None
    finally:
        await compactor.close()


async def test_the_store_keeps_its_log_through_a_killed_compactor(tmp_path: Path) -> None:
    updates = _updates(300)
    path = tmp_path / "s.db"
    async with SQLiteStore(path, compact_after=10**9) as store:
        await asyncio.gather(*(store.append_update("doc", u) for u in updates[:100]))
        await store.compact_document("doc")
        compactor = store._compactor
        assert compactor is not None and compactor._child is not None
        # Killed during the proof: the proof runs on the thread instead, nothing is lost.
        _dies_before_answering(compactor._child)
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
        assert _read(await store.load_document("doc")) == _read(updates)
    async with SQLiteStore(path) as again:
        assert _read(await again.load_document("doc")) == _read(updates)
