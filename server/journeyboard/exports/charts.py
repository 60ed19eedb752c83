"""SVG charts shared by the report and the poster: the emotion curve and the effort/impact matrix.

Each chart is laid out before it is drawn: labels are measured (exports/measure.py), wrapped at
word boundaries and placed so that no two overlap and none leaves its frame. The layout is
returned with the drawing (`Chart.boxes`), so tests can check it without rendering.

Drawings are ElementTree elements: ElementTree escapes every text and attribute it writes, so
card text can never become markup.
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

from journeyboard import i18n, schema
from journeyboard.exports.measure import (
    ASCENT,
    DESCENT,
    FONT_FAMILY,
    LINE_HEIGHT,
    Box,
    TextBox,
    block_height,
    block_width,
    fits,
    text_width,
    wrap,
)
from journeyboard.exports.numbers import local_decimal, signed_whole
from journeyboard.workshop.boardview import BoardView, Card

SVG_NS: Final = "http://www.w3.org/2000/svg"
ET.register_namespace("", SVG_NS)

INK: Final = "#1f2933"
MUTED: Final = "#52606d"
GRID: Final = "#e4e7eb"
ACCENT: Final = "#2f4858"
BAND: Final = "#bcccdc"
MOMENT: Final = "#b7791f"
HALO: Final = "#ffffff"
MINUS: Final = "\u2212"

# The faces' colours, red through amber to green, as the board draws them (state/emotion.ts).
FACE_COLOURS: Final = {
    -3: "#b42318", -2: "#c2410c", -1: "#b45309", 0: "#8a6100", 1: "#4d7c0f", 2: "#15803d",
    3: "#166534",
}  # fmt: skip
FEELING_WORDS: Final = {
    -3: i18n.N_("very upset"), -2: i18n.N_("upset"), -1: i18n.N_("a bit unhappy"),
    0: i18n.N_("neutral"), 1: i18n.N_("fairly happy"), 2: i18n.N_("happy"),
    3: i18n.N_("delighted"),
}  # fmt: skip
"""A feeling's score in words (translated where it is shown)."""
QUADRANT_FILLS: Final = {
    "quick_win": "#e3f4ea", "big_bet": "#e6eef8", "fill_in": "#f3f4f6", "money_pit": "#fbeaea",
}  # fmt: skip
QUADRANT_INKS: Final = {
    "quick_win": "#276749", "big_bet": "#2c5282", "fill_in": "#52606d", "money_pit": "#9b2c2c",
}  # fmt: skip


def el(
    parent: ET.Element | None, tag: str, text: str | None = None, /, **attrs: object
) -> ET.Element:
    """Add an element with attributes (underscores in names become dashes; a trailing one goes)."""
    attributes = {key.rstrip("_").replace("_", "-"): _attr(value) for key, value in attrs.items()}
    node = ET.Element(tag, attributes) if parent is None else ET.SubElement(parent, tag, attributes)
    if text is not None:
        node.text = text
    return node


def _attr(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".")
    return str(value)


def svg(width: float, height: float, label: str) -> ET.Element:
    return el(None, "svg", xmlns=SVG_NS, viewBox=f"0 0 {_attr(width)} {_attr(height)}",
              role="img", aria_label=label, font_family=FONT_FAMILY)  # fmt: skip


@dataclass(slots=True)
class Chart:
    """A laid-out chart: the drawing, its size in its own units, and where its text sits."""

    element: ET.Element
    width: float
    height: float
    plot: Box
    boxes: list[TextBox] = field(default_factory=list)

    @property
    def frame(self) -> Box:
        return Box(0, 0, self.width, self.height)


def text_block(
    parent: ET.Element,
    lines: Sequence[str],
    x: float,
    top: float,
    size: float,
    *,
    anchor: str = "start",
    bold: bool = False,
    fill: str = INK,
    role: str = "label",
    halo: bool = False,
    **attrs: object,
) -> TextBox:
    """Draw lines of text whose first ascent is at top; return the box they occupy."""
    width = block_width(list(lines), size, bold)
    height = block_height(len(lines), size)
    left = {"start": x, "middle": x - width / 2, "end": x - width}[anchor]
    box = Box(left, top, width, height)
    if halo:
        pad = size * 0.25
        el(parent, "rect", x=left - pad, y=top - pad, width=width + 2 * pad,
           height=height + 2 * pad, rx=pad, fill=HALO, fill_opacity=0.88)  # fmt: skip
    node = el(parent, "text", x=x, y=top + ASCENT * size, font_size=size, fill=fill,
              text_anchor=anchor, **attrs)  # fmt: skip
    if bold:
        node.set("font-weight", "bold")
    if len(lines) == 1:
        node.text = lines[0]
    else:
        for number, line in enumerate(lines):
            el(node, "tspan", line, x=x, dy=0 if number == 0 else LINE_HEIGHT * size)
    return TextBox(box, tuple(lines), role)


