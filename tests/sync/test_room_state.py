"""A room's life as named states (`RoomState`): loading, open, closing, closed, with the
allowed transitions in one table (`ROOM_TRANSITIONS`); every other transition is refused."""

from __future__ import annotations

import asyncio
import itertools

import pytest

from journeyboard.stores.memory import MemoryStore
from journeyboard.sync.room import Room
from journeyboard.sync.room_state import (
    ROOM_TRANSITIONS,
    IllegalTransition,
    RoomClosed,
    RoomState,
    check_transition,
)
from sync.fakes import FakeChannel, RecordingBus

ALLOWED = [
    (old, new)
    for old, new in itertools.product(RoomState, RoomState)
    if new in ROOM_TRANSITIONS[old]
]
ILLEGAL = [
    (old, new)
    for old, new in itertools.product(RoomState, RoomState)
    if new not in ROOM_TRANSITIONS[old]
]


def test_the_table_names_every_state_and_the_life_a_room_goes_through() -> None:
    assert set(ROOM_TRANSITIONS) == set(RoomState)
    assert ALLOWED == [  # in the enum's order
        (RoomState.LOADING, RoomState.OPEN),
        (RoomState.LOADING, RoomState.CLOSING),
        (RoomState.OPEN, RoomState.CLOSING),
        (RoomState.CLOSING, RoomState.CLOSED),
    ]


@pytest.mark.parametrize(("old", "new"), ALLOWED, ids=lambda s: s.value)
def test_an_allowed_transition_passes(old: RoomState, new: RoomState) -> None:
    check_transition(old, new)


@pytest.mark.parametrize(("old", "new"), ILLEGAL, ids=lambda s: s.value)
def test_an_illegal_transition_is_refused_with_both_states(old: RoomState, new: RoomState) -> None:
    with pytest.raises(IllegalTransition) as refused:
        check_transition(old, new)
    assert (refused.value.old, refused.value.new) == (old, new)
    assert old.value in str(refused.value) and new.value in str(refused.value)


async def test_a_room_goes_from_loading_to_open_to_closed() -> None:
    room = Room("doc", MemoryStore(), RecordingBus())
    assert room.state is RoomState.LOADING and not room.ready.is_set()
    await room.load()
    assert room.state is RoomState.OPEN and room.ready.is_set() and not room.closed
    room.close(1001, "bye")
    assert room.state is RoomState.CLOSED and room.closed


async def test_a_room_is_closing_while_its_sockets_are_closed() -> None:
    room = Room("doc", MemoryStore(), RecordingBus())
    await room.load()
    seen: list[RoomState] = []

    class Watching(FakeChannel):
        def close(self, code: int, reason: str) -> None:
            seen.append(room.state)
            with pytest.raises(RoomClosed):  # no work while it closes
                room.connect(FakeChannel(), can_write=True)
            super().close(code, reason)

    room.connect(Watching(), can_write=True)
    room.close(1001, "bye")
    assert seen == [RoomState.CLOSING] and room.state is RoomState.CLOSED


async def test_loading_an_open_room_again_is_refused() -> None:
    room = Room("doc", MemoryStore(), RecordingBus())
    await room.load()
    with pytest.raises(IllegalTransition):
        await room.load()
    assert room.state is RoomState.OPEN


async def test_closing_a_closed_room_again_changes_nothing() -> None:
    room = Room("doc", MemoryStore(), RecordingBus())
    await room.load()
    room.close(1011, "store unavailable")
    room.close(1001, "server shutting down")
    assert room.state is RoomState.CLOSED
    with pytest.raises(RoomClosed, match="store unavailable"):  # the first cause stays
        room.connect(FakeChannel(), can_write=True)


async def test_a_room_closed_while_it_loads_stays_closed() -> None:
    room = Room("doc", MemoryStore(), RecordingBus())
    loading = asyncio.create_task(room.load())
    await asyncio.sleep(0)  # the load waits for the store
    assert room.state is RoomState.LOADING
    room.close(1001, "server shutting down")
    await loading
    assert room.state is RoomState.CLOSED and room.ready.is_set()
    with pytest.raises(RoomClosed):  # and a closed room does not load
        await room.load()
