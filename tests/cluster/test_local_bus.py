"""The single node's bus: nothing to tell anyone, and an in-process board lock."""

from __future__ import annotations

import asyncio

from journeyboard.cluster.local import LocalBus
from waiting import turns, wait_until


async def test_board_lock_admits_one_command_at_a_time() -> None:
    async with LocalBus() as bus:
        inside = peak = started = done = 0
        count = 30

        async def command(arrives_after: int) -> None:
            nonlocal inside, peak, started, done
            await turns(arrives_after)
            started += 1
            async with bus.board_lock("board"):
                inside += 1
                peak = max(peak, inside)
                # Held until another command waits for it, or none is left to come.
                await wait_until(lambda: started - done > 1 or done == count - 1, timeout=5)
                inside -= 1
            done += 1

        # Staggered arrivals: some come while a released lock is being handed to a waiter.
        await asyncio.gather(*(command(i) for i in range(count)))
        assert peak == 1
