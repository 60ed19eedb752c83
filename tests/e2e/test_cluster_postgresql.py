"""Several nodes on PostgreSQL (the system of record) with Redis as the bus between them.

Each test starts its own redis-server and a fresh database on a PostgreSQL server of its own
(`tests/pg.py`), and the nodes as `journeyboard serve --store postgresql://… --bus redis://…`
subprocesses. The promise under test: whatever happens to Redis or to a node, no update any
client saw is lost, and every client converges.
"""

from __future__ import annotations

import asyncio
import signal
from typing import Any

import httpx
import pytest
from pycrdt import Map

from conftest import ServerProcess
from pg import PostgresServer
from pg import own_postgres as own_postgres  # the fixture
from pg import pg_url as pg_url  # the fixture
from pg import postgres_server as postgres_server  # the fixture
from redisserver import RedisServer, cards
from redisserver import redis as redis  # the fixture
from test_redis import contextlib_all
from test_security import metric
from waiting import wait_until
from ysync import YClient, synced_client

pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def quick_checks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Nodes compare their documents with the store's heads every 0.3 s (2 s by default)."""
    monkeypatch.setenv("JOURNEYBOARD_BUS_CHECK_SECONDS", "0.3")


def nodes(make_server: Any, store_url: str, redis: RedisServer, count: int) -> list[ServerProcess]:
    return [
        make_server("--grace", "1", "--bus", redis.url, store_url=store_url) for _ in range(count)
    ]


async def cards_on_a_new_node(
    make_server: Any, store_url: str, redis: RedisServer, board: dict[str, Any]
) -> set[str]:
    """What a node started now reads of the board from the store (it saw nothing live)."""
    node = nodes(make_server, store_url, redis, 1)[0]
    async with synced_client(node.url(board["id"], board["tokens"]["viewer"])) as fresh:
        return set(cards(fresh))


def put(key: str, value: int) -> Any:
    return lambda doc: doc.get("cards", type=Map).__setitem__(key, value)


async def write(client: YClient, prefix: str, count: int) -> set[str]:
    for i in range(count):
        await client.change(put(f"{prefix}{i}", i))
    return {f"{prefix}{i}" for i in range(count)}


async def test_nodes_converge_on_concurrent_edits(
    make_server: Any, pg_url: str, redis: RedisServer
) -> None:
    servers = nodes(make_server, pg_url, redis, 3)
    board = servers[0].create_board(template="blank")
    token = board["tokens"]["participant"]
    clients = [synced_client(s.url(board["id"], token)) for s in servers for _ in range(2)]
    async with contextlib_all(clients) as connected:
        written = await asyncio.gather(
            *(write(client, f"n{i}-", 25) for i, client in enumerate(connected))
        )
        expected = set().union(*written)
        for client in connected:
            await client.wait_until(lambda c=client: set(cards(c)) == expected, timeout=20)
    assert await cards_on_a_new_node(make_server, pg_url, redis, board) == expected
    assert "Traceback" not in "".join(s.logs() for s in servers)
    # Each node published its clients' 50 updates and applied the others' from the bus. The
    # updates a socket sent in one read went in merged, as one (journeyboard_merged_updates
    # counts them): m of them merged into k updates leave 50 - m + k to publish, k >= 1.
    for node in servers:
        published = metric(node, "journeyboard_bus_published_updates_total")
        merged = metric(node, "journeyboard_merged_updates_total")
        assert published >= 1 and published + merged >= 50, (published, merged)
        assert metric(node, "journeyboard_bus_applied_updates_total") > 0
        assert metric(node, "journeyboard_bus_publish_failures_total") == 0


async def test_killing_redis_loses_nothing_and_every_node_keeps_serving(
    make_server: Any, pg_url: str, redis: RedisServer
) -> None:
    a, b = nodes(make_server, pg_url, redis, 2)
    board = a.create_board(template="blank")
    token = board["tokens"]["participant"]
    async with (
        synced_client(a.url(board["id"], token)) as on_a,
        synced_client(b.url(board["id"], token)) as on_b,
    ):
        before = await write(on_a, "before", 20)
        await on_b.wait_until(lambda: before <= set(cards(on_b)), timeout=10)
        redis.kill()
        during = await write(on_a, "a-down", 20) | await write(on_b, "b-down", 20)
        # Nobody's socket closes: the store is up, and the nodes catch up from it.
        for client in (on_a, on_b):
            await client.wait_until(lambda c=client: before | during <= set(cards(c)), 20)
            assert not client.closed.is_set()
        redis.start()
        after = await write(on_b, "after", 10)
        await on_a.wait_until(lambda: after <= set(cards(on_a)), timeout=20)
    expected = before | during | after
    assert await cards_on_a_new_node(make_server, pg_url, redis, board) == expected


