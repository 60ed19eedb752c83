"""The single node's bus: nothing to tell anyone, and an in-process board lock."""

from __future__ import annotations

import asyncio

from journeyboard.cluster.local import LocalBus


async def test_board_lock_admits_one_command_at_a_time() -> None:
    async with LocalBus() as bus:
        inside = peak = 0

        async def command(arrives_after: float) -> None:
            nonlocal inside, peak
            await asyncio.sleep(arrives_after)
            async with bus.board_lock("board"):
                inside += 1
                peak = max(peak, inside)
                await asyncio.sleep(0.01)
                inside -= 1

        # Staggered arrivals: some come while a released lock is being handed to a waiter.
        await asyncio.gather(*(command(i * 0.004) for i in range(30)))
        assert peak == 1
