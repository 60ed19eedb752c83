"""Private writing: drafts in each person's private document, their counts, and the reveal.

While private writing is on (`session.private_writing`), a writer's new cards go to their own
private document (`documents.private_name`), which only their personal token opens. Everyone
else learns only counts, which the server keeps in the session document: `drafts` (person id
-> lane -> count) and `session.drafts_total`; in anonymous mode (`session.anonymous`) only the
total. The per-person counts themselves live in the board's drafts document
(`documents.drafts_name`), which no socket and no HTTP read can reach.

A reveal (everyone's drafts) or a publish (one person's) moves drafts into the content document
as one server-origin transaction, exactly once across a process kill, in four steps that are
each safe to run again:

1. the drafts document's `journal` gets an entry (reveal id -> person -> card ids): the intent;
2. one content transaction adds every listed draft still in its private document (same card
   id, fields, stage, lane and position; author name and id, or none in anonymous mode) and
   the marker
   `reveals[reveal id]` in the content document;
3. each private document drops the listed drafts;
4. the counts are written again and the journal entry is deleted.

After a kill, the next reveal, publish or private socket of the board finishes an entry left in
the journal (`recover`): if the content document holds its marker, step 2 happened and is not
repeated; if not, no draft of it was shown to anyone and step 2 runs now. A card id already in
the content document is never added twice.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any, Final

from pycrdt import Array, Doc, Map, Text

from journeyboard import schema
from journeyboard.tasks import Background
from journeyboard.workshop import documents
from journeyboard.workshop.boards import BoardService, now_ms
from journeyboard.workshop.commands import CommandContext, Handler, session_map

log = logging.getLogger(__name__)

_LANES: Final = schema.load("lanes.json")
LANE_KINDS: Final[tuple[str, ...]] = tuple(str(lane["kind"]) for lane in _LANES["lanes"])
UNKNOWN_LANE: Final = str(_LANES["unknown_kind"])
REVEALS_ROOT: Final = "reveals"
"""The content document's root map of reveal markers (reveal id -> {at_ms, cards})."""

Counts = dict[str, int]
"""Drafts per lane (card kind)."""


def lane_of(kind: object) -> str:
    return kind if isinstance(kind, str) and kind in LANE_KINDS else UNKNOWN_LANE


def draft_counts(doc: Doc[Any]) -> Counts:
    """A private document's drafts per lane (tolerant: entries that are not maps are no
    drafts)."""
    counts: Counts = {}
    for card in _cards(doc).values():
        lane = lane_of(card.get("kind"))
        counts[lane] = counts.get(lane, 0) + 1
    return counts


def _cards(doc: Doc[Any]) -> dict[str, Map[Any]]:
    """A private document's drafts by card id (tolerant: a root of another type, or an entry
    that is not a map, holds no draft)."""
    try:
        cards: Map[Any] = doc.get("cards", type=Map)
    except Exception:  # a client made the root another type
        return {}
    return {str(key): card for key, card in cards.items() if isinstance(card, Map)}


def _delete_cards(doc: Doc[Any], ids: Iterable[str]) -> None:
    try:
        cards: Map[Any] = doc.get("cards", type=Map)
    except Exception:  # pragma: no cover - nothing to delete then
        return
    for card_id in ids:
        if card_id in cards:
            del cards[card_id]


def _draft_fields(card: Map[Any]) -> dict[str, Any]:
    """A draft's fields as the content document gets them: text as text, other JSON values as
    they are; nested shared types other than the text, and the author fields, are left out (the
    server sets the author)."""
    fields: dict[str, Any] = {}
    for key, value in card.items():
        if key in ("author", "author_id"):
            continue
        if key == "text":
            fields["text"] = str(value) if isinstance(value, Text) else documents.plain(value, "")
            continue
        read = documents.plain(value)
        if read is None or isinstance(read, bool | str | int | float):
            fields[str(key)] = read
    if not isinstance(fields.get("text"), str):
        fields["text"] = ""
    return fields


def _is_anonymous(doc: Doc[Any]) -> bool:
    return bool(doc.get("session", type=Map).get("anonymous", False))


# counts ------------------------------------------------------------------------------------


async def _private_counts(boards: BoardService, board_id: str, person_id: str) -> Counts:
    return await boards.read_doc(documents.private_name(board_id, person_id), draft_counts)


async def publish_counts(boards: BoardService, board_id: str, people: Iterable[str]) -> None:
    """Count the named people's drafts again and show the counts (call under the board lock).

    The drafts document keeps every person's counts; the session document shows them per
    person and lane, or only the total in anonymous mode.
    """
    fresh = {person: await _private_counts(boards, board_id, person) for person in people}

    def keep(doc: Doc[Any]) -> dict[str, Counts]:
        counts = doc.get("counts", type=Map)
        for person, lanes in fresh.items():
            if not lanes:
                if person in counts:
                    del counts[person]
            elif documents.plain(counts.get(person)) != lanes:
                counts[person] = Map(lanes)
        return {
            str(person): dict(documents.plain(lanes, {}) or {}) for person, lanes in counts.items()
        }

    every = await boards.change_doc(documents.drafts_name(board_id), keep)
    await boards.change_session(board_id, lambda doc: show_counts(doc, every))


