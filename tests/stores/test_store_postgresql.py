"""The PostgreSQL store on a real server: group commit with gap-free sequence numbers across
nodes, atomic compaction, catch-up reads, migrations and a server restart under load."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psycopg
import pytest
from pycrdt import Map

from conftest import ServerProcess, free_port
from journeyboard.stores import BoardRecord, PersonRecord, StoreError, open_store
from journeyboard.stores.postgresql import SCHEMA_VERSION, PostgreSQLStore
from journeyboard.sync import loading
from journeyboard.sync.room import Room
from journeyboard.sync.room_options import RoomOptions
from journeyboard.sync.seals import open_seal, seal_key
from journeyboard.sync.updates import LoadCheck, check_stored
from pg import PostgresServer
from stored_updates import card_updates, cards_of, numbered_updates
from sync.fakes import RecordingBus
from waiting import turns, wait_for_value, wait_until
from ysync import synced_client

SERVER = Path(__file__).resolve().parents[2] / "server"


async def _rows(url: str, doc: str) -> list[tuple[int, bytes]]:
    async with await psycopg.AsyncConnection.connect(url) as conn:
        cur = await conn.execute(
            "SELECT seq, data FROM updates WHERE doc = %s ORDER BY seq", (doc,)
        )
        return [(int(seq), bytes(data)) for seq, data in await cur.fetchall()]


async def test_appends_commit_with_gap_free_numbers_and_reload(pg_url: str) -> None:
    updates, expected = numbered_updates(300)
    async with PostgreSQLStore(pg_url) as store:
        seqs = await asyncio.gather(*(store.append_update("doc", u) for u in updates))
        assert seqs == list(range(1, 301))
        assert await store.append_update("other", updates[0]) == 1
    async with open_store(pg_url.replace("postgresql://", "postgres://")) as store:
        assert cards_of(await store.load_document("doc")) == expected


async def test_compaction_merges_and_trims_in_one_step(pg_url: str) -> None:
    updates, expected = numbered_updates(120)
    async with PostgreSQLStore(pg_url, compact_after=10**9) as store:
        await asyncio.gather(*(store.append_update("doc", u) for u in updates[:100]))
        await store.compact_document("doc")
        assert await store.log_length("doc") == 0
        seqs = await asyncio.gather(*(store.append_update("doc", u) for u in updates[100:]))
        assert seqs == list(range(101, 121))  # numbering goes on across a compaction
        loaded = await store.load_document("doc")
        assert len(loaded) == 1 + 20  # the snapshot, then the newer log
        assert cards_of(loaded) == expected
        assert store.compactions_refused == 0


async def test_automatic_compaction_keeps_every_update(pg_url: str) -> None:
    updates, expected = numbered_updates(250)
    async with PostgreSQLStore(pg_url, compact_after=50) as store:
        for update in updates:
            await store.append_update("doc", update)
        await wait_for_value(lambda: store.log_length("doc"), lambda n: n < 50, what="the log")
        assert cards_of(await store.load_document("doc")) == expected


async def test_a_refused_compaction_keeps_the_log(pg_url: str) -> None:
    updates, _ = numbered_updates(3)
    async with PostgreSQLStore(pg_url, compact_after=10**9) as store:
        for update in [*updates, b"\xff\xff\xff"]:  # the last one does not apply
            await store.append_update("doc", update)
        await store.compact_document("doc")
        assert store.compactions_refused == 1
        assert await store.log_length("doc") == 4


async def test_quarantine_moves_an_update_aside_for_good(pg_url: str) -> None:
    updates, _ = numbered_updates(3)
    async with PostgreSQLStore(pg_url) as store:
        for update in updates:
            await store.append_update("doc", update)
        await store.quarantine("doc", updates[1], "does not apply: test")
        assert await store.load_document("doc") == [updates[0], updates[2]]
        assert await store.quarantined("doc") == [(updates[1], "does not apply: test")]
        assert await store.quarantined("other") == []
        assert await store.append_update("doc", updates[1]) == 4  # numbers are never reused


async def test_board_people_and_mark_records(pg_url: str) -> None:
    async with open_store(pg_url) as store:
        board = BoardRecord("b1", "Claims", 1)
        await store.create_board(board, "b1/session", b"\x00\x00")
        assert await store.get_board("b1") == board
        assert await store.get_board("nope") is None
        with pytest.raises(StoreError, match="exists already"):
            await store.create_board(board, "b1/session", b"\x00\x00")
        board.link_versions["viewer"] = 2
        await store.save_board(board)
        assert await store.get_board("b1") == board
        assert await store.load_document("b1/session") == [b"\x00\x00"]
        ann = PersonRecord("b1", "p1", "Ann", "Claims", "participant", 5)
        bob = PersonRecord("b1", "p2", "Bob", "Sales", "viewer", 6)
        await store.save_person(ann)
        await store.save_person(bob)
        ann.removed = True
        await store.save_person(ann)
        assert await store.get_person("b1", "p1") == ann
        assert await store.get_person("b1", "p3") is None
        assert await store.list_people("b1") == [ann, bob]  # in the order they joined
        await store.put_mark("b1", "vote", "p1", "c1", {"n": 1})
        await store.put_mark("b1", "vote", "p2", "c1", {"n": 2})
        await store.put_mark("b1", "vote", "p1", "c1", {"n": 3})
        await store.put_mark("b1", "rating", "p1", "c1", {"stars": 4})
        marks = await store.list_marks("b1", "vote")
        assert [(m.person_id, m.card, m.value) for m in marks] == [
            ("p1", "c1", {"n": 3}),
            ("p2", "c1", {"n": 2}),
        ]
        await store.put_mark("b1", "vote", "p1", "c1", None)
        assert [m.person_id for m in await store.list_marks("b1", "vote")] == ["p2"]
        assert len(await store.list_marks("b1", "rating")) == 1


async def test_read_since_and_heads_before_and_after_compaction(pg_url: str) -> None:
    updates, expected = numbered_updates(15)
    async with PostgreSQLStore(pg_url, compact_after=10**9) as store:
        assert await store.read_since("doc", 0) == ([], 0)
        for update in updates[:10]:
            await store.append_update("doc", update)
        assert await store.read_since("doc", 0) == (updates[:10], 10)
        assert await store.read_since("doc", 7) == (updates[7:10], 10)
        assert await store.read_since("doc", 10) == ([], 10)
        assert await store.heads(["doc", "missing"]) == {"doc": 10, "missing": 0}
        loaded = await store.load("doc")
        assert (loaded.updates, loaded.position) == (updates[:10], 10)

        await store.compact_document("doc")
        for update in updates[10:]:
            await store.append_update("doc", update)
        assert await store.heads(["doc"]) == {"doc": 15}
        assert await store.read_since("doc", 12) == (updates[12:], 15)
        assert await store.read_since("doc", 10) == (updates[10:], 15)
        numbered, _ = await store.entries_since("doc", 12)
        assert numbered == [(13, updates[12]), (14, updates[13]), (15, updates[14])]
        first, _ = await store.entries_since("doc", 3)
        assert [seq for seq, _ in first] == [10, 11, 12, 13, 14, 15]  # the snapshot runs to 10
        # Rows up to 10 are gone: a follower at 3 gets the snapshot, then everything after it.
        behind, head = await store.read_since("doc", 3)
        assert head == 15 and len(behind) == 1 + 5 and behind[1:] == updates[10:]
        assert cards_of(updates[:3] + behind) == expected
        document = await store.load("doc")
        loaded, head = document.updates, document.position
        assert head == 15 and cards_of(loaded) == expected


_NODE = """
import asyncio, json, sys
from journeyboard.stores.postgresql import PostgreSQLStore

