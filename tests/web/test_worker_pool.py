"""The worker pool on its own (in-process, real worker processes): answers, refusals, budgets,
the queue, and cancellation."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import pytest

from journeyboard.tasks import Background
from journeyboard.web.workers import Budget, JobRefused, SharedJobs, WorkerPool
from journeyboard.workshop.errors import ApiError
from waiting import wait_until

OVER = ApiError(413, "too_large", "over budget")
ROOMY = Budget(cpu_seconds=30, wall_seconds=60)


def import_raw(cards: int) -> bytes:
    stages = [{"id": "s", "name": "Stage", "pos": "a"}]
    items = [
        {"id": f"c{i}", "kind": "note", "stage": "s", "pos": f"a{i:06d}", "text": "x",
         **{f"f{k}": "v" for k in range(30)}}
        for i in range(cards)
    ]  # fmt: skip
    export = {"schema": "journeyboard/export", "version": 1, "board": {"title": "t"},
              "stages": stages, "cards": items}  # fmt: skip
    return json.dumps({"title": "t", "import": export}).encode()


@pytest.fixture
async def pool() -> AsyncIterator[WorkerPool]:
    workers = WorkerPool(processes=1, queue=1, memory_bytes=3 << 30)
    yield workers
    await workers.close()


def in_a_worker(pool: WorkerPool) -> bool:
    """A job runs in a worker (not one that is still starting: a job given up then leaves its
    worker to the next job, `WorkerPool._spawn`)."""
    return len(pool.pids()) == 1


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


async def test_a_job_answers_and_its_worker_stays_warm(pool: WorkerPool) -> None:
    fields, seed, content = await pool.run(
        "create_board_documents", (import_raw(3), 1), ROOMY, over_budget=OVER
    )
    assert fields == {"title": "t", "language": "en"} and seed and content
    first = pool.pids()
    await pool.run("create_board_documents", (import_raw(3), 1), ROOMY, over_budget=OVER)
    assert pool.pids() == first and pool.completed == 2


async def test_a_jobs_own_refusal_comes_back_as_it_is(pool: WorkerPool) -> None:
    with pytest.raises(JobRefused) as refused:
        await pool.run("create_board_documents", (b"{not json", 1), ROOMY, over_budget=OVER)
    assert (refused.value.status, refused.value.code) == (400, "bad_json")


async def test_a_job_over_its_cpu_budget_dies_and_the_next_gets_a_fresh_worker(
    pool: WorkerPool,
) -> None:
    with pytest.raises(ApiError) as over:
        await pool.run(
            "create_board_documents",
            (import_raw(20_000), 1),
            Budget(cpu_seconds=0.2, wall_seconds=60),
            over_budget=OVER,
        )
    assert over.value is OVER
    assert pool.pids() == []
    await pool.run("create_board_documents", (import_raw(3), 1), ROOMY, over_budget=OVER)


async def test_a_job_past_its_deadline_is_killed(pool: WorkerPool) -> None:
    with pytest.raises(ApiError) as over:
        await pool.run(
            "create_board_documents",
            (import_raw(20_000), 1),
            Budget(cpu_seconds=60, wall_seconds=0.3),
            over_budget=OVER,
        )
    assert over.value is OVER and pool.killed == 1


async def test_a_job_whose_requester_leaves_kills_its_worker(pool: WorkerPool) -> None:
    await pool.run("create_board_documents", (import_raw(3), 1), ROOMY, over_budget=OVER)
    (pid,) = pool.pids()
    big = import_raw(20_000)  # built first: the client leaves 0.3 s into the job itself
    gone: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    asyncio.get_running_loop().call_later(0.3, gone.set_result, None)
    with pytest.raises(ApiError) as left:
        await pool.run(
            "create_board_documents", (big, 1), ROOMY, over_budget=OVER,
            cancel_when=gone,
        )  # fmt: skip
    assert left.value.status == 499
    assert not alive(pid)


async def test_a_full_queue_is_refused_at_once_with_retry_after(pool: WorkerPool) -> None:
    big = import_raw(20_000)
    running = asyncio.create_task(
        pool.run("create_board_documents", (big, 1), ROOMY, over_budget=OVER)
    )
    waiting = asyncio.create_task(
        pool.run("create_board_documents", (big, 1), ROOMY, over_budget=OVER)
    )
    await wait_until(lambda: pool.running == 1 and pool.waiting == 1 and in_a_worker(pool))
    with pytest.raises(ApiError) as busy:
        await pool.run("create_board_documents", (big, 1), ROOMY, over_budget=OVER)
    assert (busy.value.status, busy.value.code) == (503, "busy") and busy.value.retry_after
    waiting.cancel()
    running.cancel()
    for task in (running, waiting):
        with pytest.raises(asyncio.CancelledError):
            await task
    assert pool.running == 0 and pool.waiting == 0
    assert pool.pids() == []  # the cancelled job's worker was killed, not put back


async def test_a_lane_leaves_workers_to_other_jobs_and_a_leaver_waits_for_nothing() -> None:
    pool = WorkerPool(processes=2, queue=2, memory_bytes=3 << 30)
    big = import_raw(20_000)  # seconds of CPU (20,000 cards: the most an import may hold)
    try:
        long = asyncio.create_task(
            pool.run("create_board_documents", (big, 1), ROOMY, over_budget=OVER, lane="pdf")
        )
        gone: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        queued = asyncio.create_task(
            pool.run(
                "create_board_documents",
                (big, 1),
                ROOMY,
                over_budget=OVER,
                lane="pdf",
                cancel_when=gone,
            )
        )
        await wait_until(lambda: pool.running == 1 and in_a_worker(pool))
        # The second job of the lane waits; its client leaves: no worker is started or killed.
        gone.set_result(None)
        with pytest.raises(ApiError) as left:
            await queued
        assert left.value.status == 499 and pool.killed == 0
        # A job of no lane gets the other worker while the lane's job runs.
        small = await pool.run(
            "create_board_documents", (import_raw(3), 1), ROOMY, over_budget=OVER
        )
        assert small[0] == {"title": "t", "language": "en"} and not long.done()
        await long
        assert pool.running == 0
    finally:
        await pool.close()


def address_space(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no VmSize")


async def test_a_job_past_the_memory_limit_is_over_budget_and_its_worker_replaced(
    pool: WorkerPool,
) -> None:
    await pool.run("create_board_documents", (import_raw(3), 1), ROOMY, over_budget=OVER)
    (pid,) = pool.pids()
    tight = WorkerPool(processes=1, queue=1, memory_bytes=address_space(pid) + (64 << 20))
    try:
        await tight.run("create_board_documents", (import_raw(3), 1), ROOMY, over_budget=OVER)
        (first,) = tight.pids()
        with pytest.raises(ApiError) as over:
            await tight.run(
                "create_board_documents", (import_raw(20_000), 1), ROOMY, over_budget=OVER
            )
        assert over.value is OVER
        assert first not in tight.pids()
        await tight.run("create_board_documents", (import_raw(3), 1), ROOMY, over_budget=OVER)
    finally:
        await tight.close()


async def test_identical_jobs_in_flight_share_one_and_it_stops_when_all_leave(
    pool: WorkerPool,
) -> None:
    async with Background("shared reads") as tasks:
        shared = SharedJobs(pool, tasks)
        big = import_raw(20_000)
        job = ("create_board_documents", (big, 1), ROOMY)
        first = asyncio.create_task(shared.run("same", *job, over_budget=OVER))
        second = asyncio.create_task(shared.run("same", *job, over_budget=OVER))
        one, two = await asyncio.gather(first, second)
        assert one is two and pool.completed == 1 and shared.shared == 1
        # One requester leaving does not stop the job the other still waits for.
        gone: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        leaver = asyncio.create_task(shared.run("again", *job, over_budget=OVER, cancel_when=gone))
        stayer = asyncio.create_task(shared.run("again", *job, over_budget=OVER))
        await wait_until(lambda: pool.running == 1 and in_a_worker(pool))
        gone.set_result(None)
        with pytest.raises(ApiError) as left:
            await leaver
        assert left.value.status == 499
        assert (await stayer)[0] == {"title": "t", "language": "en"} and pool.killed == 0
        # When everyone leaves, the worker is stopped.
        everyone: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        alone = asyncio.create_task(
            shared.run("last", *job, over_budget=OVER, cancel_when=everyone)
        )
        await wait_until(lambda: pool.running == 1 and in_a_worker(pool))
        everyone.set_result(None)
        with pytest.raises(ApiError):
            await alone
        await wait_until(lambda: not pool.running)
        assert pool.killed == 1