def show_counts(doc: Doc[Any], every: dict[str, Counts]) -> None:
    """The session document's `drafts` and `session.drafts_total` for everyone's counts."""
    session = doc.get("session", type=Map)
    shown = doc.get("drafts", type=Map)
    total = sum(
        int(n) for lanes in every.values() for n in lanes.values() if isinstance(n, int | float)
    )
    if session.get("drafts_total") != total:
        session["drafts_total"] = total
    visible = {} if _is_anonymous(doc) else every
    for person in [key for key in shown if key not in visible]:
        del shown[person]
    for person, lanes in visible.items():
        if documents.plain(shown.get(person)) != lanes:
            shown[person] = Map(lanes)


class DraftCounter:
    """Counts a private document's drafts again after its writer sent something, in the node's
    background: one job at a time, which takes every document marked meanwhile."""

    def __init__(self) -> None:
        self.boards: BoardService | None = None
        self.tasks: Background | None = None
        self._dirty: set[str] = set()
        self._running = False

    def attach(self, boards: BoardService, tasks: Background) -> None:
        self.boards = boards
        self.tasks = tasks

    def changed(self, name: str) -> None:
        """A private document may have changed (its writer sent an update)."""
        self._dirty.add(name)
        if not self._running and self.tasks is not None and self.tasks.running:
            self._running = True
            self.tasks.spawn(self._count(), "draft counts")

    async def _count(self) -> None:
        try:
            while self._dirty and self.boards is not None:
                dirty, self._dirty = self._dirty, set()
                by_board: dict[str, set[str]] = {}
                for name in dirty:
                    board_id, _, person = name.partition(documents.PRIVATE_INFIX)
                    by_board.setdefault(board_id, set()).add(person)
                for board_id, people in by_board.items():
                    try:
                        async with self.boards.rooms.bus.board_lock(board_id):
                            await publish_counts(self.boards, board_id, people)
                    except Exception:
                        log.exception("could not count the drafts of %s", board_id)
        finally:
            self._running = False


# the reveal --------------------------------------------------------------------------------


def _journal(doc: Doc[Any]) -> dict[str, dict[str, list[str]]]:
    out: dict[str, dict[str, list[str]]] = {}
    for reveal_id, entry in doc.get("journal", type=Map).items():
        people = documents.plain(entry, {})
        if isinstance(people, dict):
            out[str(reveal_id)] = {
                str(person): [str(card) for card in ids]
                for person, ids in people.items()
                if isinstance(ids, list)
            }
    return out


async def _drafts_of(boards: BoardService, board_id: str, person_id: str) -> list[str]:
    def ids(doc: Doc[Any]) -> list[str]:
        return list(_cards(doc))

    return await boards.read_doc(documents.private_name(board_id, person_id), ids)


def write_intent(doc: Doc[Any], reveal_id: str, moving: dict[str, list[str]]) -> None:
    """Step 1 in the drafts document: the reveal's journal entry (person -> card ids)."""
    doc.get("journal", type=Map)[reveal_id] = Map(
        {person: Array(ids) for person, ids in moving.items()}
    )


def write_reveal(
    doc: Doc[Any],
    reveal_id: str,
    drafts: list[tuple[str, str, dict[str, Any]]],
    names: dict[str, str] | None,
    at_ms: int,
) -> int:
    """Step 2 in the content document: add each (person, card id, fields) draft whose id is
    not there yet, with its author's name and id (`names`; None: anonymous, no author), and
    the reveal's marker. Return how many cards were added."""
    cards = doc.get("cards", type=Map)
    added = 0
    for person, card_id, fields in drafts:
        if card_id in cards:
            continue
        entry: dict[str, Any] = {**fields, "text": Text(fields["text"])}
        if names is not None:  # as the client writes a card's author
            entry["author"] = names.get(person, "")
            entry["author_id"] = person
        cards[card_id] = Map(entry)
        added += 1
    doc.get(REVEALS_ROOT, type=Map)[reveal_id] = Map({"at_ms": at_ms, "cards": added})
    return added


async def reveal(boards: BoardService, board_id: str, people: Iterable[str]) -> int:
    """Move the named people's drafts into the content document (call under the board lock);
    return how many moved. An entry a kill left in the journal is finished first."""
    await recover_locked(boards, board_id)
    moving: dict[str, list[str]] = {}
    for person in people:
        ids = await _drafts_of(boards, board_id, person)
        if ids:
            moving[person] = ids
    if not moving:
        return 0
    reveal_id = documents.new_id()

    await boards.change_doc(
        documents.drafts_name(board_id), lambda doc: write_intent(doc, reveal_id, moving)
    )
    return await _finish(boards, board_id, reveal_id, moving)


