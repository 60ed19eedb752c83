"""Every store keeps a board's language, and a board stored before boards had one reads as
English: memory, SQLite, PostgreSQL and Redis, each a real one."""

from __future__ import annotations

import json
from pathlib import Path

from journeyboard.stores import BoardRecord, Store, open_store
from journeyboard.stores.memory import MemoryStore
from redisserver import RedisServer
from redisserver import redis as redis  # the fixture


async def _keeps_language(store: Store) -> None:
    async with store:
        board = BoardRecord("b1", "Kundresa", 1, language="sv")
        await store.create_board(board, "b1/session", b"\x00\x00")
        assert (await store.get_board("b1")) == board
        board.language = "da"
        board.link_versions["viewer"] = 2
        await store.save_board(board)
        read = await store.get_board("b1")
        assert read is not None and read.language == "da"
        await store.create_board(BoardRecord("b2", "Claims", 1), "b2/session", b"\x00\x00")
        plain = await store.get_board("b2")
        assert plain is not None and plain.language == "en"


def test_a_board_stored_without_a_language_reads_as_english() -> None:
    stored = {"id": "b", "title": "Old", "created_at_ms": 1, "link_versions": {"viewer": 1}}
    assert BoardRecord.from_json(json.loads(json.dumps(stored))).language == "en"
    assert BoardRecord.from_json({**stored, "language": "nb"}).language == "nb"


async def test_memory_keeps_the_language() -> None:
    await _keeps_language(MemoryStore())


async def test_sqlite_keeps_the_language(tmp_path: Path) -> None:
    await _keeps_language(open_store(f"sqlite:///{tmp_path / 'x.db'}"))


async def test_postgresql_keeps_the_language(pg_url: str) -> None:
    await _keeps_language(open_store(pg_url))


async def test_redis_keeps_the_language(redis: RedisServer) -> None:
    await _keeps_language(open_store(redis.url))
