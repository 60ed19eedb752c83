"""The wall poster: the whole journey map as one vector drawing that fills an A0 or A1 sheet.

The drawing's units are millimetres on the sheet and its viewBox is the sheet, so font sizes
are what prints. Top to bottom: a title block (board, persona, scope, goal, date); the stage
headers; the lanes with their cards, the emotion curve under the feelings (its points at the
stage centres, moments of truth starred); and a summary band with the pain points ranked by
votes, the moments of truth, the action plan (owners, due dates, decisions) and the effort/
impact matrix. One text size is searched for so that the whole fills the sheet.

Each card's text is drawn once. The map shows pains and solutions as short codes (P1 = the
most voted pain, S1 = the first solution of the action plan) whose text is in the summary band,
as the report gives those two lanes a section of their own (shared_schema/lanes.json).

For tiling (here as SVG pages, and by exports/pdf.py), the lane headers are one group
(id="lane-headers"), the stage headers another (id="stage-headers"), and the map and summary a
third (id="map"); `PosterLayout` says where the columns, rows and groups are.
"""

from __future__ import annotations

import copy
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Final

from babel import dates

from journeyboard import i18n
from journeyboard.collation import sort_key
from journeyboard.exports import charts, heat
from journeyboard.exports.charts import ACCENT, INK, MOMENT, MUTED, el, text_block, to_string
from journeyboard.exports.measure import (
    FONT_FAMILY,
    Box,
    TextBox,
    block_height,
    block_width,
    text_width,
    wrap,
)
from journeyboard.exports.numbers import signed_whole
from journeyboard.workshop.boardview import (
    LANES,
    UNPLACED,
    BoardView,
    Card,
    Stage,
    channel_title,
    day_title,
)

PAGES: Final = {"A0": (1189, 841), "A1": (841, 594), "A3": (420, 297), "A4": (297, 210)}
SHEETS: Final = ("A0", "A1")
TILES: Final = ("A3", "A4")
CURVE_ROW: Final = "emotion-curve"
SUMMARY_ROW: Final = "summary"
MAX_CARD_LINES: Final = 14

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
EMPTY_CARD: Final = i18n.N_("(empty card)")
DECISION_INK: Final = {
    "approved": "#276749",
    "rejected": "#9b2c2c",
    "disputed": "#553c9a",
    "open": "#8a6100",
}
DECISION_WORDS: Final = (
    i18n.N_("approved"),
    i18n.N_("rejected"),
    i18n.N_("disputed"),
    i18n.N_("open"),
)
"""A solution's outcome as the poster writes it (from the `decide` command's decisions)."""


@dataclass(frozen=True, slots=True)
class Column:
    """A stage's column on the sheet."""

    stage_id: str
    title: str
    x: float
    w: float


@dataclass(frozen=True, slots=True)
class Row:
    """A row right of the lane headers: a lane (its kind), the curve or the summary band."""

    kind: str
    title: str
    y: float
    h: float


@dataclass(slots=True)
class PosterLayout:
    """Where everything sits, in the drawing's units (millimetres on the sheet)."""

    sheet: str
    sheet_mm: tuple[float, float]  # the paper, landscape
    viewbox: tuple[float, float]  # the sheet, or a larger sheet's shape when content overflows
    font: float  # the cards' text size
    title_block: Box
    lane_headers: Box  # the column at the left: lane titles, the curve's axis
    stage_headers: Box  # the row of stage names above the columns
    map: Box  # right of the lane headers, below the stage headers: lanes, curve, summary
    columns: list[Column]
    rows: list[Row]
    content: Box  # the bounding box of everything drawn
    boxes: list[TextBox] = field(default_factory=list)  # every text, for layout checks

    @property
    def mm_per_unit(self) -> float:
        return self.sheet_mm[0] / self.viewbox[0]


# -- what the poster says ---------------------------------------------------------------------


def ranked_pains(view: BoardView) -> list[Card]:
    return sorted(
        view.of_kind("pain"), key=lambda c: (-c.votes, c.stage.order or 10**9, c.pos, c.id)
    )


def planned_solutions(view: BoardView) -> list[Card]:
    """The solutions in the action plan's order: rated first, by impact, then as on the map."""
    return sorted(
        view.of_kind("solution"),
        key=lambda c: (c.rating is None, -(c.rating.impact if c.rating else 0), c.pos, c.id),
    )


def codes(view: BoardView) -> dict[str, str]:
    """Short names for pains (P1 = most votes) and solutions (S1 = first in the plan)."""
    named = {card.id: f"P{n}" for n, card in enumerate(ranked_pains(view), start=1)}
    named.update({card.id: f"S{n}" for n, card in enumerate(planned_solutions(view), start=1)})
    return named


def _decision(card: Card) -> str:
    """ "approved", "rejected", "disputed" (the deciders disagree) or "open"."""
    return card.outcome or "open"


def _votes_width(size: float) -> float:
    """The widest "12 votes" label in the language being rendered ("12 stemmer")."""
    return max(
        text_width(i18n.ngettext("%(num)s vote", "%(num)s votes", count), size) for count in (1, 88)
    )