def face(parent: ET.Element, cx: float, cy: float, radius: float, score: int) -> None:
    """A feeling face for a whole score -3..3, drawn as the board draws it (ui/Face.svelte)."""
    colour = FACE_COLOURS[score]
    scale = radius * 2 / 24
    group = el(parent, "g", transform=f"translate({cx - radius:.2f} {cy - radius:.2f}) "
               f"scale({scale:.4f})", aria_hidden="true")  # fmt: skip
    el(group, "circle", cx=12, cy=12, r=10.6, fill="#ffffff")
    el(group, "circle", cx=12, cy=12, r=10.6, fill=colour, fill_opacity=0.14, stroke=colour,
       stroke_width=1.6)  # fmt: skip
    if score == 3:
        el(group, "path", d="M6.9 10.6 Q8.5 8.4 10.1 10.6 M13.9 10.6 Q15.5 8.4 17.1 10.6",
           fill="none", stroke=colour, stroke_width=1.5, stroke_linecap="round")  # fmt: skip
    else:
        el(group, "circle", cx=8.5, cy=10, r=1.35, fill=colour)
        el(group, "circle", cx=15.5, cy=10, r=1.35, fill=colour)
    brows = {-2: (6.3, 7.5), -3: (8.0, 6.2)}.get(score)
    if brows is not None:
        inner, outer = brows
        el(group, "path", d=f"M6.4 {outer} L10.2 {inner} M17.6 {outer} L13.8 {inner}",
           fill="none", stroke=colour, stroke_width=1.4, stroke_linecap="round")  # fmt: skip
    ends = 15.4 - 0.35 * score
    control = ends + 1.5 * score
    el(group, "path", d=f"M7.4 {ends:.2f} Q12 {control:.2f} 16.6 {ends:.2f}"
       + (" Z" if score == 3 else ""), fill=colour if score == 3 else "none", stroke=colour,
       stroke_width=1.6, stroke_linecap="round", stroke_linejoin="round")  # fmt: skip


def _smooth(points: Sequence[tuple[float, float]]) -> str:
    """A path through the points, as Catmull-Rom splines turned into cubic Béziers."""
    if not points:
        return ""
    d = [f"M{points[0][0]:.2f},{points[0][1]:.2f}"]
    for i in range(len(points) - 1):
        p0 = points[max(i - 1, 0)]
        p1, p2 = points[i], points[i + 1]
        p3 = points[min(i + 2, len(points) - 1)]
        c1 = (p1[0] + (p2[0] - p0[0]) / 6, p1[1] + (p2[1] - p0[1]) / 6)
        c2 = (p2[0] - (p3[0] - p1[0]) / 6, p2[1] - (p3[1] - p1[1]) / 6)
        d.append(f"C{c1[0]:.2f},{c1[1]:.2f} {c2[0]:.2f},{c2[1]:.2f} {p2[0]:.2f},{p2[1]:.2f}")
    return " ".join(d)


# -- the emotion curve ------------------------------------------------------------------------


class CurveScale:
    """The curve's y mapping: +3 at the top of the plot, -3 at the bottom, with a pad."""

    def __init__(self, top: float, height: float, pad: float) -> None:
        self.top, self.height, self.pad = top, height, pad

    def y(self, score: float) -> float:
        inner = self.height - 2 * self.pad
        return self.top + self.pad + (3 - max(-3.0, min(3.0, score))) / 6 * inner


def emotion_axis(
    parent: ET.Element, right: float, scale: CurveScale, size: float, *, faces: bool = True
) -> list[TextBox]:
    """The score axis (-3..+3) right-aligned at x=right, with faces at the two ends."""
    boxes = []
    for score in range(-3, 4):
        y = scale.y(score)
        el(parent, "line", x1=right - size * 0.35, x2=right, y1=y, y2=y, stroke=MUTED,
           stroke_width=size * 0.08)  # fmt: skip
        top = y - (ASCENT - DESCENT) * size * 0.9 / 2 - DESCENT * size * 0.9
        boxes.append(text_block(parent, [signed_whole(score)], right - size * 0.55, top, size * 0.9,
                                anchor="end", fill=MUTED, role="axis"))  # fmt: skip
    if faces:
        radius = size * 0.62
        text_left = min(box.box.x for box in boxes)
        for score in (3, -3):
            face(parent, text_left - radius - size * 0.35, scale.y(score), radius, score)
    return boxes


