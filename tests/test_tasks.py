"""Owned background work (`journeyboard.tasks`): supervised loops that survive their own
failures, owned one-shot jobs, and an owner that stops them all when it leaves."""

from __future__ import annotations

import asyncio
import itertools
import logging
import time

import pytest

from cancels import SwallowedRead
from journeyboard.tasks import Background, raise_if_cancelling
from waiting import wait_until


async def test_a_loop_that_fails_once_restarts_and_its_siblings_keep_serving(
    caplog: pytest.LogCaptureFixture,
) -> None:
    runs = 0
    ticks = 0
    failed = asyncio.Event()

    async def flaky() -> None:
        nonlocal runs
        runs += 1
        if runs == 1:
            failed.set()
            raise ValueError("first run breaks")
        await asyncio.Event().wait()

    async def steady() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.005)

    with caplog.at_level(logging.ERROR, logger="journeyboard.tasks"):
        async with Background("node", first_backoff=0.01) as background:
            background.start(flaky, "flaky")
            background.start(steady, "steady")
            await failed.wait()
            seen = ticks
            await wait_until(lambda: runs == 2 and ticks > seen + 2)
            # the owner keeps serving: new work still runs
            assert await background.spawn(asyncio.sleep(0, "served"), "serve").wait() == "served"
            assert background.failures == {"flaky": 1}
    assert "loop flaky failed" in caplog.text and "first run breaks" in caplog.text


async def test_a_loop_started_without_restart_stays_down_after_a_failure() -> None:
    runs = 0

    async def broken() -> None:
        nonlocal runs
        runs += 1
        raise RuntimeError("down")

    async with Background("node", first_backoff=0.001) as background:
        job = background.start(broken, "broken", restart=False)
        await job.wait()
        assert runs == 1 and background.failures == {"broken": 1}


async def test_the_backoff_doubles_up_to_its_limit() -> None:
    began: list[float] = []

    async def broken() -> None:
        began.append(time.monotonic())
        raise RuntimeError("down")

    async with Background("node", first_backoff=0.02, max_backoff=0.04) as background:
        background.start(broken, "broken")
        await wait_until(lambda: len(began) >= 4)
    gaps = [b - a for a, b in itertools.pairwise(began)]
    assert gaps[0] >= 0.02 and gaps[1] >= 0.04 and gaps[2] >= 0.04


async def test_a_failing_job_raises_to_its_waiter_only() -> None:
    sibling = asyncio.Event()

    async def fails() -> None:
        raise KeyError("lost")

    async def waits() -> str:
        await sibling.wait()
        return "still here"

    async with Background("node") as background:
        survivor = background.spawn(waits(), "survivor")
        failing = background.spawn(fails(), "fails")
        with pytest.raises(KeyError):
            await failing.wait()
        sibling.set()
        assert await survivor.wait() == "still here"
    # the owner's task was never cancelled by the group
    owner = asyncio.current_task()
    assert owner is not None and not owner.cancelling()


async def test_leaving_cancels_and_awaits_every_job_and_loop() -> None:
    cleaned: list[str] = []

    async def forever(name: str) -> None:
        try:
            await asyncio.Event().wait()
        finally:
            cleaned.append(name)

    async with Background("node") as background:
        job = background.spawn(forever("job"), "job")
        background.start(lambda: forever("loop"), "loop")
        await asyncio.sleep(0)
    assert sorted(cleaned) == ["job", "loop"] and job.done()
    with pytest.raises(asyncio.CancelledError):
        await job.wait()


async def test_a_job_cancelled_before_it_ran_resolves_and_leaves_no_coroutine_behind() -> None:
    async def never() -> int:
        return 1

    async with Background("node") as background:
        job = background.spawn(never(), "never")
        job.cancel()
        with pytest.raises(asyncio.CancelledError):
            await job.wait()
    # filterwarnings=error: an un-awaited coroutine would have failed this test


async def test_a_cancelled_waiter_leaves_the_job_running() -> None:
    gate = asyncio.Event()

    async def slow() -> str:
        await gate.wait()
        return "done"

    async with Background("node") as background:
        job = background.spawn(slow(), "slow")
        waiter = asyncio.ensure_future(job.wait())
        await asyncio.sleep(0)
        waiter.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiter
        assert not job.done()
        gate.set()
        assert await job.wait() == "done"


async def test_stop_cancels_one_job_and_returns_once_it_finished() -> None:
    stopped = False

    async def forever() -> None:
        nonlocal stopped
        try:
            await asyncio.Event().wait()
        finally:
            await asyncio.sleep(0.01)
            stopped = True

    async with Background("node") as background:
        job = background.spawn(forever(), "forever")
        await asyncio.sleep(0)
        await job.stop()
        assert stopped and job.done()


async def test_a_task_that_swallows_its_cancellation_does_not_hang_the_exit(
    caplog: pytest.LogCaptureFixture,
) -> None:
    release = asyncio.Event()

    async def stubborn() -> None:
        while not release.is_set():
            try:
                await release.wait()
            except asyncio.CancelledError:
                continue  # like a client library that eats the cancellation

    began = time.monotonic()
    async with Background("node", stop_seconds=0.05) as background:
        job = background.spawn(stubborn(), "stubborn")
        await asyncio.sleep(0)
    assert time.monotonic() - began < 1.0
    assert "stubborn did not stop" in caplog.text
    release.set()
    await job.wait()


async def test_the_owners_own_error_passes_unchanged() -> None:
    with pytest.raises(ValueError, match="the body's"):
        async with Background("node") as background:
            background.spawn(asyncio.Event().wait(), "idle")
            raise ValueError("the body's")


async def test_no_work_starts_outside_the_owners_life() -> None:
    background = Background("node")
    with pytest.raises(RuntimeError, match="not running"):
        background.spawn(asyncio.sleep(0), "early")
    async with background:
        pass
    with pytest.raises(RuntimeError, match="not running"):
        background.start(lambda: asyncio.sleep(0), "late")
    with pytest.raises(RuntimeError, match="already started"):
        async with background:
            pass


async def test_settle_waits_for_the_jobs_and_the_jobs_they_start_not_for_the_loops() -> None:
    finished: list[str] = []

    async def second() -> None:
        await asyncio.sleep(0.01)
        finished.append("second")

    async def first(background: Background) -> None:
        await asyncio.sleep(0.01)
        background.spawn(second(), "second")
        finished.append("first")

    async with Background("node") as background:
        background.start(asyncio.Event().wait, "loop")
        background.spawn(first(background), "first")
        assert background.jobs == 1
        await background.settle()
        assert finished == ["first", "second"] and background.jobs == 0


async def test_a_retrying_loop_ends_when_a_library_turns_its_cancel_into_an_error() -> None:
    """redis-py can raise a TimeoutError (an OSError) for a cancel that reaches it mid-read; a
    loop that retries on OSError still ends, because its handler asks whether it is cancelling."""
    read = SwallowedRead(TimeoutError)
    retries = 0

    async def retrying_loop() -> None:
        nonlocal retries
        while True:
            try:
                await read.read()
            except OSError:
                raise_if_cancelling()
                retries += 1
            await asyncio.sleep(0)

    task = asyncio.create_task(retrying_loop())
    await asyncio.wait_for(read.entered.wait(), 5)
    task.cancel()
    done, _ = await asyncio.wait({task}, timeout=5)
    await read.release([task])  # a failure must not leave the test's loop a task it cannot stop
    assert task in done and task.cancelled()
    assert retries == 0
