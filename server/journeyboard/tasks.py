"""Owned background work: every task the server starts belongs to a long-lived object.

A `Background` sits on top of `asyncio.TaskGroup`. The object that owns the work (the room
manager, a store, the bus, the server's start-up) enters it in its own `__aenter__` and leaves
it in its `__aexit__`, so no task outlives its owner and none is started bare (pycrdt-websocket's
`YRoom` and `WebsocketServer` own their task groups the same way).

- `start(factory, name)` runs a *supervised loop*: it catches and logs its own errors, so that
  one failing loop never cancels its siblings or its owner. After a failure it starts again
  from `factory()` with a backoff (doubling from `first_backoff` up to `max_backoff`; a run that
  lasted longer than `max_backoff` resets it), unless started with `restart=False`. A loop that
  returns has finished its work and is not restarted.
- `spawn(coro, name)` runs an *owned one-shot task* and returns its `Job`. The job's error never
  reaches the group (that would cancel every sibling): it is kept for whoever awaits
  `job.wait()`. Leaving the owner cancels and awaits every job and loop still running.

This module sits below every layer and imports nothing of the package.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine
from typing import Any, Generic, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")

STOP_SECONDS = 5.0
"""How long leaving a `Background` waits for its cancelled tasks before it gives up on them
(a client library that swallows a cancellation must not hang the server's shutdown)."""


def raise_if_cancelling() -> None:
    """Re-raise a cancellation that a client library swallowed on the way.

    redis-py and psycopg can turn a cancellation that reaches them mid-read into an error of
    their own (a TimeoutError, an OSError) or drop it; a loop that retries on those errors
    calls this in its handler, so that it ends with its task rather than retrying forever."""
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError


class Job(Generic[T]):
    """An owned one-shot task: its name, its outcome, and a way to stop it.

    Awaiting `wait()` does not tie the job to the waiter: a cancelled waiter leaves the job
    running (like `asyncio.shield`), so several callers may wait for one job.
    """

    __slots__ = ("_outcome", "_task", "name")

    def __init__(self, name: str, task: asyncio.Task[None], outcome: asyncio.Future[T]) -> None:
        self.name = name
        self._task = task
        self._outcome = outcome

    def done(self) -> bool:
        """True once the job has finished, failed or been cancelled."""
        return self._task.done()

    def cancel(self) -> None:
        """Ask the job to stop; `wait()` then raises `CancelledError`."""
        self._task.cancel()

    @property
    def outcome(self) -> asyncio.Future[T]:
        """The job's result as a future, for `asyncio.wait` among other futures. Cancelling it
        does not stop the job (use `cancel`)."""
        return self._outcome

    async def wait(self) -> T:
        """The job's result; its own error is raised here, `CancelledError` if it was stopped."""
        return await asyncio.shield(self._outcome)

    async def stop(self) -> None:
        """Cancel the job and return once it has finished."""
        self._task.cancel()
        await asyncio.wait({self._task})

    def __repr__(self) -> str:
        state = "done" if self.done() else "running"
        return f"<Job {self.name!r} {state}>"


class Background:
    """The tasks of one owner, supervised (see the module's docstring).

    Use as an async context manager, or call `__aenter__`/`__aexit__` from the owner's own.
    `failures` counts each loop's failures by name (for health and for tests).
    """

    def __init__(
        self,
        owner: str,
        *,
        first_backoff: float = 0.5,
        max_backoff: float = 30.0,
        stop_seconds: float = STOP_SECONDS,
    ) -> None:
        self.owner = owner
        self.first_backoff = first_backoff
        self.max_backoff = max_backoff
        self.stop_seconds = stop_seconds
        self.failures: dict[str, int] = {}
        self._group: asyncio.TaskGroup | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._loops: set[asyncio.Task[None]] = set()
        self._closing = False

    @property
    def running(self) -> bool:
        """True between entering and leaving: `start` and `spawn` are allowed."""
        return self._group is not None and not self._closing

    @property
    def jobs(self) -> int:
        """One-shot jobs still running (loops not counted)."""
        return len(self._tasks - self._loops)

    async def settle(self) -> None:
        """Wait until every one-shot job has finished, and those they started meanwhile;
        the loops go on. An owner calls this on its way out, before it leaves."""
        while True:
            jobs = self._tasks - self._loops
            if not jobs:
                return
            await asyncio.wait(jobs)

    async def __aenter__(self) -> Background:
        if self._group is not None or self._closing:
            raise RuntimeError(f"the tasks of {self.owner} were already started")
        group = asyncio.TaskGroup()
        await group.__aenter__()
        self._group = group
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        """Cancel every loop and job, and wait (at most `stop_seconds`) until they stopped.

        The owner's own exception, if any, goes on unchanged: the group never sees it, so it
        is not wrapped in an `ExceptionGroup`.
        """
        group, self._group = self._group, None
        if group is None or self._closing:
            return
        self._closing = True
        for task in list(self._tasks):
            task.cancel()
        stuck: set[asyncio.Task[None]] = set()
        if self._tasks:
            _, stuck = await asyncio.wait(set(self._tasks), timeout=self.stop_seconds)
        if stuck:
            for task in stuck:
                log.warning(
                    "%s: task %s did not stop within %.0f s of closing",
                    self.owner,
                    task.get_name(),
                    self.stop_seconds,
                )
            return  # leave the group behind rather than hang; its tasks never raise into it
        await group.__aexit__(None, None, None)

    def start(
        self,
        factory: Callable[[], Coroutine[Any, Any, object]],
        name: str,
        *,
        restart: bool = True,
    ) -> Job[None]:
        """Run `factory()` as a supervised loop for the owner's life (see the module docstring)."""
        job = self._run(self._supervise(factory, name, restart), name)
        self._loops.add(job._task)
        return job

    def spawn(self, coro: Coroutine[Any, Any, T], name: str) -> Job[T]:
        """Run `coro` as an owned one-shot task; its outcome is the returned job's `wait()`."""
        return self._run(coro, name)

    def _run(self, coro: Coroutine[Any, Any, T], name: str) -> Job[T]:
        if not self.running:
            coro.close()
            raise RuntimeError(f"{self.owner} is not running: cannot start {name}")
        assert self._group is not None
        outcome: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        task = self._group.create_task(self._guard(coro, outcome), name=name)
        self._tasks.add(task)

        def finished(task: asyncio.Task[None]) -> None:
            self._tasks.discard(task)
            self._loops.discard(task)
            coro.close()  # a task cancelled before its first step never started `coro`
            if not outcome.done():
                outcome.cancel()

        task.add_done_callback(finished)
        return Job(name, task, outcome)

    @staticmethod
    async def _guard(coro: Coroutine[Any, Any, T], outcome: asyncio.Future[T]) -> None:
        """Run `coro` and keep its outcome in `outcome`: nothing but a cancellation (or an
        interpreter exit) leaves this task, so the group never cancels the siblings."""
        try:
            result = await coro
        except asyncio.CancelledError:
            outcome.cancel()
            raise
        except Exception as exc:
            outcome.set_exception(exc)
        except BaseException:
            outcome.cancel()
            raise
        else:
            outcome.set_result(result)

    async def _supervise(
        self, factory: Callable[[], Coroutine[Any, Any, object]], name: str, restart: bool
    ) -> None:
        delay = self.first_backoff
        while True:
            began = time.monotonic()
            try:
                await factory()
                return
            except asyncio.CancelledError:
                raise
            except Exception:
                self.failures[name] = self.failures.get(name, 0) + 1
                if time.monotonic() - began > self.max_backoff:
                    delay = self.first_backoff  # it ran well for a while: start over
                again = f"; again in {delay:.2f} s" if restart else ""
                log.exception("%s: loop %s failed%s", self.owner, name, again)
                if not restart:
                    return
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.max_backoff)
