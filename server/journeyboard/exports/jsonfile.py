"""The JSON export (a whole board) and the documents an import creates from it."""

from __future__ import annotations

from typing import Any

import jsonschema
from pycrdt import Doc, Map, Text

from journeyboard import schema
from journeyboard.boardview import BoardView

SCHEMA_ID = "journeyboard/export"
VERSION = 1


class InvalidExport(ValueError):
    """An import body that is not a journeyboard export."""


def _tidy(value: Any) -> Any:
    """Yjs stores numbers as floats; show whole ones as integers again."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: _tidy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_tidy(item) for item in value]
    return value


def export_board(view: BoardView, now_ms: int) -> dict[str, Any]:
    """The whole board as JSON: content, settings, people and revealed results."""
    results: dict[str, Any] = {"votes": None, "ratings": None}
    if view.votes_revealed:
        results["votes"] = {card.id: card.votes for card in view.cards if card.votes}
    if view.ratings_revealed:
        results["ratings"] = {
            card.id: {
                "effort": card.rating.effort,
                "impact": card.rating.impact,
                "n": card.rating.n,
                "effort_spread": card.rating.effort_spread,
                "impact_spread": card.rating.impact_spread,
                "quadrant": card.rating.quadrant,
            }
            for card in view.cards
            if card.rating is not None
        }
    exported: dict[str, Any] = _tidy(
        {
            "schema": SCHEMA_ID,
            "version": VERSION,
            "exported_at_ms": now_ms,
            "source_board": view.id,
            "board": {
                "title": view.title,
                "persona": view.persona,
                "scope": view.scope,
                "customer_goal": view.customer_goal,
            },
            "settings": {
                "votes_per_person": view.votes_per_person,
                "max_votes_per_card": view.max_votes_per_card,
            },
            "stages": [{"id": s.id, "name": s.name, "pos": s.pos} for s in view.stages],
            "cards": [
                {
                    **card.fields,
                    "id": card.id,
                    "kind": card.kind,
                    "stage": card.stage_id,
                    "pos": card.pos,
                    "text": card.text,
                    "author": card.author,
                }
                for card in view.cards
            ],
            "participants": [
                {"name": p.name, "department": p.department, "role": p.role}
                for p in view.people
                if not p.removed
            ],
            "results": results,
        }
    )
    if view.skipped_notes:  # what the server could not read, so nothing vanishes silently
        exported["skipped"] = view.skipped_notes
    return exported


def validate(data: Any) -> dict[str, Any]:
    """Check an import against shared_schema/export.json; raise InvalidExport saying where."""
    validator = jsonschema.Draft202012Validator(schema.load("export.json"))
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.path))
    if errors:
        where = "/".join(str(p) for p in errors[0].path) or "import"
        raise InvalidExport(f"import/{where}: {errors[0].message}")
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
    }