def _lanes(view: BoardView) -> list[tuple[str, str]]:
    kinds = {kind for kind, _ in LANES}
    present = {card.kind if card.kind in kinds else "note" for card in view.cards}
    return [lane for lane in LANES if lane[0] in present] or [LANES[0]]


def _lane_of(card: Card) -> str:
    return card.kind if card.kind in {kind for kind, _ in LANES} else "note"


# -- sizes at a text size f ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Sizes:
    f: float

    @property
    def pad(self) -> float:
        return self.f * 0.45

    @property
    def gap(self) -> float:
        return self.f * 0.5

    @property
    def meta(self) -> float:
        return self.f * 0.78

    @property
    def stage(self) -> float:
        return self.f * 1.2

    @property
    def lane(self) -> float:
        return self.f * 1.1

    @property
    def heading(self) -> float:
        return self.f * 1.25

    @property
    def small(self) -> float:
        return self.f * 0.95


def _meta(view: BoardView, card: Card, code: str, hm: heat.HeatMap | None = None) -> str:
    """The line above a card's text: what kind of thing it is, in a few words (a touchpoint's
    latest value of the heat map's metric, or "no data", first)."""
    if card.kind == "touchpoint":
        channel = channel_title(card.get_text("channel"))
        parts = [channel.upper()] if channel else []
        if card.moment_of_truth:
            parts.append("★ " + i18n._("moment of truth").upper())
        if hm is not None:
            value = hm.values.get(card.id)
            parts.insert(0, heat.value_text(value) if value else i18n._(heat.NO_DATA).upper())
        return "  ·  ".join(parts)
    if card.kind == "feeling" and card.emotion is not None:
        whole = max(-3, min(3, round(card.emotion)))
        return f"{signed_whole(card.emotion)}  {i18n._(charts.FEELING_WORDS[whole])}"
    if card.kind == "backstage":
        return card.get_text("department")
    if card.kind == "gain" and card.votes:
        return i18n.ngettext("%(num)s vote", "%(num)s votes", card.votes)
    return ""


@dataclass(frozen=True, slots=True)
class _Card:
    card: Card
    meta: str
    lines: list[str]
    chip: bool  # a code chip (pains, solutions) rather than a card with text
    height: float
    width: float = 0.0  # a chip's own width; cards take the cell's


def _cell(
    items: list[_Card], width: float, s: _Sizes
) -> tuple[list[tuple[_Card, float, float, float]], float]:
    """Where each card of a cell goes: (card, dx, dy, width), and the cell's height.

    Cards stack; chips flow left to right and wrap, as they are short.
    """
    placed = []
    y = x = line_h = 0.0
    for item in items:
        if item.chip:
            w = min(item.width, width)
            if x and x + w > width + 1e-6:
                y += line_h + s.gap
                x = line_h = 0.0
            placed.append((item, x, y, w))
            x += w + s.gap
            line_h = max(line_h, item.height)
            continue
        if x:
            y += line_h + s.gap
            x = line_h = 0.0
        placed.append((item, 0.0, y, width))
        y += item.height + s.gap
    if x:
        y += line_h + s.gap
    return placed, y


def _card_box(
    view: BoardView, card: Card, code: str, width: float, s: _Sizes, hm: heat.HeatMap | None = None
) -> _Card:
    if card.kind == "pain":
        votes = " · " + i18n.ngettext("%(num)s vote", "%(num)s votes", card.votes)
        label = code + (votes if view.votes_revealed else "")
        chip_w = text_width(label, s.small, True) + 3 * s.pad
        return _Card(card, "", [label], True, block_height(1, s.small) + 2 * s.pad, chip_w)
    if card.kind == "solution":
        label = f"{code} · {i18n._(_decision(card))}"
        chip_w = text_width(label, s.small, True) + 3 * s.pad
        return _Card(card, "", [label], True, block_height(1, s.small) + 2 * s.pad, chip_w)
    inner = width - 2 * s.pad
    meta = _meta(view, card, code, hm)
    lines = wrap(card.text or i18n._(EMPTY_CARD), inner, s.f, max_lines=MAX_CARD_LINES)
    height = block_height(len(lines), s.f) + 2 * s.pad
    if meta:
        height += block_height(1, s.meta) + s.pad * 0.6
    return _Card(card, meta, lines, False, height)


# -- the layout ------------------------------------------------------------------------------


@dataclass(slots=True)
class _Plan:
    """Everything measured at one text size, before drawing."""

    s: _Sizes
    width: float
    height: float
    margin: float
    header_w: float
    title_lines: list[str]
    fact_lines: list[tuple[str, list[str]]]
    title_h: float
    stage_lines: list[list[str]]
    stage_h: float
    lanes: list[tuple[str, str, list[str]]]  # kind, title, wrapped title
    cells: dict[tuple[str, str], list[_Card]]
    row_heights: dict[str, float]
    curve_h: float
    summary: _Summary
    total: float
    heat: heat.HeatMap | None = None


