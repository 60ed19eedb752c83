"""The documents of a board: their names, how they are seeded, and tolerant JSON views.

A board has a content document (clients write it), a session document (only the server writes
it), one private document per person who wrote drafts while private writing was on (only that
person's token opens it), and a drafts document that only the server reads and writes (the
draft counts per person and the reveal journal; no socket can name it).

The content document is written by clients and never validated by the server, so every reader
here tolerates whatever it may hold: a root of the wrong type or an entry that is not a map
reads as nothing rather than failing.
"""

from __future__ import annotations

import math
import secrets
import string
from collections.abc import Callable
from typing import Any, Final

from pycrdt import Array, Doc, Map, Text

CONTENT_ROOTS: Final = ("stages", "cards")
SESSION_ROOTS: Final = (
    "board",
    "session",
    "participants",
    "votes",
    "ratings",
    "progress",
    "drafts",
    "decisions",
    "history",
)
SESSION_SUFFIX: Final = "/session"
PRIVATE_INFIX: Final = "/private/"
DRAFTS_SUFFIX: Final = "/drafts"


def content_name(board_id: str) -> str:
    return board_id


def session_name(board_id: str) -> str:
    return board_id + SESSION_SUFFIX


def is_session(name: str) -> bool:
    return name.endswith(SESSION_SUFFIX)


def private_name(board_id: str, person_id: str) -> str:
    """A person's private document of a board: their drafts while private writing is on."""
    return board_id + PRIVATE_INFIX + person_id


def is_private(name: str) -> bool:
    return PRIVATE_INFIX in name


def drafts_name(board_id: str) -> str:
    """The board's drafts document: counts per person and the reveal journal (server only)."""
    return board_id + DRAFTS_SUFFIX


def is_content(name: str) -> bool:
    """A board's content document (not its session, drafts or private documents)."""
    return board_of(name) == name


def is_server_only(name: str) -> bool:
    """Documents no client writes: the session document and the drafts document."""
    return name.endswith(SESSION_SUFFIX) or name.endswith(DRAFTS_SUFFIX)


def collects_garbage(name: str) -> bool:
    """Whether compacting this document drops what was deleted from it: a board's private
    documents (and their client id bindings) and its drafts document, so that emptied drafts
    and finished reveal journals do not outlive the next compaction. The node hands this rule
    to its store (`sync.ports.CompactionPolicy`)."""
    return is_private(name) or name.endswith(DRAFTS_SUFFIX)


def board_of(name: str) -> str:
    """The board a document belongs to."""
    for marker in (PRIVATE_INFIX, SESSION_SUFFIX, DRAFTS_SUFFIX):
        if marker in name:
            return name.split(marker, 1)[0]
    return name


_ID_ALPHABET: Final = string.ascii_letters + string.digits


def new_id() -> str:
    """A random id for boards, people, stages and cards: 12 letters and digits (71 bits).

    No '-' or '_', so an id never reads as a command-line option or breaks a word in a URL.
    """
    return "".join(secrets.choice(_ID_ALPHABET) for _ in range(12))


def position(index: int) -> str:
    """An ordering key for the index-th of a seeded sequence (fractional-index friendly)."""
    return f"a{index:04d}"