async def recover(boards: BoardService, board_id: str) -> None:
    """Finish a reveal a kill interrupted, if the journal holds one (takes the board lock)."""
    pending = await boards.read_doc(documents.drafts_name(board_id), _journal)
    if pending:
        async with boards.rooms.bus.board_lock(board_id):
            await recover_locked(boards, board_id)


async def recover_locked(boards: BoardService, board_id: str) -> None:
    pending = await boards.read_doc(documents.drafts_name(board_id), _journal)
    for reveal_id, moving in pending.items():
        log.warning("finishing the interrupted reveal %s of %s", reveal_id, board_id)
        await _finish(boards, board_id, reveal_id, moving)


async def _finish(
    boards: BoardService, board_id: str, reveal_id: str, moving: dict[str, list[str]]
) -> int:
    """Steps 2 to 4 of a journal entry (see the module's docstring); each may run again."""
    anonymous = await boards.read_session(board_id, _is_anonymous)
    content = documents.content_name(board_id)

    def marked(doc: Doc[Any]) -> bool:
        return reveal_id in doc.get(REVEALS_ROOT, type=Map)

    moved = 0
    if not await boards.read_doc(content, marked):
        drafts: list[tuple[str, str, dict[str, Any]]] = []
        for person, ids in moving.items():

            def read(doc: Doc[Any], ids: list[str] = ids) -> list[tuple[str, dict[str, Any]]]:
                cards = _cards(doc)
                return [
                    (card_id, _draft_fields(card))
                    for card_id in ids
                    if (card := cards.get(card_id)) is not None
                ]

            private = documents.private_name(board_id, person)
            for card_id, fields in await boards.read_doc(private, read):
                drafts.append((person, card_id, fields))
        at = now_ms()
        # People are the workshop's (one record per workshop): its root's id names them.
        record = await boards.records.get_board(board_id)
        workshop_id = record.workshop if record is not None else board_id
        names = {p.id: p.name for p in await boards.records.list_people(workshop_id)}

        def move(doc: Doc[Any]) -> int:
            authors = None if anonymous else names
            return write_reveal(doc, reveal_id, drafts, authors, at)

        moved = await boards.change_doc(content, move)
    for person, ids in moving.items():

        def empty(doc: Doc[Any], ids: list[str] = ids) -> None:
            _delete_cards(doc, ids)

        await boards.change_doc(documents.private_name(board_id, person), empty)
    await publish_counts(boards, board_id, moving)

    def done(doc: Doc[Any]) -> None:
        journal = doc.get("journal", type=Map)
        if reveal_id in journal:
            del journal[reveal_id]

    await boards.change_doc(documents.drafts_name(board_id), done)
    return moved


async def drop_person(boards: BoardService, board_id: str, person_id: str) -> int:
    """A removed person's drafts are dropped, never revealed (call under the board lock);
    return how many."""
    ids = await _drafts_of(boards, board_id, person_id)
    if ids:

        def empty(doc: Doc[Any]) -> None:
            _delete_cards(doc, ids)

        await boards.change_doc(documents.private_name(board_id, person_id), empty)
    await publish_counts(boards, board_id, [person_id])
    return len(ids)


# commands ----------------------------------------------------------------------------------


async def private_writing(ctx: CommandContext) -> dict[str, Any]:
    """Turn private writing on or off (drafts stay private either way until a reveal)."""
    on = bool(ctx.body["on"])
    lanes = ctx.body.get("lanes")

    def change(doc: Doc[Any]) -> None:
        session = doc.get("session", type=Map)
        session["private_writing"] = Map(
            {"on": on, "lanes": None if lanes is None else Array(list(lanes))}
        )

    await ctx.boards.change_session(ctx.board_id, change)
    return {"on": on, "lanes": lanes}


async def reveal_drafts(ctx: CommandContext) -> dict[str, Any]:
    """Everyone's drafts into the board (removed people's were dropped at their removal)."""
    workshop_id = ctx.identity.workshop.id  # people are the workshop's
    people = [p.id for p in await ctx.boards.records.list_people(workshop_id) if not p.removed]

    def mark(doc: Doc[Any]) -> None:
        session_map(doc, "revealed")["drafts"] = True

    moved = await reveal(ctx.boards, ctx.board_id, people)
    await ctx.boards.change_session(ctx.board_id, mark)
    return {"revealed": "drafts", "cards": moved}


async def publish_drafts(ctx: CommandContext) -> dict[str, Any]:
    person = ctx.person_id()  # the command's roles are the writers'
    moved = await reveal(ctx.boards, ctx.board_id, [person])
    return {"published": moved}


HANDLERS: dict[str, Handler] = {
    "private_writing": private_writing,
    "publish_drafts": publish_drafts,
}