@dataclass(slots=True)
class _Summary:
    pains_w: float
    plan_w: float
    matrix_w: float
    pain_rows: list[tuple[Card, list[str]]]
    moments: list[list[str]]
    plan_rows: list[tuple[Card, list[str], list[str], list[str]]]
    """Per solution: the card, its text (and "answers Pn"), its owner, who decided and when."""
    plan_cols: list[float]
    matrix: charts.Chart | None
    height: float
    heat: heat.HeatMap | None = None


def _summary(
    view: BoardView, width: float, s: _Sizes, named: dict[str, str], hm: heat.HeatMap | None
) -> _Summary:
    gap = s.f * 1.6
    matrix_w = width * 0.23 if view.ratings_revealed and view.of_kind("solution") else 0.0
    pains_w = (width - matrix_w - gap * (2 if matrix_w else 1)) * 0.42
    plan_w = width - matrix_w - pains_w - gap * (2 if matrix_w else 1)
    text = s.small
    line_gap = s.f * 0.55
    heading = block_height(1, s.heading) + s.f * 0.9
    # Pains: code | votes | text (with its stage under it).
    pain_text_w = pains_w - text_width("P00", text, True) - _votes_width(text) - s.f * 2
    pain_rows = [(card, wrap(card.text or i18n._(EMPTY_CARD), pain_text_w, text))
                 for card in ranked_pains(view)]  # fmt: skip
    pains_h = heading + sum(block_height(len(lines) + 1, text) + line_gap for _, lines in pain_rows)
    moments = [
        wrap(
            f"★ {card.stage.name or i18n._(UNPLACED)}"
            + (f" · {channel_title(card.get_text('channel'))}" if card.get_text("channel") else ""),
            pains_w,
            text,
        )
        for card in view.of_kind("touchpoint")
        if card.moment_of_truth
    ]
    if moments:
        pains_h += (
            s.f * 1.2
            + heading
            + sum(block_height(len(lines), text) + line_gap for lines in moments)
        )
    if hm is not None:
        pains_h += s.f * 1.2 + heat.legend_height(text)
    # Action plan: code | solution (answers Pn) | owner | due | decision.
    fractions = (0.07, 0.45, 0.2, 0.14, 0.14)
    cols = [plan_w * share for share in fractions]
    plan_rows = []
    for card in planned_solutions(view):
        lines = wrap(card.text or i18n._(EMPTY_CARD), cols[1] - s.f, text)
        answers = named.get(card.get_text("pain"))
        extra = [i18n._("answers %(ref)s", ref=answers)] if answers else []
        owner = wrap(card.get_text("owner") or "-", cols[2] - s.f, text)
        # Each standing decision's who and when, under the outcome (from `decide`).
        who = [
            line
            for d in card.standing
            for line in wrap(f"{d.name}, {day_title(d.day)}", cols[4] - s.f, text)
        ]
        plan_rows.append((card, lines + extra, owner, who))
    plan_h = heading + block_height(1, text) + line_gap * 2
    plan_h += sum(
        block_height(max(len(lines), len(owner), 1 + len(who)), text) + line_gap * 2
        for _, lines, owner, who in plan_rows
    )
    matrix = None
    if matrix_w:
        matrix = charts.matrix_chart(view, matrix_w, font_size=s.small, labels=named,
                                     id_prefix="poster-matrix")  # fmt: skip
    height = max(pains_h, plan_h, (matrix.height + heading) if matrix else 0.0)
    return _Summary(pains_w, plan_w, matrix_w, pain_rows, moments, plan_rows, cols, matrix,
                    height, hm)  # fmt: skip


