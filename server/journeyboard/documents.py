"""The two documents of a board: their names, how they are seeded, and tolerant JSON views.

The content document is written by clients and never validated by the server, so every reader
here tolerates whatever it may hold: a root of the wrong type or an entry that is not a map
reads as nothing rather than failing.
"""

from __future__ import annotations

import secrets
import string
from typing import Any, Final

from pycrdt import Array, Doc, Map, Text

CONTENT_ROOTS: Final = ("stages", "cards")
SESSION_ROOTS: Final = ("board", "session", "participants", "votes", "ratings", "progress")
SESSION_SUFFIX: Final = "/session"


def content_name(board_id: str) -> str:
    return board_id


def session_name(board_id: str) -> str:
    return board_id + SESSION_SUFFIX


def is_session(name: str) -> bool:
    return name.endswith(SESSION_SUFFIX)


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
    colors: tuple[str, ...] = ("#5f6368",),
) -> bytes:
    """The first and only seed of a session document, written once when the board is created.

    An import also brings its past participants (as names only: they have no tokens) and its
    revealed results.
    """
    doc: Doc[Any] = Doc()
    with doc.transaction():
        board = doc.get("board", type=Map)
        board["title"] = title
        board["persona"] = persona
        board["scope"] = scope
        board["customer_goal"] = customer_goal
        board["parent"] = None
        session = doc.get("session", type=Map)
        session["phase"] = "lobby"
        session["phase_started_at_ms"] = now_ms
        session["phase_history"] = Array([])
        session["timer"] = Map({"running": False, "ends_at_ms": None, "remaining_ms": None})
        session["locked"] = False
        session["spotlight"] = None
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
    return doc.get_update()


def seed_content(stage_names: list[str]) -> bytes:
    """A content document holding the template's stages."""
    doc: Doc[Any] = Doc()
    with doc.transaction():
        stages = doc.get("stages", type=Map)
        for index, name in enumerate(stage_names):
            stages[new_id()] = Map({"name": name, "pos": position(index)})
    return doc.get_update()


def _plain(value: Any) -> Any:
    if isinstance(value, Map | Array | Text):
        return value.to_py()
    return value


def roots_to_json(doc: Doc[Any], roots: tuple[str, ...]) -> dict[str, Any]:
    """The named root maps as plain JSON values; a root that is not a map reads as {}."""
    out: dict[str, Any] = {}
    for root in roots:
        try:
            value = _plain(doc.get(root, type=Map))
        except Exception:  # a client may have created the root as another type
            value = None
        out[root] = value if isinstance(value, dict) else {}
    return out