def _stage_moments(view: BoardView) -> set[str]:
    return {card.stage.id for card in view.of_kind("touchpoint") if card.moment_of_truth}


@dataclass(frozen=True, slots=True)
class _StageLabels:
    mode: str  # "wrap", "stagger" or "rotate"
    lines: list[list[str]]
    height: float


def _stage_labels(
    names: list[str], centres: list[float], step: float, width: float, size: float, room: float
) -> _StageLabels:
    """Wrap the stage names under their stages; stagger them, or turn them, when they collide.

    A label is as wide as its slot (two slots when staggered) but never wider than twice its
    centre's distance to the chart's edge, so the outer ones stay inside the frame.
    """
    gap = size * 0.6
    line = LINE_HEIGHT * size
    for mode, slot in (("wrap", step - gap), ("stagger", 2 * step - gap)):
        limits = [min(slot, 2 * (x - gap / 2), 2 * (width - x - gap / 2)) for x in centres]
        lines = [
            wrap(name, limit, size, break_words=False)
            for name, limit in zip(names, limits, strict=True)
        ]
        if all(
            len(item) <= 3 and fits(item, limit, size)
            for item, limit in zip(lines, limits, strict=True)
        ):
            most = max((len(item) for item in lines), default=1)
            rows = 1 if mode == "wrap" or len(names) < 2 else 2
            return _StageLabels(mode, lines, rows * (block_height(most, size) + line * 0.5))
    length = room
    lines = [wrap(name, length, size, max_lines=1) for name in names]
    longest = max((block_width(item, size) for item in lines), default=0.0)
    return _StageLabels("rotate", lines, longest + line * 0.5)