def _plan(view: BoardView, width: float, height: float, f: float, date: str) -> _Plan:
    s = _Sizes(f)
    margin = width * 0.017
    header_w = min(max(f * 10, width * 0.075), width * 0.13)
    columns = view.columns()
    col_w = (width - 2 * margin - header_w) / max(len(columns), 1)
    named = codes(view)
    # Title block: the title on the left, the facts on the right.
    left_w = (width - 2 * margin) * 0.55
    title_lines = wrap(view.title or i18n._("Customer journey map"), left_w, f * 2.6, bold=True,
                       max_lines=2)  # fmt: skip
    people = [p for p in view.people if not p.removed]
    departments = sorted(
        {p.department for p in people if p.department}, key=sort_key(i18n.current())
    )
    sub = i18n._("Customer journey map") + (f" · {date}" if date else "")
    if people:
        sub += " · " + i18n.ngettext(
            "%(num)s person from %(departments)s",
            "%(num)s people from %(departments)s",
            len(people),
            departments=i18n.ngettext(
                "%(num)s department", "%(num)s departments", len(departments)
            ),
        )
    facts_w = (width - 2 * margin) * 0.42
    fact_lines = [("", wrap(sub, left_w, s.small))]
    for label, value in ((i18n._("Persona"), view.persona), (i18n._("Scope"), view.scope),
                         (i18n._("Customer goal"), view.customer_goal)):  # fmt: skip
        if value:
            fact_lines.append((label, wrap(f"{label}: {value}", facts_w, s.small, max_lines=3)))
    left_h = (
        block_height(len(title_lines), f * 2.6)
        + f * 0.8
        + block_height(len(fact_lines[0][1]), s.small)
    )
    right_h = sum(block_height(len(lines), s.small) + f * 0.4 for _, lines in fact_lines[1:])
    title_h = max(left_h, right_h) + f * 1.6
    # Stage headers.
    stage_lines = [
        wrap(
            f"{c.order}. {c.name}" if c.order else c.name,
            col_w - 2 * s.pad - s.gap,
            s.stage,
            bold=True,
            max_lines=3,
        )
        for c in columns
    ]
    stage_h = block_height(max((len(x) for x in stage_lines), default=1), s.stage) + 2 * s.pad
    # Lanes and cells.
    lanes = [
        (kind, title, wrap(title, header_w - 2 * s.pad, s.lane, bold=True))
        for kind, title in ((kind, i18n._(english)) for kind, english in _lanes(view))
    ]
    cells: dict[tuple[str, str], list[_Card]] = {}
    hm = heat.heat_map(view, view.heat_metric)
    for card in view.cards:
        key = (_lane_of(card), card.stage.id)
        cells.setdefault(key, []).append(
            _card_box(view, card, named.get(card.id, ""), col_w - 2 * s.gap, s, hm)
        )
    row_heights = {}
    for kind, _, title in lanes:
        tallest = max(
            (_cell(cells.get((kind, col.id), []), col_w - 2 * s.gap, s)[1] for col in columns),
            default=0.0,
        )
        row_heights[kind] = max(tallest + s.gap, block_height(len(title), s.lane) + 2 * s.pad)
    has_curve = any(card.emotion is not None for card in view.of_kind("feeling"))
    curve_h = f * 13 if has_curve and view.stages else 0.0
    summary = _summary(view, width - 2 * margin - header_w, s, named, hm)
    total = (margin * 2 + title_h + stage_h + sum(row_heights.values()) + curve_h
             + f * 1.5 + summary.height)  # fmt: skip
    return _Plan(s, width, height, margin, header_w, title_lines, fact_lines, title_h,
                 stage_lines, stage_h, lanes, cells, row_heights, curve_h, summary,
                 total, hm)  # fmt: skip


def _fit(view: BoardView, width: float, height: float, date: str) -> _Plan:
    """The plan at the largest text size whose content fits the height (width is fixed)."""
    low, high = width * 0.0016, width * 0.0085
    best = _plan(view, width, height, low, date)
    if best.total > height:
        return best
    for _ in range(22):
        middle = (low + high) / 2
        plan = _plan(view, width, height, middle, date)
        if plan.total <= height:
            best, low = plan, middle
        else:
            high = middle
    return best


# -- drawing ---------------------------------------------------------------------------------