async def main(url: str, tag: str, count: int) -> None:
    got = []
    async with PostgreSQLStore(url) as store:
        for start in range(0, count, 7):
            batch = [f"{tag}-{i}".encode() for i in range(start, min(start + 7, count))]
            got += await asyncio.gather(*(store.append_update("doc", u) for u in batch))
    print(json.dumps(got))

asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))
"""


async def test_nodes_appending_to_one_document_get_gap_free_numbers_in_commit_order(
    pg_url: str,
) -> None:
    """Two stores in this process and two node processes append to the same document at
    once: every number from 1 to the total is taken once, each node's numbers grow in the
    order it appended, and the row under each number holds what its node was told."""
    count = 400
    env = {**os.environ, "PYTHONPATH": str(SERVER)}
    processes = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            _NODE,
            pg_url,
            f"p{n}",
            str(count),
            env=env,
            stdout=subprocess.PIPE,
        )
        for n in range(2)
    ]

    async def node(tag: str) -> list[int]:
        got: list[int] = []
        async with PostgreSQLStore(pg_url) as store:
            for start in range(0, count, 5):
                batch = [f"{tag}-{i}".encode() for i in range(start, min(start + 5, count))]
                got += await asyncio.gather(*(store.append_update("doc", u) for u in batch))
        return got

    told = dict(zip(("s0", "s1"), await asyncio.gather(node("s0"), node("s1")), strict=True))
    for n, process in enumerate(processes):
        out, _ = await process.communicate()
        assert process.returncode == 0
        told[f"p{n}"] = json.loads(out)
    every = sorted(seq for seqs in told.values() for seq in seqs)
    assert every == list(range(1, 4 * count + 1))
    assert all(seqs == sorted(seqs) for seqs in told.values())
    rows = dict(await _rows(pg_url, "doc"))
    for tag, seqs in told.items():
        assert [rows[seq] for seq in seqs] == [f"{tag}-{i}".encode() for i in range(count)]


async def test_board_lock_excludes_across_nodes(pg_url: str) -> None:
    async with PostgreSQLStore(pg_url) as one, PostgreSQLStore(pg_url) as two:
        inside = peak = started = done = 0
        count = 40

        async def command(store: PostgreSQLStore, arrives_after: int) -> None:
            nonlocal inside, peak, started, done
            await turns(arrives_after)
            started += 1
            async with store.board_lock("board"):
                inside += 1
                peak = max(peak, inside)
                # Held until another command waits for it, or none is left to come.
                await wait_until(lambda: started - done > 1 or done == count - 1, timeout=5)
                inside -= 1
            done += 1

        await asyncio.gather(*(command((one, two)[i % 2], i) for i in range(count)))
        assert peak == 1
        # Another board is not held up by this one.
        async with one.board_lock("a"), two.board_lock("b"):
            pass


async def test_commands_on_many_boards_at_once_leave_room_for_commits_and_reads(
    pg_url: str,
) -> None:
    """More boards run commands at once than the pool has connections: each command holds a
    connection for its lock and reads inside it, and appends keep committing meanwhile."""
    async with PostgreSQLStore(pg_url, pool_size=4) as store:
        await store.create_board(BoardRecord("b", "B", 1), "b/session", b"\x00\x00")

        started = done = 0

        async def command(n: int) -> None:
            nonlocal started, done
            started += 1
            async with store.board_lock(f"board{n}"):
                assert await store.get_board("b") is not None
                await store.append_update(f"doc{n}", b"x")
                # Held while more commands are under way than the pool has connections.
                await wait_until(lambda: started - done > 4 or started == 30, timeout=5)
            done += 1

        async with asyncio.timeout(10):
            await asyncio.gather(*(command(n) for n in range(30)))
        assert await store.heads([f"doc{n}" for n in range(3)]) == {"doc0": 1, "doc1": 1, "doc2": 1}


async def test_a_bug_in_a_commit_fails_its_batch_and_the_writer_goes_on(pg_url: str) -> None:
    """A commit that raises something other than StoreError (a bug) fails its own appends
    with StoreError; the writer keeps committing (it used to die, leaving appends hanging)."""
    store = PostgreSQLStore(pg_url)
    commit = store._commit
    calls = 0

    async def flaky(batch: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("a bug in the commit")
        return await commit(batch)

    store._commit = flaky  # type: ignore[method-assign]
    async with store:
        with pytest.raises(StoreError, match="a bug in the commit"):
            await asyncio.wait_for(store.append_update("doc", b"\x00\x00"), 5)
        assert await asyncio.wait_for(store.append_update("doc", b"\x00\x00"), 5) == 1


async def test_close_commits_what_was_queued(pg_url: str) -> None:
    updates, expected = numbered_updates(200)
    store = PostgreSQLStore(pg_url)
    await store.start()
    futures = [store.append_update("doc", u) for u in updates]
    await store.close()
    assert [f.result() for f in futures] == list(range(1, 201))
    with pytest.raises(StoreError, match="closed"):
        store.append_update("doc", updates[0])
    async with PostgreSQLStore(pg_url) as again:
        assert cards_of(await again.load_document("doc")) == expected


async def test_nodes_starting_together_migrate_once(pg_url: str) -> None:
    stores = [PostgreSQLStore(pg_url) for _ in range(4)]
    await asyncio.gather(*(store.start() for store in stores))
    await asyncio.gather(*(store.close() for store in stores))
    async with await psycopg.AsyncConnection.connect(pg_url) as conn:
        cur = await conn.execute("SELECT version FROM schema_version ORDER BY version")
        assert [v for (v,) in await cur.fetchall()] == list(range(1, SCHEMA_VERSION + 1))


async def test_a_database_newer_than_the_code_is_refused(pg_url: str) -> None:
    async with PostgreSQLStore(pg_url):
        pass
    async with await psycopg.AsyncConnection.connect(pg_url, autocommit=True) as conn:
        await conn.execute("INSERT INTO schema_version (version) VALUES (99)")
    with pytest.raises(StoreError) as refused:
        await PostgreSQLStore(pg_url).start()
    message = str(refused.value)
    assert "schema version 99" in message and f"version {SCHEMA_VERSION}" in message


async def test_bad_url_and_unreachable_server_are_clear_errors() -> None:
    for url in ("postgresql://me@127.0.0.1:port/db", "postgresql://h/db?nosuch=1"):
        with pytest.raises(StoreError, match="bad PostgreSQL URL"):
            open_store(url)
    port = free_port()  # nothing listens there
    store = PostgreSQLStore(f"postgresql://me:secret@127.0.0.1:{port}/db")
    began = time.monotonic()
    with pytest.raises(StoreError) as failed:
        await store.start()
    assert time.monotonic() - began < 10
    message = str(failed.value)
    assert f"cannot connect to PostgreSQL at 127.0.0.1:{port}/db" in message
    assert "secret" not in message
    assert failed.value.__cause__ is None  # one clear line, not a chain of tracebacks


@pytest.mark.slow
@pytest.mark.parametrize("how", ["restart", "kill"])
async def test_a_server_restart_under_load_loses_nothing_it_confirmed(
    own_postgres: PostgresServer, how: str
) -> None:
    """Appends keep coming while PostgreSQL restarts (or crashes and recovers): each one either
    commits under the number it was given or fails with StoreError; the numbers in the table
    stay gap-free; and the same store works again once the server is back."""
    url = own_postgres.create_database()
    told: dict[int, bytes] = {}
    failed = 0
    async with PostgreSQLStore(url) as store:
        stop = asyncio.Event()

        async def writer(tag: str) -> None:
            nonlocal failed
            i = 0
            while not stop.is_set():
                batch = [f"{tag}-{i + k}".encode() for k in range(5)]
                i += 5
                for data, outcome in zip(
                    batch,
                    await asyncio.gather(
                        *(store.append_update("doc", d) for d in batch), return_exceptions=True
                    ),
                    strict=True,
                ):
                    if isinstance(outcome, int):
                        told[outcome] = data
                    else:
                        assert isinstance(outcome, StoreError), outcome
                        failed += 1
                        await up.wait()  # no spinning while the server is down
                await turns()

        up = asyncio.Event()
        up.set()
        writers = [asyncio.create_task(writer(f"w{n}")) for n in range(3)]
        await wait_until(lambda: len(told) >= 30, what="writes before the outage")
        before = len(told)
        up.clear()
        if how == "restart":
            await asyncio.to_thread(own_postgres.stop)
        else:
            await asyncio.to_thread(own_postgres.kill)
        with pytest.raises(StoreError):
            await store.ping()
        await wait_until(lambda: failed, what="an append refused while the server is down")
        await asyncio.to_thread(own_postgres.start)
        up.set()
        after = len(told)
        with contextlib.suppress(AssertionError):  # asserted below, with the figures
            await wait_until(lambda: len(told) >= after + 50, timeout=30)
        stop.set()
        await asyncio.gather(*writers)
        assert before > 0 and len(told) >= after + 50, (before, after, len(told), failed)
        await store.ping()
        seq = await store.append_update("doc", b"after")
        told[seq] = b"after"
    rows = await _rows(url, "doc")
    assert [seq for seq, _ in rows] == list(range(1, len(rows) + 1))
    stored = dict(rows)
    assert all(stored.get(seq) == data for seq, data in told.items())
    assert len(rows) <= len(told) + failed  # a failed append may have committed, no more


@pytest.mark.slow
async def test_reads_work_again_within_seconds_of_the_end_of_an_outage(
    own_postgres: PostgresServer,
) -> None:
    """While PostgreSQL is down the pool's reconnect attempts back off (about 1, 2, 4, 8 s
    apart): once it is back, the readiness probe and board loads must not wait out the next
    doubled delay. Down for 8 s (the attempts near 0, 1, 3 and 7 s have failed, the next is
    due near 15 s), a read works again within 4 s of the server's return."""
    url = own_postgres.create_database()
    async with PostgreSQLStore(url) as store:
        await store.ping()
        await asyncio.to_thread(own_postgres.kill)
        down_since = time.monotonic()
        while time.monotonic() - down_since < 8:  # asked all along, as a readiness probe does
            with pytest.raises(StoreError):
                await store.ping()
        await asyncio.to_thread(own_postgres.start)

        async def read_works() -> bool:
            try:
                await store.ping()
            except StoreError:
                return False
            return True

        await wait_for_value(read_works, bool, timeout=4, what="a read once PostgreSQL is back")