def seed_session(
    title: str,
    persona: str,
    scope: str,
    now_ms: int,
    *,
    customer_goal: str = "",
    votes_per_person: int = 3,
    max_votes_per_card: int | None = None,
    participants: list[dict[str, Any]] | None = None,
    votes: dict[str, Any] | None = None,
    ratings: dict[str, Any] | None = None,
    decisions: dict[str, list[dict[str, Any]]] | None = None,
    colors: tuple[str, ...] = ("#5f6368",),
    journey: dict[str, Any] | None = None,
) -> bytes:
    """The first and only seed of a session document, written once when the board is created.

    A journey added to a workshop names its place in it (`journey`: workshop, relation,
    parent, stage, persona_profile). An import also brings its past participants (as names
    only: they have no tokens), its revealed results and the decisions kept on its solutions
    (by name: `person` is "imported:" and the name, so each person's latest still stands).
    """
    doc: Doc[Any] = Doc()
    with doc.transaction():
        board = doc.get("board", type=Map)
        board["title"] = title
        board["persona"] = persona
        board["scope"] = scope
        board["customer_goal"] = customer_goal
        board["parent"] = None
        for key, value in (journey or {}).items():
            # A journey of a workshop: workshop, relation, parent, stage, persona_profile.
            board[key] = value
        session = doc.get("session", type=Map)
        session["phase"] = "lobby"
        session["phase_started_at_ms"] = now_ms
        session["phase_history"] = Array([])
        session["timer"] = Map({"running": False, "ends_at_ms": None, "remaining_ms": None})
        session["locked"] = False
        session["spotlight"] = None
        session["follow"] = None
        session["votes_per_person"] = votes_per_person
        session["max_votes_per_card"] = max_votes_per_card
        session["revealed"] = Map({"votes": votes is not None, "ratings": ratings is not None})
        doc.get("progress", type=Map).update({"voters": 0, "raters": 0})
        people = doc.get("participants", type=Map)
        for index, person in enumerate(participants or []):
            people[new_id()] = Map(
                {
                    "name": str(person.get("name", "")),
                    "department": str(person.get("department", "")),
                    "role": str(person.get("role", "participant")),
                    "color": colors[index % len(colors)],
                    "joined_at_ms": now_ms,
                    "imported": True,
                }
            )
        if votes is not None:
            doc.get("votes", type=Map).update(votes)
        if ratings is not None:
            target = doc.get("ratings", type=Map)
            for card, summary in ratings.items():
                target[card] = Map(summary)
        kept = doc.get("decisions", type=Map)
        for card, entries in (decisions or {}).items():
            kept[card] = Array(
                [
                    Map(
                        {
                            "person": "imported:" + str(entry.get("name", "")),
                            "name": str(entry.get("name", "")),
                            "department": str(entry.get("department", "")),
                            "role": str(entry.get("role", "")),
                            "decision": entry.get("decision"),
                            "comment": str(entry.get("comment", "")),
                            "at_ms": int(entry.get("at_ms", now_ms)),
                            "imported": True,
                        }
                    )
                    for entry in entries
                ]
            )
    return doc.get_update()


def place_journey(seed: bytes, fields: dict[str, Any]) -> bytes:
    """A session seed built before its journey had a place (an imported workshop's journeys
    are built in a worker, before their new ids exist), with `board` naming it: still one
    update, written once when the journey is created."""
    doc: Doc[Any] = Doc()
    doc.apply_update(seed)
    with doc.transaction():
        board = doc.get("board", type=Map)
        for key, value in fields.items():
            board[key] = value
    return doc.get_update()


def seed_content(stage_names: list[str]) -> bytes:
    """A content document holding the template's stages."""
    doc: Doc[Any] = Doc()
    with doc.transaction():
        stages = doc.get("stages", type=Map)
        for index, name in enumerate(stage_names):
            stages[new_id()] = Map({"name": name, "pos": position(index)})
    return doc.get_update()


MAX_READ_DEPTH: Final = 32  # nesting below a root entry's field that a reader follows
SKIPPED_KEY: Final = "_skipped"  # where roots_to_json lists what it could not read


class _TooDeep(ValueError):
    pass


class _Absent:
    """What a value JSON cannot hold reads as: left out of its map or array."""

    __slots__ = ("reason",)

    def __init__(self, reason: str) -> None:
        self.reason = reason


