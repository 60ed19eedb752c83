"""Redis that comes back with less than it acknowledged is repaired by the nodes that hold it.

The loss is real: Redis runs with AOF (`appendfsync everysec`), the test copies its AOF
directory at one point, keeps writing, kills Redis with SIGKILL, puts the older AOF back and
starts Redis again on the same port, as a host crash that lost the last writes would.
"""

from __future__ import annotations

import asyncio
import shutil
import signal
from pathlib import Path
from typing import Any

import httpx
import pytest
from pycrdt import Doc, Map

from cancels import SwallowedRead
from conftest import ServerProcess
from journeyboard.cluster import open_bus
from journeyboard.stores.redis import RedisStore
from journeyboard.sync.room import Room
from redisserver import RedisServer, cards
from redisserver import redis as redis  # the fixture
from waiting import wait_for_value, wait_until
from ysync import YClient, synced_client

REPAIR_WINDOW = 15.0
"""Seconds a fresh reader may wait for the repair (detection runs every second)."""


def snapshot_aof(redis: RedisServer, into: Path) -> None:
    shutil.copytree(redis.directory / "appendonlydir", into)


def crash_and_restore(redis: RedisServer, snapshot: Path) -> None:
    """SIGKILL Redis, put the older AOF back, start it again on the same port."""
    redis.kill()
    shutil.rmtree(redis.directory / "appendonlydir")
    shutil.copytree(snapshot, redis.directory / "appendonlydir")
    redis.start()


def metric(server: ServerProcess, name: str) -> float:
    text = httpx.get(f"{server.http}/metrics").text
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    raise AssertionError(f"{name} is not on /metrics")


async def wait_for_board(
    server: ServerProcess, board_id: str, token: str, expected: set[str]
) -> dict[str, Any]:
    """GET the board until it has every expected card (or fail after REPAIR_WINDOW)."""
    async with httpx.AsyncClient() as http:

        async def read() -> dict[str, Any]:
            response = await http.get(
                f"{server.http}/api/boards/{board_id}",
                headers={"Authorization": f"Bearer {token}"},
            )
            return dict(response.json()) if response.status_code == 200 else {}

        def complete(data: dict[str, Any]) -> bool:
            return bool(data) and set(data["content"]["cards"]) >= expected

        return await wait_for_value(read, complete, REPAIR_WINDOW, "a fresh reader's board")


async def write_cards(writers: list[YClient], start: int, stop: int) -> None:
    for i in range(start, stop):
        await writers[i % len(writers)].change(
            lambda d, i=i: d.get("cards", type=Map).__setitem__(f"c{i}", i)
        )
    expected = {f"c{i}" for i in range(stop)}
    for client in writers:
        await client.wait_until(lambda c=client: set(cards(c)) >= expected, timeout=20)