def emotion_curve_chart(
    view: BoardView,
    width: float = 640,
    height: float = 220,
    *,
    font_size: float = 11,
    left: float | None = None,
    right: float | None = None,
    axis: bool = True,
    stage_labels: bool = True,
    legend: bool = True,
    id_prefix: str = "curve",
) -> Chart:
    """The median feeling per stage (-3..+3), its min-max band, and the moments of truth.

    width is the whole chart's; height is its plot's and legend's: the stage labels add what
    they need below. Points sit at the centres of equal stage slots between left and right
    (the margins; default room for the axis), so a caller can align them with its own columns.
    """
    size = font_size
    left = size * 5.2 if left is None else left
    right = size * 1.2 if right is None else right
    stages = view.stages
    count = max(len(stages), 1)
    step = (width - left - right) / count
    moments = _stage_moments(view)
    # The legend's items (swatch and words) fill rows from the right, as many as fit.
    items = [("line", i18n._("Median feeling")), ("band", i18n._("Lowest to highest"))]
    if moments:
        items.append(("star", i18n._("Moment of truth")))
    legend_rows: list[list[tuple[str, str]]] = [[]]
    used = 0.0
    for item in items:
        need = text_width(item[1], size * 0.9) + size * 2.8
        if legend_rows[-1] and used + need > width - right:
            legend_rows.append([])
            used = 0.0
        legend_rows[-1].append(item)
        used += need
    line_h = block_height(1, size * 0.9) + size * 0.4
    legend_h = len(legend_rows) * line_h + size * 0.4 if legend else size * 0.4
    marker_h = size * 1.4 if moments else 0.0
    plot = Box(left, legend_h + marker_h, width - left - right, height - legend_h - marker_h)
    scale = CurveScale(plot.y, plot.h, size * 1.0)
    centres = [left + step * (index + 0.5) for index in range(len(stages))]
    names = [s.name or i18n._("Stage %(number)s", number=s.order) for s in stages]
    labels = (
        _stage_labels(names, centres, step, width, size, max(height * 0.8, size * 26))
        if stage_labels
        else _StageLabels("wrap", [], 0.0)
    )
    axis_h = size * 0.6 if stage_labels else 0.0
    total = plot.bottom + axis_h + labels.height + (size * 0.4 if stage_labels else 0.0)
    root = svg(width, total, i18n._("Emotion curve across the stages"))
    el(
        root,
        "title",
        i18n._("Emotion curve: median feeling per stage, band from lowest to highest"),
    )
    chart = Chart(root, width, total, plot)
    clip = f"{id_prefix}-plot"
    defs = el(root, "defs")
    clip_path = el(defs, "clipPath", id=clip)
    el(clip_path, "rect", x=plot.x, y=plot.y, width=plot.w, height=plot.h)

    # Grid: a line per score, the neutral one darker; a light rule between stages.
    grid = el(root, "g", class_="grid")
    for score in range(-3, 4):
        y = scale.y(score)
        el(grid, "line", x1=plot.x, x2=plot.right, y1=y, y2=y,
           stroke=MUTED if score == 0 else GRID, stroke_width=size * (0.1 if score else 0.12),
           stroke_dasharray="" if score else f"{size * 0.3:.2f} {size * 0.3:.2f}")  # fmt: skip
    for index in range(1, count):
        x = plot.x + step * index
        el(grid, "line", x1=x, x2=x, y1=plot.y, y2=plot.bottom, stroke=GRID,
           stroke_width=size * 0.08)  # fmt: skip
    if axis:
        chart.boxes += emotion_axis(root, plot.x - size * 0.4, scale, size)

    def cx(index: int) -> float:
        return plot.x + step * (index + 0.5)

    # Moments of truth: a dashed rule through the stage and a star above the plot.
    for index, stage in enumerate(stages):
        if stage.id in moments:
            x = cx(index)
            el(root, "line", x1=x, x2=x, y1=plot.y, y2=plot.bottom, stroke=MOMENT,
               stroke_width=size * 0.1, stroke_dasharray=f"{size * 0.4:.2f} {size * 0.25:.2f}",
               class_="moment")  # fmt: skip
            chart.boxes.append(text_block(root, ["★"], x, plot.y - size * 1.25, size * 1.1,
                                          anchor="middle", fill=MOMENT, role="moment"))  # fmt: skip
    # The band and the median line, over runs of stages that have feelings.
    entries = view.emotion_curve()
    runs: list[list[tuple[int, float, float, float, int]]] = [[]]
    for index, entry in enumerate(entries):
        if entry is None:
            if runs[-1]:
                runs.append([])
            continue
        _, median, low, high, n = entry
        runs[-1].append((index, median, low, high, n))
    data = el(root, "g", clip_path=f"url(#{clip})")
    for run in (r for r in runs if r):
        half = min(step * 0.18, size * 1.2)
        if len(run) == 1:
            index, _, low, high, _ = run[0]
            el(data, "rect", x=cx(index) - half, y=scale.y(high), width=2 * half,
               height=max(scale.y(low) - scale.y(high), size * 0.2), rx=half * 0.5, fill=BAND,
               fill_opacity=0.55)  # fmt: skip
            continue
        upper = [(cx(i), scale.y(high)) for i, _, _, high, _ in run]
        lower = [(cx(i), scale.y(low)) for i, _, low, _, _ in reversed(run)]
        band = _smooth(upper) + " " + _smooth(lower).replace("M", "L", 1) + " Z"
        el(data, "path", d=band, fill=BAND, fill_opacity=0.55, stroke="none")
        el(data, "path", d=_smooth([(cx(i), scale.y(m)) for i, m, _, _, _ in run]), fill="none",
           stroke=ACCENT, stroke_width=size * 0.22, stroke_linecap="round")  # fmt: skip
    points = el(root, "g", class_="points")
    for index, median, low, high, n in (item for run in runs for item in run):
        x, y = cx(index), scale.y(median)
        colour = FACE_COLOURS[max(-3, min(3, round(median)))]
        dot = el(points, "circle", cx=x, cy=y, r=size * 0.42, fill=colour, stroke="#ffffff",
                 stroke_width=size * 0.12)  # fmt: skip
        middle, low_text, high_text = (local_decimal(v, signed=True) for v in (median, low, high))
        el(dot, "title", f"{stages[index].name}: median {middle} from {n} feelings "
           f"({low_text} to {high_text})")  # fmt: skip
        value = size * 0.85
        above = median < 2.2
        top = y - size * 0.7 - block_height(1, value) if above else y + size * 0.7
        chart.boxes.append(text_block(points, [middle], x, top, value, anchor="middle",
                                      bold=True, fill=colour, role="value", halo=True))  # fmt: skip
    if legend:
        lsize = size * 0.9
        top = size * 0.3
        for row in legend_rows:
            x = plot.right
            for kind, label in reversed(row):
                box = text_block(root, [label], x, top, lsize, anchor="end", fill=MUTED,
                                 role="legend")  # fmt: skip
                chart.boxes.append(box)
                mid = box.box.y + box.box.h / 2
                swatch = box.box.x - size * 0.4
                if kind == "line":
                    el(root, "line", x1=swatch - size * 1.6, x2=swatch, y1=mid, y2=mid,
                       stroke=ACCENT, stroke_width=size * 0.22)  # fmt: skip
                elif kind == "band":
                    el(root, "rect", x=swatch - size * 1.6, y=mid - size * 0.35,
                       width=size * 1.6, height=size * 0.7, fill=BAND,
                       fill_opacity=0.55)  # fmt: skip
                else:
                    el(root, "text", "★", x=swatch - size * 0.8, y=mid + size * 0.35,
                       font_size=lsize, fill=MOMENT, text_anchor="middle")  # fmt: skip
                x = swatch - size * 2.8
            top += block_height(1, lsize) + size * 0.4
    if stage_labels:
        _draw_stage_labels(root, chart, labels, cx, plot.bottom + axis_h, size, len(stages))
    return chart


