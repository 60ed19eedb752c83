"""The workshop engine: every command handler, and what a content room needs when it opens."""

from __future__ import annotations

from typing import Any

from pycrdt import Doc, Map

from journeyboard import documents, facilitation, people, voting
from journeyboard.boards import BoardService
from journeyboard.commands import Handler
from journeyboard.rooms import Room

HANDLERS: dict[str, Handler] = {**people.HANDLERS, **facilitation.HANDLERS, **voting.HANDLERS}


def _locked(doc: Doc[Any]) -> bool:
    return bool(doc.get("session", type=Map).get("locked", False))


def room_opener(boards: BoardService) -> Any:
    """A hook for the room manager: a content room starts locked if its session says so."""

    async def on_open(room: Room) -> None:
        if documents.is_session(room.name):
            return
        room.locked = await boards.read_session(room.name, _locked)

    return on_open