def _draw(view: BoardView, plan: _Plan, sheet: str) -> tuple[ET.Element, PosterLayout]:
    s, f, margin = plan.s, plan.s.f, plan.margin
    width, height = plan.width, max(plan.height, plan.total)
    if plan.total > plan.height:  # too much for the sheet even in small print: keep its shape
        width = height * plan.width / plan.height
    page_w, page_h = PAGES[sheet]
    root = el(None, "svg", xmlns=charts.SVG_NS, width=f"{page_w}mm", height=f"{page_h}mm",
              viewBox=f"0 0 {width:.2f} {height:.2f}", font_family=FONT_FAMILY)  # fmt: skip
    el(root, "title", i18n._("%(title)s — customer journey map", title=view.title))
    el(root, "rect", x=0, y=0, width=width, height=height, fill="#ffffff")
    boxes: list[TextBox] = []
    columns = view.columns()
    # Spread the room left over over the lanes, so the map fills the sheet.
    slack = max(plan.height - plan.total, 0.0)
    lane_total = sum(plan.row_heights.values()) or 1.0
    row_h = {k: h + slack * h / lane_total for k, h in plan.row_heights.items()}

    # Title block.
    group = el(root, "g", id="title-block")
    top = margin
    title = text_block(group, plan.title_lines, margin, top, f * 2.6, bold=True, role="title")
    boxes.append(title)
    sub_top = title.box.bottom + f * 0.8
    boxes.append(text_block(group, plan.fact_lines[0][1], margin, sub_top, s.small, fill=MUTED,
                            role="title"))  # fmt: skip
    fact_top = top
    right = width - margin
    for _, lines in plan.fact_lines[1:]:
        boxes.append(text_block(group, lines, right - block_width(lines, s.small), fact_top,
                                s.small, fill=INK, role="title"))  # fmt: skip
        fact_top += block_height(len(lines), s.small) + f * 0.4
    title_box = Box(margin, margin, width - 2 * margin, plan.title_h - f * 1.6)
    rule_y = margin + plan.title_h - f * 0.8
    el(group, "line", x1=margin, x2=width - margin, y1=rule_y, y2=rule_y, stroke=ACCENT,
       stroke_width=f * 0.18)  # fmt: skip

    # Columns and rows.
    map_x = margin + plan.header_w
    col_w = (width - margin - map_x) / max(len(columns), 1)
    cols = [Column(c.id, c.name, map_x + i * col_w, col_w) for i, c in enumerate(columns)]
    stage_top = margin + plan.title_h
    y = stage_top + plan.stage_h
    rows: list[Row] = []
    for kind, lane_title, _ in plan.lanes:
        rows.append(Row(kind, lane_title, y, row_h[kind]))
        y += row_h[kind]
        if kind == "feeling" and plan.curve_h:
            rows.append(Row(CURVE_ROW, i18n._("Emotion curve"), y, plan.curve_h))
            y += plan.curve_h
    if plan.curve_h and not any(r.kind == CURVE_ROW for r in rows):
        rows.append(Row(CURVE_ROW, i18n._("Emotion curve"), y, plan.curve_h))
        y += plan.curve_h
    y += f * 1.5
    rows.append(Row(SUMMARY_ROW, i18n._("Summary"), y, plan.summary.height))
    bottom = y + plan.summary.height

    # Stage headers.
    stages = el(root, "g", id="stage-headers")
    for col, lines in zip(cols, plan.stage_lines, strict=True):
        el(stages, "rect", x=col.x + s.gap / 2, y=stage_top, width=col.w - s.gap,
           height=plan.stage_h - s.gap / 2, rx=f * 0.3, fill=ACCENT)  # fmt: skip
        boxes.append(text_block(stages, lines, col.x + s.gap / 2 + s.pad, stage_top + s.pad,
                                s.stage, bold=True, fill="#ffffff", role="stage"))  # fmt: skip

    # Lane headers (and the curve's axis in its row).
    headers = el(root, "g", id="lane-headers")
    drawing = el(root, "g", id="map")
    for index, row in enumerate(rows):
        if row.kind == SUMMARY_ROW:
            continue
        shade = "#f5f7fa" if index % 2 == 0 else "#ffffff"
        el(drawing, "rect", x=map_x, y=row.y, width=width - margin - map_x, height=row.h,
           fill=shade)  # fmt: skip
        el(headers, "rect", x=margin, y=row.y + s.gap / 4, width=plan.header_w - s.gap,
           height=row.h - s.gap / 2, rx=f * 0.3, fill="#d9e2ec")  # fmt: skip
        wrapped = next((t for k, _, t in plan.lanes if k == row.kind), None)
        lines = wrapped or wrap(row.title, plan.header_w - 2 * s.pad, s.lane, bold=True)
        boxes.append(text_block(headers, lines, margin + s.pad, row.y + s.pad, s.lane, bold=True,
                                role="lane"))  # fmt: skip
    summary_row = rows[-1]
    el(headers, "rect", x=margin, y=summary_row.y, width=plan.header_w - s.gap,
       height=summary_row.h, rx=f * 0.3, fill="#d9e2ec")  # fmt: skip
    summary_title = [i18n._("Summary")]
    boxes.append(text_block(headers, summary_title, margin + s.pad, summary_row.y + s.pad, s.lane,
                            bold=True, role="lane"))  # fmt: skip

    # Cards.
    for row in rows:
        for col in cols:
            placed, _ = _cell(plan.cells.get((row.kind, col.stage_id), []), col.w - 2 * s.gap, s)
            for item, dx, dy, w in placed:
                boxes += _draw_card(drawing, item, col.x + s.gap + dx, row.y + s.gap + dy, w, s,
                                    plan.heat)  # fmt: skip

    # The emotion curve, its points at the column centres, its axis in the header column.
    for row in rows:
        if row.kind != CURVE_ROW:
            continue
        chart = charts.emotion_curve_chart(view, col_w * len(view.stages), row.h,
                                           font_size=f * 0.95, left=0, right=0, axis=False,
                                           stage_labels=False,
                                           id_prefix="poster-curve")  # fmt: skip
        holder = el(drawing, "svg", x=map_x, y=row.y, width=chart.width, height=chart.height,
                    viewBox=f"0 0 {chart.width:.2f} {chart.height:.2f}")  # fmt: skip
        for child in list(chart.element):
            holder.append(child)
        boxes += [_moved(box, map_x, row.y) for box in chart.boxes]
        scale = charts.CurveScale(row.y + chart.plot.y, chart.plot.h, f * 0.95)
        axis_right = margin + plan.header_w - s.gap - s.pad
        boxes += charts.emotion_axis(headers, axis_right, scale, f * 0.95)

    # The summary band.
    boxes += _draw_summary(drawing, view, plan, map_x, summary_row.y, width - margin - map_x)

    lane_box = Box(margin, stage_top + plan.stage_h, plan.header_w, bottom - stage_top)
    lane_box = Box(margin, stage_top + plan.stage_h, plan.header_w,
                   bottom - stage_top - plan.stage_h)  # fmt: skip
    layout = PosterLayout(
        sheet=sheet,
        sheet_mm=(float(page_w), float(page_h)),
        viewbox=(width, height),
        font=f,
        title_block=title_box,
        lane_headers=lane_box,
        stage_headers=Box(map_x, stage_top, width - margin - map_x, plan.stage_h),
        map=Box(
            map_x,
            stage_top + plan.stage_h,
            width - margin - map_x,
            bottom - stage_top - plan.stage_h,
        ),
        columns=cols,
        rows=rows,
        content=Box(margin, margin, width - 2 * margin, bottom - margin),
        boxes=boxes,
    )
    return root, layout