def _draw_stage_labels(
    root: ET.Element,
    chart: Chart,
    labels: _StageLabels,
    cx: Callable[[int], float],
    top: float,
    size: float,
    count: int,
) -> None:
    group = el(root, "g", class_="stage-labels")
    row_h = labels.height / (2 if labels.mode == "stagger" and count > 1 else 1)
    for index, lines in enumerate(labels.lines):
        x = cx(index)
        el(group, "line", x1=x, x2=x, y1=top - size * 0.6, y2=top - size * 0.2, stroke=MUTED,
           stroke_width=size * 0.08)  # fmt: skip
        if labels.mode == "rotate":
            anchor_x = x + (ASCENT - DESCENT) * size / 2
            node_top = top + size * 0.2
            turn = f"rotate(-90 {anchor_x:.2f} {node_top:.2f})"
            el(group, "text", lines[0], x=anchor_x, y=node_top, font_size=size, fill=INK,
               text_anchor="end", transform=turn)  # fmt: skip
            length = block_width(lines, size)
            box = Box(anchor_x - ASCENT * size, node_top, (ASCENT + DESCENT) * size, length)
            chart.boxes.append(TextBox(box, tuple(lines), "stage"))
            continue
        row = index % 2 if labels.mode == "stagger" else 0
        line_top = top + row * row_h
        if row:
            el(group, "line", x1=x, x2=x, y1=top - size * 0.2, y2=line_top - size * 0.2,
               stroke=GRID, stroke_width=size * 0.08)  # fmt: skip
        chart.boxes.append(text_block(group, lines, x, line_top, size, anchor="middle",
                                      role="stage"))  # fmt: skip


def emotion_curve(view: BoardView, width: float = 640, height: float = 220) -> ET.Element:
    """The emotion curve as an SVG element (see emotion_curve_chart for the layout)."""
    return emotion_curve_chart(view, width, height).element


# -- the effort/impact matrix -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Point:
    card: Card
    x: float
    y: float
    lines: list[str]


def _candidates(
    x: float, y: float, w: float, h: float, near: float
) -> list[tuple[float, float, float]]:
    """Top-left corners for a wxh label around a point, nearest first: (distance, left, top)."""
    out: list[tuple[float, float, float]] = []
    # Right, left, above, below, then the diagonals, a little away from the point ...
    for dx, dy in ((1, 0), (-1, 0), (0, -1), (0, 1), (1, -1), (-1, -1), (1, 1), (-1, 1)):
        cx = x + dx * (near + w / 2)
        cy = y + dy * (near * 0.6 + h / 2)
        out.append((near, cx - w / 2, cy - h / 2))
    # ... then rings further out, where a leader line will join label and point.
    for ring in (2.2, 3.5, 5, 7, 9.5, 12.5, 16):
        distance = near * ring
        for step in range(24):
            angle = step / 24 * 2 * math.pi
            cx = x + math.cos(angle) * (distance + w / 2)
            cy = y - math.sin(angle) * (distance * 0.7 + h / 2)
            out.append((distance, cx - w / 2, cy - h / 2))
    return out


