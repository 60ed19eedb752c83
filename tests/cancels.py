"""A stand-in for a client library's blocking read that swallows the cancel reaching it.

redis-py can turn a cancellation that arrives mid-read into a TimeoutError (an OSError), or
drop it. `SwallowedRead.read` blocks until cancelled and then does the same, while
`swallowing` holds. `release` lets a failing test stop what it left running, instead of
hanging the test's loop on it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any


class SwallowedRead:
    def __init__(self, error: type[Exception] | None = TimeoutError) -> None:
        self.error = error
        """What the cancel turns into; None: it is dropped (the read returns None)."""
        self.entered = asyncio.Event()
        self.swallowing = True

    async def read(self, *args: Any, **kwargs: Any) -> Any:
        self.entered.set()
        try:
            await asyncio.Event().wait()  # blocks as a read on a quiet socket does
        except asyncio.CancelledError:
            if not self.swallowing:
                raise
            if self.error is not None:
                raise self.error("Timeout reading from socket") from None
        return None

    async def release(self, tasks: Iterable[asyncio.Task[Any]]) -> None:
        """Stop swallowing, and cancel and await `tasks`."""
        self.swallowing = False
        left = list(tasks)
        for task in left:
            task.cancel()
        await asyncio.gather(*left, return_exceptions=True)
