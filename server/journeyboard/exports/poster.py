"""The wall poster: the whole journey map as one vector drawing, or tiled over smaller pages.

Lengths are millimetres at the map's natural size. The full poster is scaled to fit an A0 or
A1 sheet (landscape). Tiles keep the natural size and split the map into pages of A3 or A4, each
repeating the title, the stage headers of its columns and the lane headers of its rows.
"""

from __future__ import annotations

import textwrap
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Final

from journeyboard.exports.charts import INK, MUTED, el, to_string
from journeyboard.workshop.boardview import LANES, BoardView, Card, Stage

PAGES: Final = {"A0": (1189, 841), "A1": (841, 594), "A3": (420, 297), "A4": (297, 210)}
SHEETS: Final = ("A0", "A1")
TILES: Final = ("A3", "A4")

COLUMN: Final = 62.0
LANE_HEADER: Final = 36.0
TITLE: Final = 14.0
STAGE_HEADER: Final = 10.0
MARGIN: Final = 6.0
LINE: Final = 3.6
CHARS_PER_LINE: Final = 34
MAX_LINES: Final = 5
GAP: Final = 2.0

KIND_FILL: Final = {
    "action": "#e3f0ff",
    "touchpoint": "#e6f6ec",
    "thought": "#fff6d6",
    "feeling": "#fde8ef",
    "pain": "#fde2dd",
    "gain": "#e2f5f0",
    "backstage": "#ece8f7",
    "solution": "#e0f2e9",
    "note": "#f0f2f5",
}


@dataclass(frozen=True, slots=True)
class _Box:
    card: Card
    lines: list[str]

    @property
    def height(self) -> float:
        return (len(self.lines) + 1) * LINE + 2


def _lines(view: BoardView, card: Card) -> list[str]:
    extra = []
    if card.kind == "touchpoint" and card.get_text("channel"):
        extra.append(
            f"[{card.get_text('channel')}]" + (" ★ moment of truth" if card.moment_of_truth else "")
        )
    if card.kind == "feeling" and card.emotion is not None:
        extra.append(f"emotion {card.emotion:+g}" if card.emotion else "emotion 0")
    if card.votes:
        extra.append(f"● {card.votes} vote" + ("" if card.votes == 1 else "s"))
    if card.rating is not None:
        extra.append(f"effort {card.rating.effort:.1f} · impact {card.rating.impact:.1f}")
    wrapped = textwrap.wrap(card.text, CHARS_PER_LINE) or [""]
    if len(wrapped) > MAX_LINES:
        wrapped = [*wrapped[: MAX_LINES - 1], wrapped[MAX_LINES - 1][: CHARS_PER_LINE - 1] + "…"]
    return wrapped + extra


class _Grid:
    """Card boxes by (lane, column) and the height each lane needs."""

    def __init__(self, view: BoardView) -> None:
        self.view = view
        self.columns = view.columns()
        kinds = [kind for kind, _ in LANES]
        self.lanes = [lane for lane in LANES if view.of_kind(lane[0])] or list(LANES[:1])
        self.cells: dict[tuple[str, str], list[_Box]] = {}
        for card in view.cards:
            kind = card.kind if card.kind in kinds else "note"
            key = (kind, card.stage.id)
            self.cells.setdefault(key, []).append(_Box(card, _lines(view, card)))
        if not any(lane[0] == "note" for lane in self.lanes) and any(
            key[0] == "note" for key in self.cells
        ):
            self.lanes.append(("note", "Notes"))

    def lane_height(self, kind: str) -> float:
        tallest = max(
            (
                sum(box.height + GAP for box in self.cells.get((kind, col.id), []))
                for col in self.columns
            ),
            default=0.0,
        )
        return max(tallest + GAP, 14.0)


