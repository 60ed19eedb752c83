"""Cards written by pycrdt, one update each, as a server stores them: the stored parts that the
load-time check (tests/e2e/test_yjs_readable.py) and the seals over it (tests/sync/test_seals.py)
read back."""

from __future__ import annotations

from typing import Any

from pycrdt import Doc, Map, Text


def card_updates(
    texts: dict[str, str], *, kind: str | None = None, client_id: int = 4242
) -> list[bytes]:
    """One update per card (id -> text), each card given `kind` when one is named."""
    doc: Doc[Any] = Doc(client_id=client_id)
    updates: list[bytes] = []
    doc.observe(lambda event: updates.append(event.update))
    cards = doc.get("cards", type=Map)
    for key, text in texts.items():
        with doc.transaction():
            card: Map[Any] = Map()
            cards[key] = card
            if kind is not None:
                card["kind"] = kind
            card["text"] = Text(text)
    return updates
