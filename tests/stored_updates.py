"""Cards written by pycrdt, one update each, as a server stores them: the stored parts that the
load-time check (tests/e2e/test_yjs_readable.py) and the seals over it (tests/sync/test_seals.py)
read back, and the numbered cards the stores' tests append and read back (tests/stores/)."""

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


def numbered_updates(count: int) -> tuple[list[bytes], dict[str, int]]:
    """`cards["c<i>"] = i` for each i below `count`, one update each, and the map they make."""
    doc: Doc[Any] = Doc()
    cards = doc.get("cards", type=Map)
    updates: list[bytes] = []
    doc.observe(lambda event: updates.append(event.update))
    for i in range(count):
        cards[f"c{i}"] = i
    return updates, {f"c{i}": i for i in range(count)}


def cards_of(updates: list[bytes]) -> dict[str, object]:
    """The `cards` map that `updates` make, applied in order to a fresh document."""
    doc: Doc[Any] = Doc()
    for update in updates:
        doc.apply_update(update)
    return dict(doc.get("cards", type=Map).to_py() or {})
