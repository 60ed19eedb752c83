"""The two documents of a board: their names, how they are seeded, and tolerant JSON views.

The content document is written by clients and never validated by the server, so every reader
here tolerates whatever it may hold: a root of the wrong type or an entry that is not a map
reads as nothing rather than failing.
"""

from __future__ import annotations

import secrets
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


def new_id() -> str:
    """A short random id for boards, people, stages and cards."""
    return secrets.token_urlsafe(9)


def position(index: int) -> str:
    """An ordering key for the index-th of a seeded sequence (fractional-index friendly)."""
    return f"a{index:04d}"


def seed_session(
    title: str, persona: str, scope: str, now_ms: int, *, customer_goal: str = ""
) -> bytes:
    """The first and only seed of a session document, written once when the board is created."""
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
        session["votes_per_person"] = 3
        session["revealed"] = Map({"votes": False, "ratings": False})
        doc.get("progress", type=Map).update({"voters": 0, "raters": 0})
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