async def test_flushing_redis_loses_nothing(
    make_server: Any, pg_url: str, redis: RedisServer
) -> None:
    a, b = nodes(make_server, pg_url, redis, 2)
    board = a.create_board(template="blank")
    token = board["tokens"]["participant"]
    async with (
        synced_client(a.url(board["id"], token)) as on_a,
        synced_client(b.url(board["id"], token)) as on_b,
    ):
        first = await write(on_a, "first", 30)
        redis.cli("FLUSHALL")
        second = await write(on_a, "second", 30)
        redis.cli("FLUSHALL")
        third = await write(on_b, "third", 30)
        expected = first | second | third
        for client in (on_a, on_b):
            await client.wait_until(lambda c=client: set(cards(c)) == expected, timeout=20)
    assert await cards_on_a_new_node(make_server, pg_url, redis, board) == expected


async def test_a_killed_node_loses_nothing_another_client_saw(
    make_server: Any, pg_url: str, redis: RedisServer
) -> None:
    a, b = nodes(make_server, pg_url, redis, 2)
    board = a.create_board(template="blank")
    token = board["tokens"]["participant"]
    async with (
        synced_client(a.url(board["id"], token)) as writer,
        synced_client(b.url(board["id"], board["tokens"]["viewer"])) as reader,
    ):
        first = await write(writer, "k", 100)
        await reader.wait_until(lambda: first <= set(cards(reader)), timeout=10)
        for i in range(100, 200):  # the node dies with some of these in flight
            await writer.change(put(f"k{i}", i))
            if i == 150:
                a.kill(signal.SIGKILL)
                break
        await reader.round_trip()  # b's answer holds everything b has
        seen = set(cards(reader))
    assert first <= seen
    c = nodes(make_server, pg_url, redis, 1)[0]
    async with synced_client(c.url(board["id"], board["tokens"]["viewer"])) as fresh:
        assert seen <= set(cards(fresh))


async def test_restarting_postgresql_loses_nothing_any_client_saw(
    make_server: Any, own_postgres: PostgresServer, redis: RedisServer
) -> None:
    store_url = own_postgres.create_database()
    a, b = nodes(make_server, store_url, redis, 2)
    board = a.create_board(template="blank")
    token = board["tokens"]["participant"]
    async with synced_client(b.url(board["id"], board["tokens"]["viewer"])) as reader:
        writer = YClient(a.url(board["id"], token))
        await writer.connect()
        await writer.synced.wait()
        before = await write(writer, "before", 30)
        await reader.wait_until(lambda: before <= set(cards(reader)), timeout=10)
        own_postgres.restart()
        # Written while PostgreSQL restarts: committed, or refused with the socket closed
        # (1013) so that the client sends it again, never shown and then lost.
        for i in range(30):
            if writer.closed.is_set():
                break
            await writer.change(put(f"during{i}", i))
            if i % 10 == 9:  # spread over the restart: each tenth is handled before the next
                await writer.round_trip()
        held = writer.doc.get_update()
        await writer.close()
        seen_by_reader = set(cards(reader))
    returning = await reconnect_with(a.url(board["id"], token), held)
    expected = set(cards(returning))
    await returning.close()
    assert before <= expected and seen_by_reader <= expected
    for node in (a, b):
        async with synced_client(node.url(board["id"], board["tokens"]["viewer"])) as fresh:
            await fresh.wait_until(lambda f=fresh: set(cards(f)) == expected, timeout=20)


async def until_healthy(ws_url: str) -> None:
    """Until the node answers /healthz with 200: its store is reachable again."""
    base = "http" + ws_url.split("/ws/")[0][len("ws") :]

    def ok() -> bool:
        try:
            return httpx.get(f"{base}/healthz", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    await wait_until(ok, 30, "the node's store")


async def reconnect_with(url: str, held: bytes) -> YClient:
    """Reconnect with backoff, holding everything, as the stock client does after 1013."""
    async with asyncio.timeout(30):
        while True:
            client = YClient(url)
            client.doc.apply_update(held)
            await client.connect()
            synced = asyncio.ensure_future(client.synced.wait())
            closed = asyncio.ensure_future(client.closed.wait())
            await asyncio.wait({synced, closed}, return_when=asyncio.FIRST_COMPLETED)
            synced.cancel()
            closed.cancel()
            if client.synced.is_set() and not client.closed.is_set():
                return client
            await client.close()
            await until_healthy(url)
