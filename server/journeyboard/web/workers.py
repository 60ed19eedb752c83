"""Heavy work in worker processes, so that no request holds the event loop (or the GIL).

Imports of a board, PDF exports and reads of a large board each take from a second to a
minute of CPU. They run in a small pool of warm worker processes, each a fresh interpreter
(`processes.ChildProcess`, which the stores' compaction proof uses too) that talks to the
server over its stdin and stdout:

- a job is a function of `jobs.JOBS` and its arguments (picklable), sent as one frame (an
  8-byte length and a pickle); the answer comes back the same way;
- the worker runs at a lower priority (`nice`), so that the server's own sockets win the CPU;
- its address space is capped (`RLIMIT_AS`, `worker_memory_bytes`): an allocation past it
  raises MemoryError in the job, which answers the job's "over budget" error;
- each job has a CPU budget (`RLIMIT_CPU`, set again before every job: the process dies of
  SIGXCPU past it) and a wall-clock deadline after which the server kills the worker;
- a job whose requester gives up (the HTTP client disconnects, `cancel_when` completes, or
  the awaiting task is cancelled) kills its worker at once: no CPU is spent for nobody;
- `processes` jobs run at once; up to `queue` more wait for a worker; past that the request is
  refused at once with 503 and `Retry-After`.

A killed or crashed worker is replaced by a fresh one when the next job needs it. A worker
dies with the server (`PR_SET_PDEATHSIG`) and when its stdin closes.
"""

from __future__ import annotations

import asyncio
import collections
import concurrent.futures
import contextlib
import hashlib
import logging
import pickle
import resource
from collections.abc import Coroutine, Hashable
from dataclasses import dataclass
from typing import Any

from journeyboard.processes import (
    ChildGone,
    ChildProcess,
    child_pipes,
    cpu_used,
    read_frame,
    rss_bytes,
    write_frame,
)
from journeyboard.tasks import Background
from journeyboard.workshop.errors import ApiError

log = logging.getLogger(__name__)

RETIRE_RSS_BYTES = 512 * 1024 * 1024
"""A worker whose resident memory grew past this after a job is replaced (fragmentation)."""


@dataclass(frozen=True, slots=True)
class Budget:
    """What one job may spend: CPU seconds in the worker, and wall seconds in all."""

    cpu_seconds: float
    wall_seconds: float


def abandoned() -> ApiError:
    """What a job whose requester left answers (nobody reads it; the access log shows it)."""
    return ApiError(499, "abandoned", "the client left before the answer was ready")


class JobRefused(ApiError):
    """A job's own refusal (bad input): answered as it is, with its status and code."""


class WorkerGone(Exception):
    """The worker died during the job (killed, over its CPU budget, out of memory)."""


# The worker process ------------------------------------------------------------------------


def child_main(memory_bytes: str) -> None:
    """The worker's loop: read a job, run it under its CPU budget, answer; until stdin ends."""
    requests, answers = child_pipes()
    memory = int(memory_bytes)
    if memory > 0:
        _, memory_hard = resource.getrlimit(resource.RLIMIT_AS)
        if memory_hard != resource.RLIM_INFINITY:
            memory = min(memory, memory_hard)
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_AS, (memory, memory_hard))
    from journeyboard.web.jobs import JOBS

    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    while True:
        frame = read_frame(requests)
        if frame is None:
            return
        name, args, cpu_seconds = pickle.loads(frame)
        soft = int(cpu_used() + cpu_seconds) + 1
        if hard != resource.RLIM_INFINITY:
            soft = min(soft, hard)
        resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))
        try:
            reply: tuple[Any, ...] = ("ok", JOBS[name](*args))
        except ApiError as exc:
            reply = ("refused", exc.status, exc.code, exc.template, exc.params)
        except (MemoryError, RecursionError):
            reply = ("over_budget", "memory")
        except Exception as exc:  # a bug: the server logs it and answers 500
            reply = ("error", f"{type(exc).__name__}: {exc}")
        try:
            body = pickle.dumps((reply, rss_bytes()), protocol=pickle.HIGHEST_PROTOCOL)
        except MemoryError:
            body = pickle.dumps((("over_budget", "memory"), rss_bytes()))
        write_frame(answers, body)


