"""Board views for the in-process export tests, built as the server builds them.

`example_view()` is the shipped example workshop (shared_schema/examples/insurance_claim.json)
imported into real pycrdt documents and read back by `build_view`, as a board created from the
`insurance_claim` template is. `view_of()` builds a view from plain content and session JSON.
"""

from __future__ import annotations

from typing import Any

from pycrdt import Doc

from journeyboard import schema
from journeyboard.workshop import documents, imports
from journeyboard.workshop.boardview import BoardView, build_view

HELD_MS = 1_795_000_000_000  # when the example's participants joined
NOW_MS = HELD_MS + 3_600_000


def example_export() -> dict[str, Any]:
    return dict(schema.load("examples/insurance_claim.json"))


def view_of_export(export: dict[str, Any]) -> BoardView:
    """The view of a board imported from a JSON export, through the real documents."""
    fields = imports.session_fields(imports.validate(export))
    content: Doc[Any] = Doc()
    content.apply_update(imports.content_update(export))
    session: Doc[Any] = Doc()
    session.apply_update(
        documents.seed_session(
            export["board"]["title"],
            fields["board"].get("persona", ""),
            fields["board"].get("scope", ""),
            HELD_MS,
            customer_goal=fields["board"].get("customer_goal", ""),
            votes_per_person=fields["votes_per_person"],
            max_votes_per_card=fields["max_votes_per_card"],
            participants=fields["participants"],
            votes=fields["votes"],
            ratings=fields["ratings"],
            decisions=fields["decisions"],
        )
    )
    return build_view(
        "example",
        documents.roots_to_json(content, documents.CONTENT_ROOTS),
        documents.roots_to_json(session, documents.SESSION_ROOTS),
    )


def example_view() -> BoardView:
    return view_of_export(example_export())


def view_of(cards: dict[str, dict[str, Any]], stage: str = "Stage", **session: Any) -> BoardView:
    """A view of one stage (id "s") holding `cards`, with its results revealed."""
    content = {"stages": {"s": {"name": stage, "pos": "a"}}, "cards": cards}
    state = {
        "board": {"title": "Hostile board", "persona": "", "scope": "", "customer_goal": ""},
        "session": {"phase": "results", "revealed": {"votes": True, "ratings": True}},
        "participants": {},
        **session,
    }
    return build_view("b", content, state)
