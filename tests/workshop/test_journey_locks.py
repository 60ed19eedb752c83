"""Workshop-level commands on two journeys at once (issue #27): a command that acts on several
journeys of a workshop takes their locks in one global order and never holds two journeys'
locks the other way round, so two of them from two journeys finish instead of waiting for each
other for ever. In-process, over a memory store and the single-node bus."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest

from journeyboard.settings import Settings
from journeyboard.stores.memory import MemoryStore
from journeyboard.web.services import Services
from journeyboard.workshop import journeys
from journeyboard.workshop.boards import BoardService, Identity
from journeyboard.workshop.commands import CommandRunner

SECRET = "in-process-secret-0123456789abcdef"
DEADLINE_S = 10.0


@dataclass
class Workshop:
    boards: BoardService
    runner: CommandRunner
    root: str
    other: str
    links: dict[str, str]

    async def person(self, board: str, role: str, name: str) -> tuple[str, str]:
        """(participant id, personal token) of someone who joined on `board`."""
        link = await self.boards.authenticate(board, self.links[role])
        person, token = await self.boards.join(link, name, "CX", address="10.0.0.1")
        return person.id, token

    async def run(self, board: str, token: str, **body: Any) -> dict[str, Any]:
        identity = await self.boards.authenticate(board, token)
        return await self.runner.run(identity, body, "http://test")


@pytest.fixture
async def workshop() -> AsyncIterator[Workshop]:
    store = MemoryStore()
    wired = Services.build(
        Settings(store_url="memory://", secret=SECRET, grace_seconds=0.05), store
    )
    await wired.rooms.__aenter__()
    created = await wired.boards.create("Claims", template=None, persona="", scope="")
    root = created.board.id
    lead: Identity = await wired.boards.authenticate(root, created.tokens["facilitator"])
    added = await journeys.add_journey(wired.boards, lead, {"relation": "persona"})
    yield Workshop(wired.boards, wired.commands, root, added.id, dict(created.tokens))
    await wired.rooms.close()


async def within_deadline(*commands: Any) -> list[Any]:
    return list(await asyncio.wait_for(asyncio.gather(*commands), DEADLINE_S))


async def test_two_removes_from_two_journeys_both_finish(workshop: Workshop) -> None:
    _, lea = await workshop.person(workshop.root, "facilitator", "Lea")
    _, max_ = await workshop.person(workshop.other, "facilitator", "Max")
    for round_ in range(3):  # facilitators removed: both commands rotate the workshop's link
        fay, _ = await workshop.person(workshop.root, "participant", f"Fay {round_}")
        gus, _ = await workshop.person(workshop.other, "participant", f"Gus {round_}")
        await workshop.run(workshop.root, lea, type="promote", participant=fay)
        await workshop.run(workshop.other, max_, type="promote", participant=gus)
        first, second = await within_deadline(
            workshop.run(workshop.root, lea, type="remove", participant=gus),
            workshop.run(workshop.other, max_, type="remove", participant=fay),
        )
        assert first["result"]["removed"] is True and second["result"]["removed"] is True
        assert first["result"]["rotated"] == second["result"]["rotated"] == ["facilitator"]


async def test_remove_promote_rotate_and_follow_up_from_two_journeys(workshop: Workshop) -> None:
    _, lea = await workshop.person(workshop.root, "facilitator", "Lea")
    _, max_ = await workshop.person(workshop.other, "facilitator", "Max")
    ann, _ = await workshop.person(workshop.root, "participant", "Ann")
    bo, _ = await workshop.person(workshop.other, "participant", "Bo")
    for board in (workshop.root, workshop.other):
        for phase in ("discovery", "pain_points", "solution_rating", "action_plan"):
            await workshop.run(board, lea, type="set_phase", phase=phase)
    results = await within_deadline(
        workshop.run(workshop.root, lea, type="remove", participant=bo),
        workshop.run(workshop.other, max_, type="promote", participant=ann),
        workshop.run(workshop.other, max_, type="rotate_link", role="participant"),
        workshop.run(workshop.root, lea, type="rotate_link", role="viewer"),
        workshop.run(workshop.other, max_, type="start_follow_up", phase="discovery"),
    )
    assert results[0]["result"]["removed"] is True
    assert results[1]["result"]["role"] == "facilitator"
    assert results[4]["result"]["journeys"][0] == workshop.other
    assert set(results[4]["result"]["journeys"]) == {workshop.root, workshop.other}