def _nearest_on(box: Box, x: float, y: float) -> tuple[float, float]:
    return (min(max(x, box.x), box.right), min(max(y, box.y), box.bottom))


def matrix_chart(
    view: BoardView,
    size: float = 420,
    *,
    font_size: float = 11,
    labels: Mapping[str, str] | None = None,
    id_prefix: str = "matrix",
) -> Chart:
    """The effort/impact matrix: each rated solution at its means, its spread as an ellipse.

    Labels are the solutions' texts (or labels[card id] when given, e.g. short codes), wrapped
    at word boundaries and placed by a greedy search around each point so that none overlaps
    another label, a point or a quadrant name, or leaves the plot; a label that had to move
    away gets a leader line. A label with no free place becomes a number, listed under the chart.
    """
    fs = font_size
    quadrants = schema.load("quadrants.json")
    pad_left, pad_right, pad_top, pad_bottom = fs * 4.6, fs * 1.2, fs * 1.0, fs * 4.2
    span = size - pad_left - pad_right
    plot = Box(pad_left, pad_top, span, span)

    def px(effort: float) -> float:
        return plot.x + (max(1.0, min(5.0, effort)) - 1) / 4 * span

    def py(impact: float) -> float:
        return plot.y + (5 - max(1.0, min(5.0, impact))) / 4 * span

    mid_x, mid_y = px(quadrants["low_effort_up_to"]), py(quadrants["high_impact_from"])

    def inside(card: Card) -> tuple[float, float]:
        """The point, moved off a border into the quadrant the table names (the shared rule
        of quadrants.json: a mean on a threshold is low effort or high impact)."""
        assert card.rating is not None
        x, y = px(card.rating.effort), py(card.rating.impact)
        named = quadrants["quadrants"].get(card.rating.quadrant)
        if named is None:
            return x, y
        nudge = fs * 0.5
        x = min(x, mid_x - nudge) if named["effort"] == "low" else max(x, mid_x + nudge)
        y = min(y, mid_y - nudge) if named["impact"] == "high" else max(y, mid_y + nudge)
        return x, y

    rated = [card for card in view.of_kind("solution") if card.rating is not None]
    rated.sort(key=lambda c: (-(c.rating.impact if c.rating else 0), c.stage.order, c.pos, c.id))
    max_w = span * 0.34
    points = []
    for card in rated:
        assert card.rating is not None
        text = (labels or {}).get(card.id, card.text) or "(untitled)"
        # A word wider than the usual label widens it; only one wider than 60% is hyphenated.
        widest = max((text_width(word, fs) for word in text.split()), default=0.0)
        width = min(max(max_w, widest), span * 0.6)
        points.append(_Point(card, *inside(card), wrap(text, width, fs, max_lines=3)))

    # Place the quadrant names first: they are obstacles for the labels.
    inset = fs * 0.6
    qsize = fs * 1.05
    quadrant_names: list[tuple[str, list[str], float, float, str]] = []
    obstacles: list[Box] = []
    for name, quadrant in quadrants["quadrants"].items():
        low_effort, high_impact = quadrant["effort"] == "low", quadrant["impact"] == "high"
        room = (mid_x - plot.x if low_effort else plot.right - mid_x) - 2 * inset
        lines = wrap(i18n._(quadrant["plural"]), room, qsize, bold=True)
        height = block_height(len(lines), qsize)
        x = plot.x + inset if low_effort else plot.right - inset
        top = plot.y + inset if high_impact else plot.bottom - inset - height
        anchor = "start" if low_effort else "end"
        quadrant_names.append((name, lines, x, top, anchor))
        width = block_width(lines, qsize, True)
        left = x if low_effort else x - width
        obstacles.append(Box(left, top, width, height).grown(fs * 0.5))
    for point in points:
        obstacles.append(Box(point.x - fs * 0.5, point.y - fs * 0.5, fs, fs))

    frame = Box(plot.x + fs * 0.3, plot.y + fs * 0.3, plot.w - fs * 0.6, plot.h - fs * 0.6)
    placed: list[tuple[_Point, Box, bool]] = []
    numbered: list[_Point] = []
    for point in points:
        found = _place(point, point.lines, fs, frame, obstacles, [b for _, b, _ in placed])
        if found is None:
            numbered.append(point)
            point = _Point(point.card, point.x, point.y, [str(len(numbered))])
            found = _place(point, point.lines, fs, frame, obstacles, [b for _, b, _ in placed])
            if found is None:  # nowhere free: beside its dot (never on it), the last resort
                w, h = block_width(point.lines, fs), block_height(1, fs)
                gap = fs * 0.38 + fs * 0.3  # the dot's radius and a little air
                x = point.x + gap if point.x + gap + w <= plot.right else point.x - gap - w
                found = (Box(x, point.y - h / 2, w, h), False)
        placed.append((point, *found))

    legend_lines: list[list[str]] = []
    legend_w = size - fs * 2
    for number, point in enumerate(numbered, start=1):
        legend_lines.append(wrap(f"{number}. {point.card.text}", legend_w, fs * 0.9))
    legend_h = sum(block_height(len(lines), fs * 0.9) + fs * 0.4 for lines in legend_lines)
    height = plot.bottom + pad_bottom + legend_h
    root = svg(size, height, i18n._("Effort and impact matrix of the solutions"))
    el(root, "title", i18n._("Effort (1 easy to 5 hard) against impact (1 low to 5 high)"))
    chart = Chart(root, size, height, plot)
    clip = f"{id_prefix}-plot"
    clip_path = el(el(root, "defs"), "clipPath", id=clip)
    el(clip_path, "rect", x=plot.x, y=plot.y, width=plot.w, height=plot.h)

    # Quadrant tints, grid, frame, axes.
    for name, quadrant in quadrants["quadrants"].items():
        low_effort, high_impact = quadrant["effort"] == "low", quadrant["impact"] == "high"
        x0, x1 = (plot.x, mid_x) if low_effort else (mid_x, plot.right)
        y0, y1 = (plot.y, mid_y) if high_impact else (mid_y, plot.bottom)
        el(root, "rect", x=x0, y=y0, width=x1 - x0, height=y1 - y0,
           fill=QUADRANT_FILLS.get(name, "#ffffff"), class_="quadrant")  # fmt: skip
    for value in range(1, 6):
        el(root, "line", x1=px(value), x2=px(value), y1=plot.y, y2=plot.bottom, stroke="#ffffff",
           stroke_width=fs * 0.1)  # fmt: skip
        el(root, "line", x1=plot.x, x2=plot.right, y1=py(value), y2=py(value), stroke="#ffffff",
           stroke_width=fs * 0.1)  # fmt: skip
        tick = fs * 0.9
        chart.boxes.append(text_block(root, [str(value)], px(value), plot.bottom + fs * 0.5, tick,
                                      anchor="middle", fill=MUTED, role="axis"))  # fmt: skip
        top = py(value) - block_height(1, tick) / 2
        chart.boxes.append(text_block(root, [str(value)], plot.x - fs * 0.5, top, tick,
                                      anchor="end", fill=MUTED, role="axis"))  # fmt: skip
    for x1, x2, y1, y2 in ((mid_x, mid_x, plot.y, plot.bottom), (plot.x, plot.right, mid_y, mid_y)):
        el(root, "line", x1=x1, x2=x2, y1=y1, y2=y2, stroke=MUTED, stroke_width=fs * 0.09,
           stroke_dasharray=f"{fs * 0.4:.2f} {fs * 0.3:.2f}")  # fmt: skip
    el(root, "rect", x=plot.x, y=plot.y, width=plot.w, height=plot.h, fill="none", stroke=MUTED,
       stroke_width=fs * 0.09)  # fmt: skip
    effort_title = [i18n._("Effort  (1 easy … 5 hard)  →")]
    chart.boxes.append(text_block(root, effort_title, plot.x + plot.w / 2, plot.bottom + fs * 2,
                                  fs, anchor="middle", fill=INK, role="axis-title"))  # fmt: skip
    impact = i18n._("Impact  (1 low … 5 high)  →")
    length = text_width(impact, fs)
    ax, ay = fs * 1.0 + ASCENT * fs, plot.y + plot.h / 2
    el(root, "text", impact, x=ax, y=ay, font_size=fs, fill=INK, text_anchor="middle",
       transform=f"rotate(-90 {ax:.2f} {ay:.2f})")  # fmt: skip
    chart.boxes.append(
        TextBox(Box(ax - ASCENT * fs, ay - length / 2, (ASCENT + DESCENT) * fs, length),
                (impact,), "axis-title")
    )  # fmt: skip

    # Spread ellipses, clipped to the plot; then points, leader lines, labels.
    spread = el(root, "g", clip_path=f"url(#{clip})", class_="spreads")
    for point in points:
        rating = point.card.rating
        assert rating is not None
        colour = QUADRANT_INKS.get(rating.quadrant, ACCENT)
        el(spread, "ellipse", cx=point.x, cy=point.y, rx=max(rating.effort_spread / 4 * span, 2),
           ry=max(rating.impact_spread / 4 * span, 2), fill=colour, fill_opacity=0.07,
           stroke=colour, stroke_opacity=0.4, stroke_width=fs * 0.07, class_="spread")  # fmt: skip
    marks = el(root, "g", class_="solutions")
    for point, box, moved in placed:
        rating = point.card.rating
        assert rating is not None
        group = el(marks, "g", data_card=point.card.id, data_quadrant=rating.quadrant)
        el(group, "title", i18n.ngettext(
            "%(text)s — effort %(effort)s, impact %(impact)s, %(num)s rater",
            "%(text)s — effort %(effort)s, impact %(impact)s, %(num)s raters",
            rating.n, text=point.card.text, effort=local_decimal(rating.effort),
            impact=local_decimal(rating.impact)))  # fmt: skip
        if moved:
            end = _nearest_on(box, point.x, point.y)
            el(group, "line", x1=point.x, y1=point.y, x2=end[0], y2=end[1], stroke=MUTED,
               stroke_width=fs * 0.08, class_="leader")  # fmt: skip
        el(group, "circle", cx=point.x, cy=point.y, r=fs * 0.38,
           fill=QUADRANT_INKS.get(rating.quadrant, ACCENT), stroke="#ffffff",
           stroke_width=fs * 0.1)  # fmt: skip
        chart.boxes.append(text_block(group, point.lines, box.x, box.y, fs, fill=INK,
                                      role="solution", halo=True))  # fmt: skip
    # Quadrant names last, on a halo, so nothing covers them.
    names = el(root, "g", class_="quadrant-names")
    for name, lines, x, top, anchor in quadrant_names:
        chart.boxes.append(text_block(names, lines, x, top, qsize, anchor=anchor, bold=True,
                                      fill=QUADRANT_INKS.get(name, MUTED), role="quadrant",
                                      halo=True, class_="quadrant-name"))  # fmt: skip
    top = plot.bottom + pad_bottom
    for lines in legend_lines:
        chart.boxes.append(text_block(root, lines, fs, top, fs * 0.9, fill=INK, role="legend"))
        top += block_height(len(lines), fs * 0.9) + fs * 0.4
    return chart


