"""Board import: a JSON export read back into the documents of a new board."""

from __future__ import annotations

import functools
from typing import Any

import jsonschema
from pycrdt import Doc, Map, Text

from journeyboard import schema


class InvalidExport(ValueError):
    """An import body that is not a journeyboard export."""


@functools.cache
def _validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(schema.load("export.json"))


MESSAGE_CHARS = 300
"""How much of a schema error's message an answer quotes (it may quote the whole value)."""


def short(error: jsonschema.ValidationError) -> str:
    """A schema error's message, without echoing a large value back (a 16 MB import's list of
    cards is "too long" in a message that quotes the list)."""
    if len(error.message) <= MESSAGE_CHARS:
        return error.message
    return f"fails {error.validator!r} {error.validator_value!r}"[:MESSAGE_CHARS]


def validate(data: Any) -> dict[str, Any]:
    """Check an import against shared_schema/export.json; raise InvalidExport saying where."""
    errors = sorted(_validator().iter_errors(data), key=lambda e: list(e.path))
    if errors:
        where = "/".join(str(p) for p in errors[0].path) or "import"
        raise InvalidExport(f"import/{where}: {short(errors[0])}")
    assert isinstance(data, dict)
    return data


def content_update(export: dict[str, Any]) -> bytes:
    """The content document an import starts with: its stages and cards (each card once)."""
    doc: Doc[Any] = Doc()
    with doc.transaction():
        stages = doc.get("stages", type=Map)
        for stage in export["stages"]:
            stages[stage["id"]] = Map({"name": stage["name"], "pos": stage["pos"]})
        cards = doc.get("cards", type=Map)
        for card in export["cards"]:
            fields = {k: v for k, v in card.items() if k not in ("id", "text")}
            cards[card["id"]] = Map({**fields, "text": Text(card["text"])})
    return doc.get_update()


def session_fields(export: dict[str, Any]) -> dict[str, Any]:
    """What an import carries into the new session document besides the seed."""
    results = export.get("results") or {}
    settings = export.get("settings") or {}
    return {
        "board": {k: v for k, v in export["board"].items() if isinstance(v, str)},
        "votes_per_person": settings.get("votes_per_person", 3),
        "max_votes_per_card": settings.get("max_votes_per_card"),
        "participants": export.get("participants") or [],
        "votes": results.get("votes"),
        "ratings": results.get("ratings"),
        "decisions": results.get("decisions") or {},
    }