async def test_journeyboard_serves_a_board_on_postgresql_and_keeps_it_across_sigkill(
    make_server: Any, pg_url: str
) -> None:
    server: ServerProcess = make_server("--grace", "1", "--bus", "local", store_url=pg_url)
    board = server.create_board()
    url = server.url(board["id"], board["tokens"]["participant"])
    expected = {f"card-{i}" for i in range(300)}
    async with synced_client(url) as writer, synced_client(url) as reader:
        for key in sorted(expected):
            await writer.change(lambda d, key=key: d.get("cards", type=Map).__setitem__(key, key))
        await reader.wait_until(
            lambda: set(reader.doc.get("cards", type=Map).to_py() or {}) >= expected, timeout=30
        )
        server.kill(signal.SIGKILL)
    server.start()
    stored = server.get_board(board["id"], board["tokens"]["viewer"])["content"]["cards"]
    assert set(stored) == expected


async def test_seals_are_kept_and_spare_another_nodes_load_the_check(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = seal_key("the cluster's secret")
    checked: list[int] = []

    def counted(updates: list[bytes]) -> LoadCheck:
        checked.append(len(updates))
        return check_stored(updates)

    monkeypatch.setattr(loading, "check_stored", counted)
    options = RoomOptions(presence_tick=0.0, seal_key=key)
    async with PostgreSQLStore(pg_url) as one, PostgreSQLStore(pg_url) as other:
        assert one.keeps_seals and await one.load_seal("doc") is None
        await one.save_seal("scratch", b"first")
        await other.save_seal("scratch", b"second")  # replaced, whichever node writes
        assert await one.load_seal("scratch") == b"second"
        for update in card_updates({"a": "first", "b": "second 🙂"}):
            await one.append_update("doc", update)
        await one.compact_document("doc")
        first = Room("doc", one, RecordingBus(), options)
        await first.load()  # checks the snapshot, then seals it
        assert checked == [1]
        seal = await other.load_seal("doc")
        stored = await other.load_document("doc")
        assert seal is not None and (opened := open_seal(key, "doc", seal, stored))
        assert opened.parts == 1 and opened.state == first.doc.get_state()
        again = Room("doc", other, RecordingBus(), options)
        await again.load()  # the other node reads nothing again
        assert checked == [1, 0]
        assert again.doc.get_state() == first.doc.get_state()
