"""The JSON export: a whole board as one file (the import reads it back: `workshop/imports.py`)."""

from __future__ import annotations

from typing import Any

from journeyboard.workshop.boardview import BoardView

SCHEMA_ID = "journeyboard/export"
VERSION = 1


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
    # Every decision kept (the `decide` command), oldest first; a card nobody decided on is
    # left out.
    results["decisions"] = {
        card.id: [
            {
                "name": d.name,
                "department": d.department,
                "role": d.role,
                "decision": d.decision,
                "comment": d.comment,
                "at_ms": d.at_ms,
            }
            for d in card.decisions
        ]
        for card in view.cards
        if card.decisions
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
    if view.history:  # the follow-up workshop's earlier sessions, read-only history
        exported["sessions"] = {"current": view.session_number, "earlier": _tidy(view.history)}
    if view.skipped_notes:  # what the server could not read, so nothing vanishes silently
        exported["skipped"] = view.skipped_notes
    return exported
