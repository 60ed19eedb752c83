"""`journeyboard serve`'s server: once started, what it holds is out of every later collection."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import uvicorn
from starlette.applications import Starlette

from journeyboard.cli import Server
from waiting import wait_until


async def test_a_started_node_leaves_its_startup_heap_out_of_the_collector() -> None:
    held_since_start: list[object] = [object()]
    started: list[bool] = []

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        started.append(True)
        yield

    config = uvicorn.Config(
        Starlette(lifespan=lifespan), host="127.0.0.1", port=0, lifespan="on", log_config=None
    )
    server = Server(config)
    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    serving = asyncio.create_task(server.serve())
    try:
        await wait_until(lambda: server.started, timeout=10)
        assert started == [True]
        assert gc.get_freeze_count() > 0
        gc.collect()  # a full collection walks the oldest generation, which no longer has it
        assert all(tracked is not held_since_start for tracked in gc.get_objects(generation=2))
    finally:
        gc.unfreeze()  # the rest of the tests collect as usual
        server.should_exit = True
        await serving
    gc.collect()
    assert any(tracked is held_since_start for tracked in gc.get_objects(generation=2))