def _place(
    point: _Point,
    lines: list[str],
    fs: float,
    frame: Box,
    obstacles: list[Box],
    taken: list[Box],
) -> tuple[Box, bool] | None:
    """The nearest free place for a label around its point, and whether it moved away."""
    w, h = block_width(lines, fs), block_height(len(lines), fs)
    near = fs * 0.7
    own = Box(point.x - fs * 0.5, point.y - fs * 0.5, fs, fs)
    for distance, left, top in _candidates(point.x, point.y, w, h, near):
        box = Box(left, top, w, h)
        if not box.inside(frame):
            continue
        if any(box.overlaps(other, fs * 0.25) for other in taken):
            continue
        if any(box.overlaps(other) for other in obstacles if other != own):
            continue
        return box, distance > near
    return None


def matrix(view: BoardView, size: float = 420) -> ET.Element:
    """The effort/impact matrix as an SVG element (see matrix_chart for the layout)."""
    return matrix_chart(view, size).element


# Characters XML 1.0 does not allow anywhere (C0 controls but tab/LF/CR, lone surrogates,
# U+FFFE/U+FFFF); ElementTree writes them as they are, which makes the document ill-formed.
NOT_XML: Final = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(text: str) -> str:
    """Text with every character XML 1.0 forbids replaced by U+FFFD."""
    return NOT_XML.sub("\ufffd", text)


def make_xml_safe(node: ET.Element) -> ET.Element:
    """Clean every text, tail and attribute of a tree in place (the one gate before writing)."""
    for item in node.iter():
        if item.text:
            item.text = xml_text(item.text)
        if item.tail:
            item.tail = xml_text(item.tail)
        for key, value in list(item.attrib.items()):
            item.attrib[key] = xml_text(value)
    return node


def to_string(node: ET.Element) -> str:
    return ET.tostring(make_xml_safe(node), encoding="unicode")
