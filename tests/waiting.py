"""Waiting in tests: on an event where there is one, else on a condition with a deadline.

Never a bare sleep that only lets time pass: it is too short on a loaded machine and too long
everywhere else. `wait_until` returns as soon as the condition holds and fails with a clear
message when the deadline passes first.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")

POLL = 0.005
"""Seconds between two looks at a condition that has no event to wait on."""


async def wait_until(
    predicate: Callable[[], T], timeout: float = 10.0, what: str = "the condition"
) -> T:
    """Poll `predicate` until it returns something true (returned) or `timeout` passes."""
    deadline = time.monotonic() + timeout
    while not (value := predicate()):
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not hold within {timeout} s")
        await asyncio.sleep(POLL)
    return value


async def wait_for_value(
    read: Callable[[], Awaitable[T]],
    accept: Callable[[T], object],
    timeout: float = 10.0,
    what: str = "the value",
) -> T:
    """Read (awaiting `read`) until `accept` takes the value (returned) or `timeout` passes."""
    deadline = time.monotonic() + timeout
    while not accept(value := await read()):
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} was still {value!r} after {timeout} s")
        await asyncio.sleep(POLL)
    return value


def wait_until_sync(
    predicate: Callable[[], T], timeout: float = 20.0, what: str = "the condition"
) -> T:
    """`wait_until` for code outside an event loop (starting a server process, say)."""
    deadline = time.monotonic() + timeout
    while not (value := predicate()):
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not hold within {timeout} s")
        time.sleep(POLL * 10)
    return value


async def turns(count: int = 1) -> None:
    """Let the event loop run `count` times round: tasks that are ready take one step each."""
    for _ in range(count):
        await asyncio.sleep(0)


class Pace:
    """Holds a client to `rate` sends a second, for the tests of rules about time itself (a
    room that measures its fan-out per second). It does not wait for anything to happen: the
    time between two sends is what such a test varies, so it is named, not a bare sleep."""

    def __init__(self, rate: float) -> None:
        self.interval = 1.0 / rate
        self.due = time.monotonic()

    async def __call__(self) -> None:
        """Return at the next slot (at once if the caller is already late)."""
        self.due = max(self.due + self.interval, time.monotonic())
        await asyncio.sleep(max(0.0, self.due - time.monotonic()))