# The server's side ------------------------------------------------------------------------


class Worker:
    """One worker process (`processes.ChildProcess`) and what it did; `call` blocks, so it
    runs in a thread."""

    def __init__(self, memory_bytes: int) -> None:
        self.child = ChildProcess("journeyboard.web.workers", "child_main", str(memory_bytes))
        self.process = self.child.process
        self.jobs = 0
        self.rss = 0

    @property
    def pid(self) -> int:
        return self.child.pid

    @property
    def killed(self) -> bool:
        return self.child.killed

    def call(self, name: str, args: tuple[Any, ...], cpu_seconds: float) -> tuple[Any, ...]:
        """Run one job and return its reply; raise WorkerGone if the worker died meanwhile."""
        self.jobs += 1
        frame = pickle.dumps((name, args, cpu_seconds), protocol=pickle.HIGHEST_PROTOCOL)
        try:
            body = self.child.call(frame)
        except ChildGone as gone:
            raise WorkerGone(str(gone)) from None
        reply, self.rss = pickle.loads(body)
        assert isinstance(reply, tuple)
        return reply

    def kill(self) -> None:
        self.child.kill()

    def close(self) -> None:
        self.child.close()


class WorkerPool:
    """At most `processes` jobs at once in warm workers, `queue` more waiting; see the module."""

    def __init__(self, processes: int, queue: int, memory_bytes: int) -> None:
        self.processes = processes
        self.queue = queue
        self.memory_bytes = memory_bytes
        self._idle: list[Worker] = []
        self._busy: set[Worker] = set()
        self._running = 0
        self._waiting: collections.deque[asyncio.Future[None]] = collections.deque()
        self._lanes: dict[str, asyncio.Semaphore] = {}
        self._lane_waiting: dict[str, int] = {}
        self._threads = concurrent.futures.ThreadPoolExecutor(
            max_workers=2 * processes + 2, thread_name_prefix="worker-pipe"
        )
        self.completed = 0
        self.killed = 0
        self.refused_busy = 0

    @property
    def running(self) -> int:
        return self._running

    @property
    def waiting(self) -> int:
        return len(self._waiting)

    def pids(self) -> list[int]:
        return [worker.pid for worker in (*self._idle, *self._busy)]

    async def run(
        self,
        name: str,
        args: tuple[Any, ...],
        budget: Budget,
        *,
        over_budget: ApiError,
        cancel_when: asyncio.Future[Any] | None = None,
        lane: str | None = None,
        lane_limit: int = 1,
    ) -> Any:
        """Run job `name` in a worker and return its result.

        Raise the job's own `ApiError`; `over_budget` when it runs out of CPU, memory or time;
        503 `busy` when the queue is full; 499 `abandoned` when `cancel_when` completes first
        (the client left: the worker is killed, and the answer goes nowhere). Jobs of one
        `lane` take at most `lane_limit` workers at once (so that long renders leave a worker
        for the others); more of them wait, at most `queue`.
        """
        if lane is None:
            return await self._run(name, args, budget, over_budget, cancel_when)
        gate = self._lanes.get(lane)
        if gate is None:
            gate = self._lanes[lane] = asyncio.Semaphore(lane_limit)
        waiting = self._lane_waiting.get(lane, 0)
        if gate.locked() and waiting >= self.queue:
            raise self._busy_error()
        self._lane_waiting[lane] = waiting + 1
        try:
            await self._unless_gone(gate.acquire(), cancel_when)
        finally:
            self._lane_waiting[lane] -= 1
        try:
            return await self._run(name, args, budget, over_budget, cancel_when)
        finally:
            gate.release()

    async def _unless_gone(
        self, waiting: Coroutine[Any, Any, Any], cancel_when: asyncio.Future[Any] | None
    ) -> None:
        """Wait for a turn; raise 499 `abandoned` if the requester leaves first."""
        if cancel_when is None:
            await waiting
            return
        async with Background("turn") as owned:
            job = owned.spawn(waiting, "turn")
            turn = job.outcome
            try:
                await asyncio.wait({turn, cancel_when}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                if not job.done():
                    await job.stop()
        if turn.cancelled():
            raise abandoned()
        error = turn.exception()
        if error is not None:
            raise error

    async def _run(
        self,
        name: str,
        args: tuple[Any, ...],
        budget: Budget,
        over_budget: ApiError,
        cancel_when: asyncio.Future[Any] | None,
    ) -> Any:
        await self._unless_gone(self._take_slot(), cancel_when)
        if cancel_when is not None and cancel_when.done():
            self._give_slot()  # the turn came as the requester left: no worker spent on it
            raise abandoned()
        worker: Worker | None = None
        loop = asyncio.get_running_loop()
        try:
            worker = self._idle.pop() if self._idle else await self._spawn()
            self._busy.add(worker)
            call = loop.run_in_executor(self._threads, worker.call, name, args, budget.cpu_seconds)
            waiting: set[asyncio.Future[Any]] = {call}
            if cancel_when is not None:
                waiting.add(cancel_when)
            try:
                done, _ = await asyncio.wait(
                    waiting, timeout=budget.wall_seconds, return_when=asyncio.FIRST_COMPLETED
                )
            except asyncio.CancelledError:
                await self._stop(worker, call)
                raise
            if call not in done:
                await self._stop(worker, call)
                if cancel_when is not None and cancel_when in done:
                    log.info("job %s: the requester left; its worker was stopped", name)
                    raise abandoned()
                log.warning(
                    "job %s: over its %gs deadline; worker killed", name, budget.wall_seconds
                )
                raise over_budget
            try:
                reply = call.result()
            except WorkerGone as gone:
                self.killed += 1
                log.warning("job %s: its worker died (%s)", name, gone)
                raise over_budget from None
            if reply[0] == "over_budget":
                worker.kill()  # after a MemoryError, a fresh worker is the safe one
            return self._answer(name, reply, over_budget)
        finally:
            if worker is not None:
                self._busy.discard(worker)
                self._put_back(worker)
            self._give_slot()

    async def _spawn(self) -> Worker:
        """Start a fresh worker (in a thread: starting a process takes a few milliseconds)."""
        loop = asyncio.get_running_loop()
        starting = loop.run_in_executor(self._threads, Worker, self.memory_bytes)
        try:
            return await asyncio.shield(starting)
        except asyncio.CancelledError:
            # The job was given up while its worker started: keep the worker for the next.
            starting.add_done_callback(self._adopt)
            raise

    def _adopt(self, started: asyncio.Future[Worker]) -> None:
        if not started.cancelled() and started.exception() is None:
            self._idle.append(started.result())

    async def _stop(self, worker: Worker, call: asyncio.Future[Any]) -> None:
        """Kill a worker in the middle of a job and wait for its thread to notice."""
        worker.kill()
        self.killed += 1
        with contextlib.suppress(WorkerGone, Exception):
            await asyncio.shield(call)

    def _answer(self, name: str, reply: tuple[Any, ...], over_budget: ApiError) -> Any:
        kind = reply[0]
        if kind == "ok":
            self.completed += 1
            return reply[1]
        if kind == "refused":
            raise JobRefused(reply[1], reply[2], reply[3], params=reply[4])
        if kind == "over_budget":
            log.warning("job %s: out of memory in its worker", name)
            raise over_budget
        log.error("job %s failed in its worker: %s", name, reply[1])
        raise ApiError(500, "internal", "something went wrong on the server")

    def _put_back(self, worker: Worker) -> None:
        if worker.killed or worker.process.poll() is not None or worker.rss > RETIRE_RSS_BYTES:
            worker.kill()
            self._threads.submit(worker.close)
            return
        self._idle.append(worker)

    async def _take_slot(self) -> None:
        if self._running < self.processes and not self._waiting:
            self._running += 1
            return
        if len(self._waiting) >= self.queue:
            raise self._busy_error()
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append(turn)
        try:
            await turn
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():
                self._give_slot()  # the slot was handed to us as we left: pass it on
            else:
                with contextlib.suppress(ValueError):  # `_give_slot` may have dropped it
                    self._waiting.remove(turn)
            raise

    def _busy_error(self) -> ApiError:
        self.refused_busy += 1
        return ApiError(
            503,
            "busy",
            "the server is busy with other large imports and exports; try again shortly",
            retry_after=5,
        )

    def _give_slot(self) -> None:
        while self._waiting:
            turn = self._waiting.popleft()
            if not turn.done():
                turn.set_result(None)  # the slot passes on; `_running` stays
                return
        self._running -= 1

    async def close(self) -> None:
        """End every worker (at shutdown); busy ones are killed."""
        for worker in list(self._busy):
            worker.kill()
        idle, self._idle = self._idle, []
        loop = asyncio.get_running_loop()
        await asyncio.gather(
            *(loop.run_in_executor(self._threads, worker.close) for worker in idle)
        )
        self._threads.shutdown(wait=False)


async def client_gone(receive: Any) -> None:
    """Complete when the HTTP client disconnects (ASGI `http.disconnect`)."""
    while True:
        message = await receive()
        if message.get("type") == "http.disconnect":
            return


@dataclass(eq=False)
class _Flight:
    task: asyncio.Future[Any]
    everyone_left: asyncio.Future[None]
    waiting: int = 0


class SharedJobs:
    """Identical jobs asked for while one is running share it (single-flight).

    A key names the job and its input (for a read: the format, its options and a digest of
    the documents' encoded state), so only requests that would get the same answer share one.
    The job is stopped when the last of its requesters leaves.
    """

    def __init__(self, pool: WorkerPool, tasks: Background) -> None:
        self.pool = pool
        self.tasks = tasks
        """Owns the jobs in flight: they outlive any one requester, not the node."""
        self._flights: dict[Hashable, _Flight] = {}
        self.shared = 0
        """Requests answered by a job another request had started."""

    async def run(
        self,
        key: Hashable,
        name: str,
        args: tuple[Any, ...],
        budget: Budget,
        *,
        over_budget: ApiError,
        cancel_when: asyncio.Future[Any] | None = None,
    ) -> Any:
        flight = self._flights.get(key)
        if flight is None:
            everyone_left: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            task = self.tasks.spawn(
                self.pool.run(
                    name, args, budget, over_budget=over_budget, cancel_when=everyone_left
                ),
                f"shared {name}",
            ).outcome
            flight = self._flights[key] = _Flight(task, everyone_left)
            task.add_done_callback(lambda done: self._landed(key, flight))
        else:
            self.shared += 1
        flight.waiting += 1
        try:
            waiting: set[asyncio.Future[Any]] = {flight.task}
            if cancel_when is not None:
                waiting.add(cancel_when)
            done, _ = await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
            if flight.task not in done:
                raise abandoned()
            return flight.task.result()
        finally:
            flight.waiting -= 1
            if flight.waiting == 0 and not flight.task.done():
                flight.everyone_left.set_result(None)
                if self._flights.get(key) is flight:
                    del self._flights[key]

    def _landed(self, key: Hashable, flight: _Flight) -> None:
        if self._flights.get(key) is flight:
            del self._flights[key]
        if not flight.task.cancelled():
            flight.task.exception()  # read, so an answer nobody waited for is not logged


def digest(*parts: bytes) -> bytes:
    """A digest of some bytes, for a `SharedJobs` key (hashlib releases the GIL: a thread may
    run it)."""
    hasher = hashlib.blake2b(digest_size=16)
    for part in parts:
        hasher.update(len(part).to_bytes(8, "big"))
        hasher.update(part)
    return hasher.digest()