async def test_updates_redis_lost_after_a_crash_are_written_back_by_the_nodes(
    make_server: Any, redis: RedisServer, tmp_path: Path
) -> None:
    total = 1200
    a, b = (make_server("--grace", "30", store_url=redis.url) for _ in range(2))
    board = a.create_board(template="blank")
    token = board["tokens"]["participant"]
    async with (
        synced_client(a.url(board["id"], token)) as on_a,
        synced_client(b.url(board["id"], token)) as on_b,
    ):
        await write_cards([on_a, on_b], 0, total // 2)
        snapshot_aof(redis, tmp_path / "aof-then")
        await write_cards([on_a, on_b], total // 2, total)  # seen by clients on both nodes
        crash_and_restore(redis, tmp_path / "aof-then")
    # Every client has left; only the nodes' open rooms still hold the second half.
    expected = {f"c{i}" for i in range(total)}
    c = make_server("--grace", "1", store_url=redis.url)
    await wait_for_board(c, board["id"], board["tokens"]["viewer"], expected)
    assert sum(metric(s, "journeyboard_redis_data_loss_detected_total") for s in (a, b)) >= 1
    assert sum(metric(s, "journeyboard_redis_repaired_updates_total") for s in (a, b)) >= 1
    assert sum(metric(s, "journeyboard_redis_repaired_bytes_total") for s in (a, b)) > 0
    assert "wrote back" in a.logs() + b.logs()
    for server in (a, b, c):
        server.kill(signal.SIGKILL)
    (d,) = (make_server("--grace", "1", store_url=redis.url),)
    async with synced_client(d.url(board["id"], board["tokens"]["viewer"])) as fresh:
        assert set(cards(fresh)) == expected


async def test_a_board_created_after_the_last_fsync_comes_back_whole(
    make_server: Any, redis: RedisServer, tmp_path: Path
) -> None:
    """Record, person, session and content document were all lost: the nodes had them."""
    a, b = (make_server("--grace", "30", store_url=redis.url) for _ in range(2))
    a.create_board(template="blank")  # something in the AOF before the copy
    snapshot_aof(redis, tmp_path / "aof-then")
    board = a.create_board(template="blank")
    ann = b.join(board["tokens"]["participant"], "Ann")
    async with (
        synced_client(a.url(board["id"], ann["token"])) as on_a,
        synced_client(b.url(board["id"], board["tokens"]["participant"])) as on_b,
    ):
        await write_cards([on_a, on_b], 0, 100)
        crash_and_restore(redis, tmp_path / "aof-then")
    c = make_server("--grace", "1", store_url=redis.url)
    expected = {f"c{i}" for i in range(100)}
    data = await wait_for_board(c, board["id"], ann["token"], expected)  # Ann's token works
    assert data["session"]["board"]["title"] == board["title"]
    assert ann["participant_id"] in data["session"]["participants"]
    assert sum(metric(s, "journeyboard_redis_restored_records_total") for s in (a, b)) >= 2


# In-process: the tail's position after a loss ---------------------------------------------


def card_update(key: str, value: int) -> bytes:
    doc: Doc[Any] = Doc()
    doc.get("cards", type=Map)[key] = value
    return doc.get_update()


async def test_a_tail_ahead_of_the_stream_is_reset_and_misses_nothing_new(
    redis: RedisServer,
) -> None:
    """A tail that read an entry with a high id (a clock ahead, a promoted replica behind) and
    then lost it would wait for ids above it forever; the check sets it back."""
    async with RedisStore(redis.url) as one, RedisStore(redis.url) as two:
        one.repair.interval = two.repair.interval = 0.1
        async with open_bus(one, None) as bus:  # the Redis-only bus: it tails one's streams
            room = Room("doc", one, bus)
            bus.follow("doc", room, await room.load())
            await one.redis.xadd(
                "jb:doc:doc:log", {"u": card_update("future", 1), "n": b"elsewhere"},
                id="99999999999999-0",
            )  # fmt: skip
            await asyncio.wait_for(_until(lambda: "future" in room.doc.get("cards", type=Map)), 5)
            await one.redis.delete("jb:doc:doc:log")  # Redis lost it
            await two.append_update("doc", card_update("later", 2))
            await asyncio.wait_for(_until(lambda: "later" in room.doc.get("cards", type=Map)), 5)
            # and the entry it had read is back in Redis, written by the node that held it
            await asyncio.wait_for(_until_async(lambda: _stored_keys(two, "doc"), {"future"}), 5)
            assert one.repair.stats.loss_detected >= 1


async def _until(predicate: Any) -> None:
    await wait_until(predicate)


async def _until_async(read: Any, wanted: set[str]) -> None:
    await wait_for_value(read, lambda have: wanted <= have)


async def _stored_keys(store: RedisStore, name: str) -> set[str]:
    doc: Doc[Any] = Doc()
    for update in await store.load_document(name):
        doc.apply_update(update)
    return set(doc.get("cards", type=Map).keys())


@pytest.fixture(autouse=True)
def _fast_checks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JOURNEYBOARD_REDIS_CHECK_SECONDS", "0.5")


@pytest.mark.parametrize("swallowed_as", [TimeoutError, None])
async def test_the_repair_loop_ends_with_its_store_when_redis_py_swallows_the_cancel(
    redis: RedisServer, swallowed_as: type[Exception] | None, caplog: pytest.LogCaptureFixture
) -> None:
    """redis-py can turn a cancellation that arrives on the socket into a TimeoutError (an
    OSError the loop retries), or drop it. The loop then must still end when its store closes:
    one that outlived `cli.reachable`'s open-and-close kept `asyncio.run` waiting on it, and a
    node from ever serving."""
    store = RedisStore(redis.url)
    await store.start()
    store.repair.interval = 0.01
    read = SwallowedRead(swallowed_as)
    store.repair.check = read.read  # type: ignore[method-assign]  # waits on Redis
    await asyncio.wait_for(read.entered.wait(), 5)
    await asyncio.wait_for(store.close(), 5)

    others = {t for t in asyncio.all_tasks() if t is not asyncio.current_task()}
    try:
        _, left = await asyncio.wait(others, timeout=5) if others else (set(), set())
        assert not left, f"still running after the store closed: {left}"
        assert "did not stop" not in caplog.text
        assert "retrying" not in caplog.text
    finally:  # a failure must not hang the test's loop on the task it left behind
        await read.release(others)