def _moved(box: TextBox, dx: float, dy: float) -> TextBox:
    b = box.box
    return TextBox(Box(b.x + dx, b.y + dy, b.w, b.h), box.lines, box.role)


def _draw_card(
    parent: ET.Element,
    item: _Card,
    x: float,
    y: float,
    w: float,
    s: _Sizes,
    hm: heat.HeatMap | None = None,
) -> list[TextBox]:
    card = item.card
    kind = _lane_of(card)
    group = el(parent, "g", data_card=card.id, class_="card")
    el(group, "title", card.text)
    moment = card.kind == "touchpoint" and card.moment_of_truth
    fill = KIND_FILL.get(kind, KIND_FILL["note"])
    if item.chip:
        ink = DECISION_INK[_decision(card)] if card.kind == "solution" else "#9b2c2c"
        el(group, "rect", x=x, y=y, width=w, height=item.height, rx=item.height / 2, fill=fill,
           stroke=ink, stroke_width=s.f * 0.08)  # fmt: skip
        return [text_block(group, item.lines, x + s.pad * 1.5, y + s.pad, s.small, bold=True,
                           fill=ink, role="chip")]  # fmt: skip
    ink, meta_ink, dash = charts.INK, MOMENT if moment else MUTED, ""
    if hm is not None and card.kind == "touchpoint":
        # The heat map: the value's colour with black or white text; "no data" hatched grey.
        coloured = hm.fill(card.id)
        fill, ink = coloured or (heat.NO_DATA_FILL, charts.INK)
        meta_ink = ink if coloured else MUTED
        dash = "" if coloured else f"{s.f * 0.3:.2f}"
        group.set("data-heat", fill if coloured else "none")
    el(group, "rect", x=x, y=y, width=w, height=item.height, rx=s.f * 0.3, fill=fill,
       stroke=MOMENT if moment else heat.NO_DATA_EDGE if dash else "#9aa5b1",
       stroke_width=s.f * (0.22 if moment else 0.06),
       **({"stroke_dasharray": dash} if dash else {}))  # fmt: skip
    boxes = []
    top = y + s.pad
    if item.meta:
        text_x = x + s.pad
        if card.kind == "feeling" and card.emotion is not None:
            radius = s.meta * 0.55
            whole = max(-3, min(3, round(card.emotion)))
            charts.face(group, x + s.pad + radius, top + s.meta * 0.45, radius, whole)
            text_x += radius * 2 + s.pad * 0.6
        boxes.append(text_block(group, [item.meta], text_x, top, s.meta, bold=True,
                                fill=meta_ink, role="meta"))  # fmt: skip
        top += block_height(1, s.meta) + s.pad * 0.6
    boxes.append(text_block(group, item.lines, x + s.pad, top, s.f, fill=ink, role="card",
                            class_="text"))  # fmt: skip
    return boxes


