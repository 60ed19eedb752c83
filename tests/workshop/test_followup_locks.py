"""start_follow_up, remove and promote write every journey of their workshop under that
journey's lock, taken in one order (`commands.lock_order`), in-process over a memory store and
the single-node bus."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any, NamedTuple

import pytest
from pycrdt import Doc, Map

from journeyboard.settings import Settings
from journeyboard.stores.memory import MemoryStore
from journeyboard.web.services import Services
from journeyboard.workshop import journeys
from journeyboard.workshop.boards import Identity
from journeyboard.workshop.commands import journeys_key, lock_order

SECRET = "in-process-secret-0123456789abcdef"


class Spy:
    """Records the locks taken, in order, and which were held when a session was written."""

    def __init__(self, wired: Services) -> None:
        self.taken: list[str] = []
        self.held: set[str] = set()
        self.unlocked_writes: list[str] = []
        bus = wired.rooms.bus
        take = bus.board_lock
        change = wired.boards.change_session

        @contextlib.asynccontextmanager
        async def board_lock(board_id: str) -> AsyncIterator[None]:
            async with take(board_id):
                self.taken.append(board_id)
                self.held.add(board_id)
                try:
                    yield
                finally:
                    self.held.discard(board_id)

        async def change_session(board_id: str, changer: Callable[[Doc[Any]], Any]) -> Any:
            if board_id not in self.held:
                self.unlocked_writes.append(board_id)
            return await change(board_id, changer)

        bus.board_lock = board_lock  # type: ignore[method-assign]
        wired.boards.change_session = change_session  # type: ignore[method-assign]


@pytest.fixture
async def wired() -> AsyncIterator[Services]:
    """The services over a memory store and the single-node bus, rooms open."""
    services = Services.build(Settings(store_url="memory://", secret=SECRET), MemoryStore())
    await services.rooms.__aenter__()
    yield services
    await services.rooms.close()


class Workshop(NamedTuple):
    lead: Identity
    """Lea, the facilitator, joined on the root journey."""
    token: str
    """Lea's token."""
    ids: list[str]
    """The root journey, then two persona journeys."""
    links: dict[str, str]
    """The root's link tokens, by role."""


async def workshop_of_three(wired: Services) -> Workshop:
    boards = wired.boards
    created = await boards.create("Onboarding", template=None, persona="", scope="")
    root = created.board.id
    link = await boards.authenticate(root, created.tokens["facilitator"])
    _, token = await boards.join(link, "Lea", "CX", address="10.0.0.1")
    lead = await boards.authenticate(root, token)
    added = [
        (await journeys.add_journey(boards, lead, {"relation": "persona"})).id for _ in range(2)
    ]
    return Workshop(lead, token, [root, *added], dict(created.tokens))


async def test_a_follow_up_takes_every_journeys_lock_in_one_order(wired: Services) -> None:
    _, token, ids, _ = await workshop_of_three(wired)
    root = ids[0]
    # Started from a persona journey: its own lock is not taken first.
    other = await wired.boards.authenticate(ids[2], token)
    await wired.commands.run(other, {"type": "set_phase", "phase": "action_plan"}, "x")
    spy = Spy(wired)
    done = await wired.commands.run(other, {"type": "start_follow_up", "phase": "discovery"}, "x")
    assert sorted(done["result"]["journeys"]) == sorted(ids)
    assert spy.taken == [journeys_key(root), *sorted(ids[1:]), root]
    assert spy.unlocked_writes == []
    for journey in ids:
        number = await wired.boards.read_session(
            journey, lambda doc: doc.get("session", type=Map).get("number")
        )
        assert number == 2


async def test_a_follow_up_waits_for_a_command_on_another_journey(wired: Services) -> None:
    """While another journey's lock is held (a command running there), the follow-up writes
    nothing to that journey; it goes on once the lock is free."""
    lead, _, ids, _ = await workshop_of_three(wired)
    await wired.commands.run(lead, {"type": "set_phase", "phase": "action_plan"}, "x")
    spy = Spy(wired)
    busy = asyncio.Event()
    release = asyncio.Event()

    async def other_command() -> None:
        async with wired.rooms.bus.board_lock(ids[1]):
            busy.set()
            await release.wait()

    holder = asyncio.create_task(other_command())
    await busy.wait()
    follow_up = asyncio.create_task(
        wired.commands.run(lead, {"type": "start_follow_up", "phase": "discovery"}, "x")
    )
    # Let the follow-up run as far as it can (the memory store answers at once): it stops
    # at the held lock, having written nothing.
    for _ in range(200):
        await asyncio.sleep(0)
    assert not follow_up.done()
    assert journeys_key(ids[0]) in spy.taken and spy.taken.count(ids[1]) == 1  # the holder
    numbers = [
        await wired.boards.read_session(
            journey, lambda doc: doc.get("session", type=Map).get("number", 1)
        )
        for journey in ids
    ]
    assert numbers == [1, 1, 1]
    release.set()
    await holder
    await follow_up
    assert spy.unlocked_writes == []
    assert lock_order(ids[0], ids) == [*sorted(ids[1:]), ids[0]]


async def test_remove_and_promote_hold_every_journeys_lock(wired: Services) -> None:
    _, token, ids, links = await workshop_of_three(wired)
    root, boards = ids[0], wired.boards
    people = []
    for name in ("Ann", "Bo"):
        joining = await boards.authenticate(root, links["participant"])
        person, _ = await boards.join(joining, name, "Ops", address="10.0.0.2")
        people.append(person.id)
    other = await boards.authenticate(ids[2], token)
    spy = Spy(wired)
    await wired.commands.run(other, {"type": "promote", "participant": people[0]}, "x")
    await wired.commands.run(other, {"type": "remove", "participant": people[1]}, "x")
    expected = [journeys_key(root), *sorted(ids[1:]), root]
    assert spy.taken == expected * 2
    assert spy.unlocked_writes == []
