"""The Redis store's compaction in process, on a real Redis server."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from journeyboard.stores.redis import RedisStore
from redisserver import RedisServer
from redisserver import redis as redis  # the fixture
from stored_updates import cards_of, numbered_updates
from waiting import wait_for_value


async def test_a_compaction_due_while_one_ran_starts_when_it_ends(
    redis: RedisServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Appends that come while a slow proof runs (a compactor's process starting on a busy
    machine) start the next compaction as soon as it ends, not at the next append: the stream
    is trimmed to the snapshot before last, so a document that went quiet would otherwise keep
    its whole log."""
    updates, expected = numbered_updates(30)
    async with RedisStore(redis.url, compact_after=10) as store:
        proving = asyncio.Event()
        release = asyncio.Event()
        prove = store._prove

        async def slow_first_proof(name: str, parts: Sequence[bytes]) -> bytes | None:
            if not proving.is_set():
                proving.set()
                await release.wait()
            return await prove(name, parts)

        monkeypatch.setattr(store, "_prove", slow_first_proof)
        for update in updates[:10]:
            await store.append_update("doc", update)
        await asyncio.wait_for(proving.wait(), 10)
        for update in updates[10:]:  # 20 more while the first proof waits; then quiet
            await store.append_update("doc", update)
        release.set()

        async def stream_length() -> int:
            return int(await store.redis.xlen(store.log_stream("doc")))

        # The first compaction covers the first 10 and trims nothing; the one that was due
        # covers all 30 and trims the stream to the first's last entry (kept: MINID).
        await wait_for_value(stream_length, lambda n: n == 21, timeout=10, what="the log")
        assert cards_of(await store.load_document("doc")) == expected
