"""Private writing in-process: a reveal cut off before each of its writes is finished, exactly
once, by the next node that runs one (over the same memory store, as after a restart)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from pycrdt import Doc, Map, Text

from journeyboard.settings import Settings
from journeyboard.stores.memory import MemoryStore
from journeyboard.web.services import Services
from journeyboard.workshop import documents, drafts
from journeyboard.workshop.boards import BoardService

SECRET = "in-process-secret-0123456789abcdef"


class Killed(BaseException):
    """The process died here (nothing after it runs)."""


def node(store: MemoryStore) -> Services:
    return Services.build(Settings(store_url="memory://", secret=SECRET, grace_seconds=0.05), store)


def add_draft(card_id: str, text: str) -> Callable[[Doc[Any]], None]:
    def edit(doc: Doc[Any]) -> None:
        doc.get("cards", type=Map)[card_id] = Map(
            {"kind": "pain", "stage": "s", "pos": card_id, "text": Text(text)}
        )

    return edit


async def cards_of(boards: BoardService, name: str) -> dict[str, Any]:
    return await boards.read_doc(name, lambda d: documents.plain(d.get("cards", type=Map), {}))


async def board_of(
    boards: BoardService, title: str, names: tuple[str, ...]
) -> tuple[str, list[str]]:
    """A new board, and the ids of the people who joined it with `names`."""
    created = await boards.create(title, template=None, persona="", scope="")
    board_id = created.board.id
    link = await boards.authenticate(board_id, created.tokens["participant"])
    people = []
    for name in names:
        person, _ = await boards.join(link, name, "", address="10.0.0.1")
        people.append(person.id)
    return board_id, people


@dataclass(frozen=True)
class Writer:
    """Ann on a board of a node over a memory store, and her private document."""

    store: MemoryStore
    boards: BoardService
    board_id: str
    person_id: str

    @property
    def private(self) -> str:
        return documents.private_name(self.board_id, self.person_id)


@contextlib.asynccontextmanager
async def one_writer(title: str) -> AsyncIterator[Writer]:
    store = MemoryStore()
    wired = node(store)
    await wired.rooms.__aenter__()
    try:
        board_id, (person_id,) = await board_of(wired.boards, title, ("Ann",))
        yield Writer(store, wired.boards, board_id, person_id)
    finally:
        await wired.rooms.close()


def test_lanes_of_unknown_kinds_are_the_notes_lane() -> None:
    assert drafts.lane_of("pain") == "pain"
    assert drafts.lane_of("bogus") == drafts.lane_of(None) == "note"


@pytest.mark.parametrize(("cut", "finish"), [(n, "reveal") for n in range(8)] + [(2, "socket")])
async def test_a_reveal_cut_at_any_write_is_finished_exactly_once(cut: int, finish: str) -> None:
    """`finish`: the next reveal finishes it, or the next private socket (`drafts.recover`,
    which admission runs before it opens a private document)."""
    store = MemoryStore()
    first = node(store)
    await first.rooms.__aenter__()
    boards = first.boards
    board_id, people = await board_of(boards, "Reveal", ("Ann", "Bo"))
    expected = {}
    for n, person in enumerate(people):
        for m in range(3):
            card_id = f"p{n}c{m}"
            expected[card_id] = f"text {card_id}"
            await boards.change_doc(
                documents.private_name(board_id, person), add_draft(card_id, expected[card_id])
            )
    real = boards.change_doc
    calls = 0

    async def dying(name: str, change: Callable[[Doc[Any]], Any]) -> Any:
        nonlocal calls
        calls += 1
        if calls > cut:
            raise Killed
        return await real(name, change)

    boards.change_doc = dying  # type: ignore[method-assign]
    finished = True
    try:
        async with boards.rooms.bus.board_lock(board_id):
            await drafts.reveal(boards, board_id, people)
    except Killed:
        finished = False
    boards.change_doc = real  # type: ignore[method-assign]
    await first.rooms.close()
    # A reveal of two people writes 7 times: journal, content, two private documents, counts
    # (drafts document, session), journal again.
    assert finished == (cut >= 7)

    second = node(store)  # a new process over the same store
    await second.rooms.__aenter__()
    try:
        if finish == "socket":
            await drafts.recover(second.boards, board_id)
        else:
            async with second.rooms.bus.board_lock(board_id):
                await drafts.reveal(second.boards, board_id, people)
        content = await cards_of(second.boards, documents.content_name(board_id))
        assert {key: card["text"] for key, card in content.items()} == expected
        for person in people:
            private = documents.private_name(board_id, person)
            assert await cards_of(second.boards, private) == {}
        journal = await second.boards.read_doc(
            documents.drafts_name(board_id), lambda d: dict(d.get("journal", type=Map))
        )
        assert journal == {}
        total = await second.boards.read_session(
            board_id, lambda d: d.get("session", type=Map).get("drafts_total")
        )
        assert total == 0
    finally:
        await second.rooms.close()


async def test_compaction_drops_emptied_drafts_from_the_store() -> None:
    async with one_writer("Compact") as ann:
        store, boards, board_id, private = ann.store, ann.boards, ann.board_id, ann.private
        await boards.change_doc(private, add_draft("gone", "WITHDRAWNIDEA"))
        await boards.change_doc(private, add_draft("kept", "SHOWNIDEA"))

        def withdraw(doc: Doc[Any]) -> None:
            del doc.get("cards", type=Map)["gone"]

        await boards.change_doc(private, withdraw)  # the writer deleted one draft
        async with boards.rooms.bus.board_lock(board_id):
            assert await drafts.reveal(boards, board_id, [ann.person_id]) == 1
        # Before compaction the log still holds both texts (a merge would keep them too).
        assert b"WITHDRAWNIDEA" in b"".join(await store.load_document(private))
        await store.compact_document(private)
        stored = b"".join(await store.load_document(private))
        assert b"WITHDRAWNIDEA" not in stored and b"SHOWNIDEA" not in stored
        # The drafts document forgets who had drafts once the journal and counts are done.
        journal = documents.drafts_name(board_id)
        await store.compact_document(journal)
        assert ann.person_id.encode() not in b"".join(await store.load_document(journal))


async def test_odd_drafts_are_read_tolerantly() -> None:
    async with one_writer("Odd") as ann:
        boards, board_id, private = ann.boards, ann.board_id, ann.private

        def odd(doc: Doc[Any]) -> None:
            cards = doc.get("cards", type=Map)
            cards["junk"] = "not a card"
            cards["bare"] = Map({"kind": "bogus", "author": "someone else", "emotion": 2})

        await boards.change_doc(private, odd)
        counts = await boards.read_doc(private, drafts.draft_counts)
        assert counts == {"note": 1}
        async with boards.rooms.bus.board_lock(board_id):
            assert await drafts.reveal(boards, board_id, [ann.person_id]) == 1
        content = await cards_of(boards, documents.content_name(board_id))
        assert content["bare"] == {
            "kind": "bogus",
            "emotion": 2,
            "text": "",
            "author": "Ann",
            "author_id": ann.person_id,
        }
        assert "junk" not in content
