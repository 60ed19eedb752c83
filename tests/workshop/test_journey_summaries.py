"""The journeys listing's reading of each document (issue #27, workshop/summaries.py): in a
worker thread, remembered while the document does not change, from the room when one is open
and from the store (opening no room) when none is. In-process, over a memory store."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from typing import Any

import pytest
from pycrdt import Doc, Map, Text

from journeyboard.settings import Settings
from journeyboard.stores.memory import MemoryStore
from journeyboard.web.services import Services
from journeyboard.workshop import documents, journeys, summaries
from journeyboard.workshop.boards import Identity

SECRET = "in-process-secret-0123456789abcdef"


@pytest.fixture
async def wired() -> AsyncIterator[tuple[Services, Identity]]:
    store = MemoryStore()
    services = Services.build(
        Settings(store_url="memory://", secret=SECRET, grace_seconds=60), store
    )
    await services.rooms.__aenter__()
    created = await services.boards.create("Claims", template=None, persona="", scope="")
    lead = await services.boards.authenticate(created.board.id, created.tokens["facilitator"])
    yield services, lead
    await services.rooms.close()


class Counting:
    """A reader that counts its calls and notes the thread each ran in."""

    def __init__(self) -> None:
        self.calls = 0
        self.threads: set[int] = set()

    def __call__(self, doc: Doc[Any]) -> int:
        self.calls += 1
        self.threads.add(threading.get_ident())
        return len(doc.get("cards", type=Map))


def add_card(card_id: str, kind: str = "pain") -> Any:
    def change(doc: Doc[Any]) -> None:
        doc.get("cards", type=Map)[card_id] = Map({"kind": kind, "text": Text(card_id)})

    return change


async def test_a_room_is_read_once_per_version_off_the_loop(
    wired: tuple[Services, Identity],
) -> None:
    services, lead = wired
    name = documents.content_name(lead.board.id)
    readings, reader = summaries.Readings(), Counting()
    await services.boards.change_doc(name, add_card("a"))  # the room is open now
    assert name in services.rooms.rooms
    assert await summaries.read(services.boards, name, reader, readings) == 1
    assert await summaries.read(services.boards, name, reader, readings) == 1
    assert reader.calls == 1
    assert threading.get_ident() not in reader.threads
    await services.boards.change_doc(name, add_card("b"))
    assert await summaries.read(services.boards, name, reader, readings) == 2
    assert reader.calls == 2


async def test_a_closed_document_is_read_from_the_store_without_a_room(
    wired: tuple[Services, Identity],
) -> None:
    services, lead = wired
    name = documents.content_name(lead.board.id)
    update = Doc()
    update.get("cards", type=Map)["a"] = Map({"kind": "pain", "text": Text("a")})
    await services.boards.update_log.append_update(name, update.get_update())
    readings, reader = summaries.Readings(), Counting()
    assert name not in services.rooms.rooms
    assert await summaries.read(services.boards, name, reader, readings) == 1
    assert await summaries.read(services.boards, name, reader, readings) == 1
    assert reader.calls == 1
    assert name not in services.rooms.rooms  # no room was opened for it
    more = Doc()
    more.apply_update(update.get_update())
    more.get("cards", type=Map)["b"] = Map({"kind": "pain", "text": Text("b")})
    await services.boards.update_log.append_update(name, more.get_update(update.get_state()))
    assert await summaries.read(services.boards, name, reader, readings) == 2
    assert reader.calls == 2


async def test_the_listing_follows_changes_to_open_and_closed_journeys(
    wired: tuple[Services, Identity],
) -> None:
    services, lead = wired
    added = await journeys.add_journey(services.boards, lead, {"relation": "persona"})

    def counts() -> Any:
        return journeys.list_journeys(services.boards, lead)

    listed = await counts()
    assert [j["counts"]["pains"] for j in listed["journeys"]] == [0, 0]
    await services.boards.change_doc(documents.content_name(added.id), add_card("p1"))
    await services.boards.change_doc(
        documents.content_name(lead.board.id), add_card("s", "solution")
    )
    listed = await counts()
    assert [j["counts"]["pains"] for j in listed["journeys"]] == [0, 1]
    assert [j["counts"]["solutions"] for j in listed["journeys"]] == [1, 0]
    await services.boards.change_session(
        added.id, lambda doc: doc.get("session", type=Map).__setitem__("phase", "discovery")
    )
    listed = await counts()
    assert [j["phase"] for j in listed["journeys"]] == ["lobby", "discovery"]