def _draw_summary(
    parent: ET.Element, view: BoardView, plan: _Plan, x: float, y: float, width: float
) -> list[TextBox]:
    s, f, summary = plan.s, plan.s.f, plan.summary
    boxes: list[TextBox] = []
    gap = f * 1.6
    text = s.small
    line_gap = f * 0.55
    named = codes(view)
    band = el(parent, "g", class_="summary")

    def heading(label: str, at_x: float, at_y: float) -> float:
        boxes.append(text_block(band, [label], at_x, at_y, s.heading, bold=True, fill=ACCENT,
                                role="heading"))  # fmt: skip
        return at_y + block_height(1, s.heading) + f * 0.9

    # Pain points, ranked.
    top = heading(i18n._("Pain points, ranked by votes") if view.votes_revealed
                  else i18n._("Pain points (votes not revealed)"), x, y)  # fmt: skip
    code_w = text_width("P00", text, True)
    votes_w = _votes_width(text)
    most = max((card.votes for card, _ in summary.pain_rows), default=0) or 1
    for number, (card, lines) in enumerate(summary.pain_rows, start=1):
        boxes.append(text_block(band, [f"P{number}"], x, top, text, bold=True, fill="#9b2c2c",
                                role="summary"))  # fmt: skip
        if view.votes_revealed:
            label = i18n.ngettext("%(num)s vote", "%(num)s votes", card.votes)
            boxes.append(text_block(band, [label], x + code_w + f * 0.6, top, text, fill=INK,
                                    role="summary"))  # fmt: skip
            bar = (votes_w) * card.votes / most
            el(band, "rect", x=x + code_w + f * 0.6, y=top + block_height(1, text) + f * 0.15,
               width=max(bar, f * 0.1), height=f * 0.3, fill="#e0806c")  # fmt: skip
        text_x = x + code_w + votes_w + f * 1.6
        block = text_block(band, lines, text_x, top, text, role="card", class_="text")
        boxes.append(block)
        stage_top = block.box.bottom + text * 0.22
        boxes.append(text_block(band, [card.stage.name or i18n._(UNPLACED)], text_x, stage_top,
                                text * 0.85, fill=MUTED, role="summary"))  # fmt: skip
        top += block_height(len(lines) + 1, text) + line_gap
    if summary.moments:
        top = heading(i18n._("Moments of truth"), x, top + f * 1.2)
        for lines in summary.moments:
            boxes.append(text_block(band, lines, x, top, text, fill=MOMENT, bold=True,
                                    role="summary"))  # fmt: skip
            top += block_height(len(lines), text) + line_gap

    if summary.heat is not None:
        boxes += heat.draw_legend(band, summary.heat, x, top + f * 1.2, summary.pains_w, text)

    # The action plan.
    px = x + summary.pains_w + gap
    top = heading(i18n._("Action plan: owners and decisions"), px, y)
    titles = ["", i18n._("Solution"), i18n._("Owner"), i18n._("Due"), i18n._("Decision")]
    col_x = [px]
    for share in summary.plan_cols[:-1]:
        col_x.append(col_x[-1] + share)
    for cx, label in zip(col_x, titles, strict=True):
        if label:
            boxes.append(text_block(band, [label], cx, top, text, bold=True, fill=MUTED,
                                    role="summary"))  # fmt: skip
    top += block_height(1, text) + line_gap
    el(band, "line", x1=px, x2=px + summary.plan_w, y1=top, y2=top, stroke=MUTED,
       stroke_width=f * 0.08)  # fmt: skip
    top += line_gap
    for number, (card, lines, owner, who) in enumerate(summary.plan_rows, start=1):
        decision = _decision(card)
        boxes.append(text_block(band, [f"S{number}"], col_x[0], top, text, bold=True,
                                fill=DECISION_INK[decision], role="summary"))  # fmt: skip
        answers = named.get(card.get_text("pain"))
        has_answer = bool(lines) and answers is not None
        has_answer = has_answer and lines[-1] == i18n._("answers %(ref)s", ref=answers)
        own = lines[:-1] if has_answer else lines
        block = text_block(band, own, col_x[1], top, text, role="card", class_="text")
        boxes.append(block)
        if has_answer:
            boxes.append(text_block(band, [lines[-1]], col_x[1], block.box.bottom + text * 0.22,
                                    text * 0.85, fill=MUTED, role="summary"))  # fmt: skip
        boxes.append(text_block(band, owner, col_x[2], top, text, role="summary"))
        due = day_title(card.due) or "-"
        boxes.append(text_block(band, [due], col_x[3], top, text, role="summary"))
        boxes.append(text_block(band, [i18n._(decision)], col_x[4], top, text, bold=True,
                                fill=DECISION_INK[decision], role="summary"))  # fmt: skip
        if who:
            boxes.append(text_block(band, who, col_x[4], top + block_height(1, text), text,
                                    fill=MUTED, role="summary"))  # fmt: skip
        top += block_height(max(len(lines), len(owner), 1 + len(who)), text) + line_gap
        el(band, "line", x1=px, x2=px + summary.plan_w, y1=top, y2=top, stroke="#d9e2ec",
           stroke_width=f * 0.06)  # fmt: skip
        top += line_gap

    # The matrix, solutions by their codes.
    if summary.matrix is not None:
        mx = x + width - summary.matrix_w
        top = heading(i18n._("Effort and impact"), mx, y)
        chart = summary.matrix
        holder = el(band, "svg", x=mx, y=top, width=chart.width, height=chart.height,
                    viewBox=f"0 0 {chart.width:.2f} {chart.height:.2f}")  # fmt: skip
        for child in list(chart.element):
            holder.append(child)
        boxes += [_moved(box, mx, top) for box in chart.boxes]
    return boxes


def poster_drawing(
    view: BoardView, sheet: str = "A0", now_ms: int | None = None
) -> tuple[ET.Element, PosterLayout]:
    """The poster for an A0 or A1 sheet (landscape) as an element, and its layout."""
    if sheet not in SHEETS:
        raise ValueError(f"unknown sheet {sheet!r}; use one of {', '.join(SHEETS)}")
    width, height = PAGES[sheet]
    date = (
        ""
        if now_ms is None
        else dates.format_date(
            datetime.fromtimestamp(now_ms / 1000, UTC).date(), "long", locale=i18n.current()
        )
    )
    return _draw(view, _fit(view, float(width), float(height), date), sheet)