def _draw(
    grid: _Grid, columns: list[Stage], lanes: list[tuple[str, str]], page: str, subtitle: str
) -> ET.Element:
    width = MARGIN * 2 + LANE_HEADER + COLUMN * len(columns)
    height = MARGIN * 2 + TITLE + STAGE_HEADER + sum(grid.lane_height(kind) for kind, _ in lanes)
    page_w, page_h = PAGES[page]
    root = el(None, "svg", xmlns="http://www.w3.org/2000/svg", width=f"{page_w}mm",
              height=f"{page_h}mm", viewBox=f"0 0 {width:.1f} {height:.1f}",
              preserveAspectRatio="xMidYMin meet", font_family="sans-serif")  # fmt: skip
    el(root, "title", f"{grid.view.title} — customer journey map")
    el(root, "rect", x=0, y=0, width=f"{width:.1f}", height=f"{height:.1f}", fill="#ffffff")
    heading = f"{grid.view.title}" + (f" · {grid.view.persona}" if grid.view.persona else "")
    el(root, "text", heading, x=MARGIN, y=MARGIN + 7, font_size=6, font_weight="bold", fill=INK)
    el(root, "text", subtitle, x=MARGIN, y=MARGIN + 11.5, font_size=3.2, fill=MUTED)
    top = MARGIN + TITLE
    for index, stage in enumerate(columns):
        x = MARGIN + LANE_HEADER + index * COLUMN
        el(
            root,
            "rect",
            x=x + 0.5,
            y=top,
            width=COLUMN - 1,
            height=STAGE_HEADER - 1,
            fill="#2f4858",
        )
        label = f"{stage.order}. {stage.name}" if stage.order else stage.name
        el(
            root,
            "text",
            label[:40],
            x=x + 2,
            y=top + 6.2,
            font_size=3.6,
            font_weight="bold",
            fill="#ffffff",
        )
    y = top + STAGE_HEADER
    for kind, title in lanes:
        lane_h = grid.lane_height(kind)
        el(root, "rect", x=MARGIN, y=y, width=LANE_HEADER - 1, height=lane_h - 0.5, fill="#d9e2ec")
        el(root, "text", title, x=MARGIN + 2, y=y + 6, font_size=3.4, font_weight="bold", fill=INK)
        for index, stage in enumerate(columns):
            x = MARGIN + LANE_HEADER + index * COLUMN
            card_y = y + GAP
            for box in grid.cells.get((kind, stage.id), []):
                group = el(root, "g", data_card=box.card.id)
                el(group, "title", box.card.text)
                fill = KIND_FILL.get(kind, "#f0f2f5")
                el(group, "rect", x=x + 1, y=card_y, width=COLUMN - 2, height=box.height, rx=1.5,
                   fill=fill, stroke="#9aa5b1", stroke_width=0.3)  # fmt: skip
                text = el(group, "text", x=x + 2.5, y=card_y + LINE + 0.6, font_size=3, fill=INK)
                for number, line in enumerate(box.lines):
                    el(text, "tspan", line, x=x + 2.5, dy=0 if number == 0 else LINE)
                card_y += box.height + GAP
        y += lane_h
    return root


def poster(view: BoardView, sheet: str = "A0") -> str:
    """The whole map on one A0 or A1 sheet (landscape)."""
    if sheet not in SHEETS:
        raise ValueError(f"unknown sheet {sheet!r}; use one of {', '.join(SHEETS)}")
    grid = _Grid(view)
    drawing = _draw(grid, grid.columns, grid.lanes, sheet, f"Customer journey map · {sheet}")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + to_string(drawing)


def tiles(view: BoardView, page: str = "A4") -> list[str]:
    """The map at natural size over A3 or A4 pages, headers repeated on every page."""
    if page not in TILES:
        raise ValueError(f"unknown page {page!r}; use one of {', '.join(TILES)}")
    grid = _Grid(view)
    page_w, page_h = PAGES[page]
    per_page = max(1, int((page_w - 2 * MARGIN - LANE_HEADER) // COLUMN))
    column_groups = [grid.columns[i : i + per_page] for i in range(0, len(grid.columns), per_page)]
    room = page_h - 2 * MARGIN - TITLE - STAGE_HEADER
    lane_groups: list[list[tuple[str, str]]] = [[]]
    used = 0.0
    for lane in grid.lanes:
        lane_h = grid.lane_height(lane[0])
        if lane_groups[-1] and used + lane_h > room:
            lane_groups.append([])
            used = 0.0
        lane_groups[-1].append(lane)
        used += lane_h
    total = len(column_groups) * len(lane_groups)
    pages: list[str] = []
    for row, lanes in enumerate(lane_groups):
        for col, columns in enumerate(column_groups):
            number = row * len(column_groups) + col + 1
            subtitle = f"Page {number} of {total} · row {row + 1}, column {col + 1} · {page}"
            pages.append(
                '<?xml version="1.0" encoding="UTF-8"?>\n'
                + to_string(_draw(grid, columns or grid.columns[:0], lanes, page, subtitle))
            )
    return pages
