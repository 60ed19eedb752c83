"""The board of the inspiration tests (issue #28), in the browser and through the exports: a pain,
a solution done that answers it (with its effect), and three inspiration cards whose sources are
a `javascript:` URL, a safe https link and a spreadsheet formula."""

from __future__ import annotations

from typing import Any

HOSTILE = "javascript:alert(document.cookie)"
SAFE = "https://example.org/cases/claims"
FORMULA = '=HYPERLINK("http://evil.example","x")'

EXPORT: dict[str, Any] = {
    "schema": "journeyboard/export",
    "version": 1,
    "board": {"title": "Inspired claim"},
    "stages": [{"id": "st", "name": "Claim", "pos": "a"}],
    "cards": [
        {"id": "p1", "kind": "pain", "stage": "st", "pos": "a", "text": "Slow form"},
        {"id": "s1", "kind": "solution", "stage": "st", "pos": "b", "text": "Prefill",
         "pain": "p1", "status": "done", "effect": "Calls halved"},
        {"id": "i1", "kind": "inspiration", "stage": "st", "pos": "c", "text": "Bank X",
         "source": HOSTILE},
        {"id": "i2", "kind": "inspiration", "stage": "st", "pos": "d", "text": "Airline Y",
         "source": SAFE},
        {"id": "i3", "kind": "inspiration", "stage": "st", "pos": "e", "text": "Shop Z",
         "source": FORMULA},
    ],
}  # fmt: skip
"""The example's import document: `server.create_board(title, **{"import": EXPORT})`."""