def poster(view: BoardView, sheet: str = "A0", now_ms: int | None = None) -> str:
    """The whole map on one A0 or A1 sheet (landscape), as an SVG document."""
    drawing, _ = poster_drawing(view, sheet, now_ms)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + to_string(drawing)


# -- tiles -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Tile:
    """One page of a tiled poster: the part of the map it shows (poster units)."""

    number: int
    row: int
    column: int
    window: Box


def _cuts(edges: list[float], start: float, end: float, room: float) -> list[tuple[float, float]]:
    """Split start..end into spans no longer than room, cutting at edges where one fits."""
    spans = []
    at = start
    while at < end - 1e-6:
        fitting = [e for e in edges if at + 1e-6 < e <= at + room + 1e-6]
        stop = max(fitting) if fitting else min(at + room, end)
        spans.append((at, stop))
        at = stop
    return spans


def tile_plan(layout: PosterLayout, page: str) -> tuple[float, list[Tile]]:
    """How a poster at its sheet's scale splits over pages: (mm per unit, tiles).

    Each tile shows a window of the map; the lane headers of its rows and the stage headers
    of its columns are repeated beside and above it.
    """
    page_w, page_h = PAGES[page]
    scale = layout.mm_per_unit
    margin = 6.0
    band = 12.0  # the page's own header line
    room_w = (page_w - 2 * margin) / scale - layout.lane_headers.w
    room_h = (page_h - 2 * margin - band) / scale - layout.stage_headers.h
    m = layout.map
    x_spans = _cuts([c.x + c.w for c in layout.columns], m.x, m.right, room_w)
    y_spans = _cuts([r.y + r.h for r in layout.rows], m.y, m.bottom, room_h)
    tiles: list[Tile] = []
    for r, (y0, y1) in enumerate(y_spans):
        for c, (x0, x1) in enumerate(x_spans):
            tiles.append(Tile(len(tiles) + 1, r + 1, c + 1, Box(x0, y0, x1 - x0, y1 - y0)))
    return scale, tiles


def _window(
    parent: ET.Element, source: ET.Element, at: tuple[float, float], view_box: Box, scale: float
) -> None:
    holder = el(parent, "svg", x=at[0], y=at[1], width=view_box.w * scale,
                height=view_box.h * scale,
                viewBox=f"{view_box.x:.2f} {view_box.y:.2f} {view_box.w:.2f} {view_box.h:.2f}",
                preserveAspectRatio="xMinYMin meet")  # fmt: skip
    holder.append(copy.deepcopy(source))


def tiles(view: BoardView, page: str = "A4", sheet: str = "A1") -> list[str]:
    """The poster of a sheet at print size over A3 or A4 pages, headers repeated on each."""
    if page not in TILES:
        raise ValueError(f"unknown page {page!r}; use one of {', '.join(TILES)}")
    drawing, layout = poster_drawing(view, sheet)
    groups = {node.get("id"): node for node in drawing.iter() if node.get("id")}
    scale, plan = tile_plan(layout, page)
    page_w, page_h = PAGES[page]
    margin, band = 6.0, 12.0
    pages = []
    for tile in plan:
        root = el(None, "svg", xmlns=charts.SVG_NS, width=f"{page_w}mm", height=f"{page_h}mm",
                  viewBox=f"0 0 {page_w} {page_h}", font_family=FONT_FAMILY)  # fmt: skip
        el(root, "title", i18n._("%(title)s — customer journey map, page %(number)s",
                                 title=view.title, number=tile.number))  # fmt: skip
        el(root, "rect", x=0, y=0, width=page_w, height=page_h, fill="#ffffff")
        el(root, "text", view.title or i18n._("Customer journey map"), x=margin, y=margin + 4.5,
           font_size=5, font_weight="bold", fill=INK)  # fmt: skip
        caption = i18n._(
            "Page %(number)s of %(pages)s · row %(row)s, column %(column)s · %(tile)s tiles of "
            "the %(sheet)s poster",
            number=tile.number, pages=len(plan), row=tile.row, column=tile.column, tile=page,
            sheet=sheet,
        )  # fmt: skip
        el(root, "text", caption, x=margin, y=margin + 9, font_size=3, fill=MUTED)
        top = margin + band
        lanes, stages = layout.lane_headers, layout.stage_headers
        left = margin + lanes.w * scale
        window = tile.window
        _window(root, groups["stage-headers"], (left, top),
                Box(window.x, stages.y, window.w, stages.h), scale)  # fmt: skip
        below = top + stages.h * scale
        _window(root, groups["lane-headers"], (margin, below),
                Box(lanes.x, window.y, lanes.w, window.h), scale)  # fmt: skip
        _window(root, groups["map"], (left, below), window, scale)
        pages.append('<?xml version="1.0" encoding="UTF-8"?>\n' + to_string(root))
    return pages


__all__ = [
    "PAGES",
    "SHEETS",
    "TILES",
    "Column",
    "PosterLayout",
    "Row",
    "Stage",
    "Tile",
    "codes",
    "poster",
    "poster_drawing",
    "tile_plan",
    "tiles",
]