def _scalar(value: Any) -> Any:
    """A value that is not a shared type, as JSON has it, or `_Absent`.

    JSON holds null, booleans, strings and finite numbers. A client may also write NaN or
    Infinity (a float64 in Yjs), bytes (binary content) or a subdocument: those read as absent,
    so that no reader, JSON answer or export ever meets them (issue #23, finding 8).
    """
    if value is None or isinstance(value, bool | str | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else _Absent(f"not a JSON number ({value})")
    return _Absent(f"not a JSON value ({type(value).__name__})")


def _plain(value: Any, depth: int = 0) -> Any:
    """A shared type as plain JSON, refusing nesting deeper than MAX_READ_DEPTH; a value JSON
    cannot hold comes back as `_Absent` and is left out of the maps and arrays that hold it.

    `to_py` recurses without a bound: a value nested a thousand levels deep hits Python's
    recursion limit, so this walks the value itself and gives up early instead.
    """
    if depth > MAX_READ_DEPTH:
        raise _TooDeep(f"nested deeper than {MAX_READ_DEPTH} levels")
    if isinstance(value, Text):
        return str(value)
    if isinstance(value, Map | dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            read = _plain(item, depth + 1)
            if not isinstance(read, _Absent):
                out[str(key)] = read
        return out
    if isinstance(value, Array | list):
        return [read for item in value if not isinstance(read := _plain(item, depth + 1), _Absent)]
    if isinstance(value, Doc):
        return _Absent("not a JSON value (a subdocument)")
    to_py = getattr(value, "to_py", None)  # another shared type (XML): read as pycrdt does
    if callable(to_py):
        value = to_py()
        if isinstance(value, dict | list):
            return _plain(value, depth)
    return _scalar(value)


def plain(value: Any, default: Any = None) -> Any:
    """A shared type (or any value) as plain JSON, or `default` when it cannot be read."""
    try:
        read = _plain(value)
    except (RecursionError, ValueError, TypeError, RuntimeError):
        return default
    return default if isinstance(read, _Absent) else read


def _reason(exc: BaseException) -> str:
    return str(exc) if isinstance(exc, _TooDeep) else f"unreadable ({type(exc).__name__})"


def _read_entry(value: Any, note: Callable[[str | None, str], None]) -> Any:
    """One entry of a root map, field by field: a field that cannot be read, or that holds a
    value JSON cannot, is left out (and noted). `_Absent` when the entry itself is such."""
    if not isinstance(value, Map):
        try:
            read = _plain(value, 1)
        except (RecursionError, ValueError, TypeError, RuntimeError) as exc:
            note(None, _reason(exc))
            return None
        if isinstance(read, _Absent):
            note(None, read.reason)
        return read
    out: dict[str, Any] = {}
    for key, item in value.items():
        try:
            read = _plain(item, 2)
        except (RecursionError, ValueError, TypeError, RuntimeError) as exc:
            note(str(key), _reason(exc))
            continue
        if isinstance(read, _Absent):
            note(str(key), read.reason)
        else:
            out[str(key)] = read
    return out


def roots_to_json(doc: Doc[Any], roots: tuple[str, ...]) -> dict[str, Any]:
    """The named root maps as plain JSON values; a root that is not a map reads as {}.

    Each root is read entry by entry and each entry field by field, so one value that cannot
    be read (nested too deep, say) costs only that field: the rest of the board still reads.
    What was left out is listed under SKIPPED_KEY (only when something was) as
    {"root", "id", "field", "reason"} items.
    """
    out: dict[str, Any] = {}
    skipped: list[dict[str, Any]] = []
    for root in roots:
        try:
            shared = doc.get(root, type=Map)
        except Exception:  # a client may have created the root as another type
            out[root] = {}
            continue
        entries: dict[str, Any] = {}
        try:
            items = list(shared.items())
        except Exception as exc:  # pragma: no cover - the map itself cannot be listed
            skipped.append({"root": root, "id": None, "field": None, "reason": _reason(exc)})
            items = []
        for entry_id, value in items:

            def note(field: str | None, reason: str, root: str = root, key: str = entry_id) -> None:
                skipped.append({"root": root, "id": str(key), "field": field, "reason": reason})

            read = _read_entry(value, note)
            if isinstance(read, _Absent):
                continue
            if read is not None or not isinstance(value, Map | Array | Text):
                entries[str(entry_id)] = read
        out[root] = entries
    if skipped:
        out[SKIPPED_KEY] = skipped
    return out
