"""Every store keeps a board's measured values and what undoing its last import needs:
memory, SQLite (also across a reopen), PostgreSQL and Redis, each a real one."""

from __future__ import annotations

from pathlib import Path

from journeyboard.stores import MetricsRecord, MetricValue, Store, open_store
from journeyboard.stores.memory import MemoryStore
from redisserver import RedisServer
from redisserver import redis as redis  # the fixture

RECORD = MetricsRecord(
    "b1",
    values=[
        MetricValue("t1", "nps", -12.5, "2026-01-01", "", "imp1", 5),
        MetricValue("t1", "Wait", 3.0, "2026-01-02", "min", "", 6),
    ],
    last_import="imp1",
    replaced=[MetricValue("t1", "nps", 10.0, "2026-01-01", "", "", 1)],
)


async def _keeps_metrics(store: Store) -> None:
    async with store:
        assert await store.get_metrics("b1") == MetricsRecord("b1")
        await store.save_metrics(RECORD)
        assert await store.get_metrics("b1") == RECORD
        assert await store.get_metrics("b2") == MetricsRecord("b2")
        emptied = MetricsRecord("b1")
        await store.save_metrics(emptied)
        assert await store.get_metrics("b1") == emptied


async def test_memory_keeps_metrics() -> None:
    await _keeps_metrics(MemoryStore())


async def test_sqlite_keeps_metrics_across_a_reopen(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'x.db'}"
    await _keeps_metrics(open_store(url))
    async with open_store(url) as store:
        await store.save_metrics(RECORD)
    async with open_store(url) as store:
        assert await store.get_metrics("b1") == RECORD


async def test_postgresql_keeps_metrics(pg_url: str) -> None:
    await _keeps_metrics(open_store(pg_url))


async def test_redis_keeps_metrics(redis: RedisServer) -> None:
    await _keeps_metrics(open_store(redis.url))
