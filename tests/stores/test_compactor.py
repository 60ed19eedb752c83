"""The compaction proof in its own process: the same answer as `verified_merge`, a child that
is replaced when it dies, the thread when it cannot run, and a deadline."""

from __future__ import annotations

import asyncio
import os

import pytest

from compactors import dies_before_answering
from journeyboard.stores.compactor import Compactor, decode_parts, encode_parts
from journeyboard.sync.seals import open_seal, seal_if_clean, seal_key
from journeyboard.sync.updates import verified_merge
from stored_updates import card_updates


def _updates(count: int) -> list[bytes]:
    return card_updates({f"c{i}": f"card {i}" for i in range(count)})


def test_parts_cross_as_bytes() -> None:
    parts = [b"", b"\x00\x01", b"x" * 1000]
    assert decode_parts(encode_parts(b"\x01", parts)) == (b"\x01", parts)
    assert decode_parts(encode_parts(b"\x00", [])) == (b"\x00", [])


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


async def test_a_seal_is_made_in_the_child_as_on_the_thread() -> None:
    key = seal_key("a node's secret")
    updates = _updates(150)
    compactor = Compactor()
    try:
        seal = await compactor.seal("doc", key, updates)
        assert compactor.pid is not None and compactor.pid != os.getpid()
        assert seal == seal_if_clean("doc", key, updates)
        opened = open_seal(key, "doc", seal or b"", updates)
        assert opened is not None and opened.parts == len(updates) and opened.state
        # A part yjs cannot read needs a repair on load: no seal.
        unreadable = bytes.fromhex("01012a00270105636172647302786109" + "00")
        assert await compactor.seal("doc", key, [*updates, unreadable]) is None
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
        dies_before_answering(first)
        snapshot = await compactor.prove(updates, collect_garbage=False)
        assert snapshot == verified_merge(updates)
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


async def test_a_proof_nobody_waits_for_is_stopped_and_the_next_one_works() -> None:
    updates = _updates(100)
    compactor = Compactor()
    try:
        await compactor.prove(updates, collect_garbage=False)
        first = compactor.pid
        waiting = asyncio.ensure_future(compactor.prove(updates, collect_garbage=False))
        await asyncio.sleep(0)  # the proof is on its way to the child
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
        assert await compactor.prove(updates, collect_garbage=False) == verified_merge(updates)
        assert compactor.pid is not None and compactor.pid != first
    finally:
        await compactor.close()
