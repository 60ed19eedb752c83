"""The relations between journeys in every store, and the migration that makes each board made
before workshops the root journey of a workshop of its own, with nothing lost (issue #27)."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import psycopg
import redis as redis_py
from psycopg.types.json import Jsonb
from pycrdt import Doc, Map

from journeyboard.stores import BoardRecord, PersonRecord, Store, open_store
from journeyboard.stores.memory import MemoryStore
from journeyboard.stores.postgresql import MIGRATIONS as PG_MIGRATIONS
from journeyboard.stores.postgresql import SCHEMA_VERSION
from journeyboard.stores.records import Picture
from journeyboard.stores.sqlite import MIGRATIONS as SQLITE_MIGRATIONS
from journeyboard.stores.sqlite import SCHEMA
from redisserver import RedisServer
from redisserver import redis as redis  # the fixture

OLD_BOARD = {
    "id": "OldBoard0001",
    "title": "Motor claim",
    "created_at_ms": 1_700_000_000_000,
    "link_versions": {"facilitator": 3, "participant": 2, "viewer": 1},
}
OLD_PERSON = {
    "board_id": "OldBoard0001",
    "id": "Person000001",
    "name": "Ann",
    "department": "Claims",
    "role": "participant",
    "joined_at_ms": 1_700_000_000_500,
    "removed": False,
    "color": "#1f77b4",
    "device": "",
}
OLD_MARK = {"weight": 1}


def _seed() -> bytes:
    doc: Doc[Any] = Doc()
    doc.get("board", type=Map)["title"] = "Motor claim"
    return doc.get_update()


async def _check_migrated(store: Store) -> None:
    """What a board made before workshops reads as after the migration: all of it, as the
    root of a workshop of its own."""
    board = await store.get_board("OldBoard0001")
    assert board is not None
    assert board.workshop == "OldBoard0001" and board.relation == "root"
    assert board.parent is None and board.stage is None and board.persona == {}
    assert board.link_versions == OLD_BOARD["link_versions"]
    assert (await store.list_journeys("OldBoard0001"))[0].id == "OldBoard0001"
    assert [p.to_json() for p in await store.list_people("OldBoard0001")] == [OLD_PERSON]
    [mark] = await store.list_marks("OldBoard0001", "vote")
    assert (mark.person_id, mark.card, mark.value) == ("Person000001", "card1", OLD_MARK)
    [seed] = await store.load_document("OldBoard0001/session")
    doc: Doc[Any] = Doc()
    doc.apply_update(seed)
    assert doc.get("board", type=Map)["title"] == "Motor claim"


async def _check_relations(store: Store) -> None:
    """A journey added to the migrated workshop, its persona and picture, read back."""
    journey = BoardRecord(
        id="Journey00001",
        title="Motor claim: young driver",
        created_at_ms=1_800_000_000_000,
        workshop="OldBoard0001",
        relation="detail",
        parent="OldBoard0001",
        stage="stage1",
        persona={"name": "Young driver", "goals": ["Quick"]},
    )
    await store.create_board(journey, "Journey00001/session", _seed())
    other = BoardRecord(id="Other0000001", title="Other", created_at_ms=1)
    await store.create_board(other, "Other0000001/session", _seed())
    journeys = await store.list_journeys("OldBoard0001")
    assert [b.id for b in journeys] == ["OldBoard0001", "Journey00001"]
    assert journeys[1].to_json() == journey.to_json()
    assert [b.id for b in await store.list_journeys("Other0000001")] == ["Other0000001"]
    assert await store.list_journeys("Journey00001") == []
    await store.put_picture("Journey00001", Picture("image/webp", b"RIFF....WEBP"))
    assert await store.get_picture("Journey00001") == Picture("image/webp", b"RIFF....WEBP")
    assert await store.get_picture("OldBoard0001") is None
    await store.put_picture("Journey00001", None)
    assert await store.get_picture("Journey00001") is None
    await store.put_picture("Journey00001", Picture("image/png", b"\x89PNG"))


async def _check_kept(store: Store) -> None:
    """After a restart: the relations and the picture are still there."""
    journeys = await store.list_journeys("OldBoard0001")
    assert [(b.id, b.relation, b.parent, b.stage) for b in journeys] == [
        ("OldBoard0001", "root", None, None),
        ("Journey00001", "detail", "OldBoard0001", "stage1"),
    ]
    assert await store.get_picture("Journey00001") == Picture("image/png", b"\x89PNG")


async def test_sqlite_migrates_old_boards_and_keeps_relations(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with closing(sqlite3.connect(path)) as conn:  # a file as the last release left it
        conn.executescript(SCHEMA)
        conn.execute(
            "INSERT INTO boards (id, data) VALUES (?, ?)", ("OldBoard0001", json.dumps(OLD_BOARD))
        )
        conn.execute(
            "INSERT INTO people (board_id, id, data) VALUES (?, ?, ?)",
            ("OldBoard0001", "Person000001", json.dumps(OLD_PERSON)),
        )
        conn.execute(
            "INSERT INTO marks VALUES (?, ?, ?, ?, ?)",
            ("OldBoard0001", "vote", "Person000001", "card1", json.dumps(OLD_MARK)),
        )
        conn.execute(
            "INSERT INTO updates (doc, data) VALUES (?, ?)", ("OldBoard0001/session", _seed())
        )
        conn.commit()
    async with open_store(f"sqlite:///{path}") as store:
        await _check_migrated(store)
        await _check_relations(store)
    with closing(sqlite3.connect(path)) as conn:
        assert conn.execute("PRAGMA user_version").fetchone() == (len(SQLITE_MIGRATIONS),)
    async with open_store(f"sqlite:///{path}") as store:  # opening again migrates nothing
        await _check_migrated(store)
        await _check_kept(store)


async def test_postgresql_migrates_old_boards_and_keeps_relations(pg_url: str) -> None:
    async with await psycopg.AsyncConnection.connect(pg_url, autocommit=True) as conn:
        # The database as version 1 left it.
        await conn.execute(
            "CREATE TABLE schema_version (version INTEGER PRIMARY KEY,"
            " applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
        )
        await conn.execute(PG_MIGRATIONS[0].encode())
        await conn.execute("INSERT INTO schema_version (version) VALUES (1)")
        await conn.execute(
            "INSERT INTO boards (id, data) VALUES (%s, %s)", ("OldBoard0001", Jsonb(OLD_BOARD))
        )
        await conn.execute(
            "INSERT INTO people (board_id, id, data) VALUES (%s, %s, %s)",
            ("OldBoard0001", "Person000001", Jsonb(OLD_PERSON)),
        )
        await conn.execute(
            "INSERT INTO marks (board_id, kind, person_id, card, data) VALUES (%s, %s, %s, %s, %s)",
            ("OldBoard0001", "vote", "Person000001", "card1", Jsonb(OLD_MARK)),
        )
        await conn.execute(
            "INSERT INTO documents (name, head) VALUES (%s, 1)", ("OldBoard0001/session",)
        )
        await conn.execute(
            "INSERT INTO updates (doc, seq, data) VALUES (%s, 1, %s)",
            ("OldBoard0001/session", _seed()),
        )
    async with open_store(pg_url) as store:
        await _check_migrated(store)
        await _check_relations(store)
    async with await psycopg.AsyncConnection.connect(pg_url) as conn:
        cur = await conn.execute("SELECT max(version) FROM schema_version")
        assert await cur.fetchone() == (SCHEMA_VERSION,)
    async with open_store(pg_url) as store:
        await _check_migrated(store)
        await _check_kept(store)


async def test_redis_reads_old_boards_as_workshops_and_keeps_relations(
    redis: RedisServer,
) -> None:
    client = redis_py.Redis.from_url(redis.url)
    # A board as the last release stored it: no workshop, in no workshop's index.
    client.set("jb:board:OldBoard0001", json.dumps(OLD_BOARD))
    client.hset("jb:people:OldBoard0001", "Person000001", json.dumps(OLD_PERSON))
    client.hset("jb:marks:OldBoard0001:vote", "Person000001\x1fcard1", json.dumps(OLD_MARK))
    client.close()
    async with open_store(redis.url) as store:
        await store.append_update("OldBoard0001/session", _seed())
        await _check_migrated(store)
        await _check_relations(store)
    async with open_store(redis.url) as store:
        await _check_migrated(store)
        await _check_kept(store)


async def test_memory_keeps_relations() -> None:
    async with MemoryStore() as store:
        await store.create_board(
            BoardRecord.from_json(dict(OLD_BOARD)), "OldBoard0001/session", _seed()
        )
        await store.save_person(PersonRecord.from_json(dict(OLD_PERSON)))
        await store.put_mark("OldBoard0001", "vote", "Person000001", "card1", OLD_MARK)
        await _check_migrated(store)
        await _check_relations(store)
        await _check_kept(store)
