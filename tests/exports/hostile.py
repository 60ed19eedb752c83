"""Card texts written to break out of an export: markup, links, images, table breaks, formulas."""

from __future__ import annotations

from typing import Any, Final

from exports.boards import view_of
from journeyboard.workshop.boardview import BoardView

TEXTS: Final = (
    "[click me](http://evil.example/)",
    "![pixel](http://evil.example/p.png)",
    "<img src=x onerror=alert(1)>",
    "<script>alert(1)</script>",
    "<http://evil.example/>",
    "[ref]: http://evil.example/",
    "a | b | c",
    "*bold* **strong** _em_ `code` ~~gone~~",
    "# Heading",
    "1. first",
    "- item",
    "> quote",
    "---",
    "&amp; &copy; &#65; AT&T",
    "Line one\n\n| x | y |\n|---|---|\nLine two",
    "\\*kept\\* C:\\Users",
    "Premium 4.0 overall!",
    '=HYPERLINK("http://evil.example/","x")',
    "<!-- comment --> <?pi?> </p>",
)


def hostile_view() -> BoardView:
    """Each hostile text as a pain, an action and a solution; and as a stage, title and owner."""
    cards: dict[str, dict[str, Any]] = {}
    votes: dict[str, int] = {}
    ratings: dict[str, Any] = {}
    for index, text in enumerate(TEXTS):
        cards[f"pain{index:02d}"] = {"kind": "pain", "stage": "s", "pos": f"a{index:02d}",
                                     "text": text}  # fmt: skip
        cards[f"act{index:02d}"] = {"kind": "action", "stage": "s", "pos": f"b{index:02d}",
                                    "text": "Action " + text}  # fmt: skip
        cards[f"sol{index:02d}"] = {"kind": "solution", "stage": "s", "pos": f"c{index:02d}",
                                    "text": "Solution " + text, "pain": f"pain{index:02d}",
                                    "owner": text, "status": "approved"}  # fmt: skip
        votes[f"pain{index:02d}"] = index
        ratings[f"sol{index:02d}"] = {"effort": 4.25, "impact": 1.25 + index / 8, "n": 3,
                                      "effort_spread": 0.35, "impact_spread": 0.05,
                                      "quadrant": "money_pit"}  # fmt: skip
    view = view_of(cards, votes=votes, ratings=ratings)
    view.title = "Title " + TEXTS[0]
    view.persona = TEXTS[1]
    return view


def one_line(text: str) -> str:
    return " ".join(text.split())
