"""The heat map of the exports: touchpoints coloured by their latest value of one metric.

The same scale as the board's heat map (client/src/state/metrics.ts): cividis, dark blue to
yellow, made for colour-vision deficiencies and rising in lightness all along (so it reads in
greyscale), spread from the lowest to the highest latest value among the touchpoints. Text on
a coloured card is black or white, whichever reads better (at least 4.5:1 on any colour of
the scale). The metric is the one asked for (`?heat=`), else the first the board has: NPS,
CSAT, CES, then the KPIs by name.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Final

from journeyboard import i18n
from journeyboard.exports.charts import INK, MUTED, el, svg, text_block
from journeyboard.exports.measure import TextBox, block_height, wrap
from journeyboard.exports.numbers import local_decimal, signed_whole
from journeyboard.workshop.boardview import BoardView, Card, Measured

CIVIDIS: Final = (
    "#00204d", "#00336f", "#39486b", "#575c6d", "#707173",
    "#8a8779", "#a69d75", "#c4b56c", "#e4cf5b", "#ffea46",
)  # fmt: skip
STANDARD: Final = ("nps", "csat", "ces")
NO_DATA_FILL: Final = "#eef0f3"
NO_DATA_EDGE: Final = "#7b8794"
LEGEND_STEPS: Final = 24
NO_DATA: Final = i18n.N_("no data")


def _rgb(color: str) -> tuple[int, int, int]:
    n = int(color[1:], 16)
    return (n >> 16) & 255, (n >> 8) & 255, n & 255


def color_at(at: float) -> str:
    """The scale's colour at 0..1, interpolated between its stops."""
    scaled = max(0.0, min(1.0, at)) * (len(CIVIDIS) - 1)
    index = min(len(CIVIDIS) - 2, int(scaled))
    share = scaled - index
    low, high = _rgb(CIVIDIS[index]), _rgb(CIVIDIS[index + 1])
    mixed = (round(a + (b - a) * share) for a, b in zip(low, high, strict=True))
    return "#" + "".join(f"{c:02x}" for c in mixed)


def luminance(color: str) -> float:
    """WCAG 2 relative luminance."""

    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.03928 else float(((s + 0.055) / 1.055) ** 2.4)

    r, g, b = (channel(c) for c in _rgb(color))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def ink_on(fill: str) -> str:
    """Black or white, whichever reads better on the fill."""
    return "#000000" if contrast(fill, "#000000") >= contrast(fill, "#ffffff") else "#ffffff"


def metric_title(metric: str) -> str:
    return metric.upper() if metric in STANDARD else metric


def value_text(value: Measured) -> str:
    """ "NPS +12", "CSAT 71.5 %", "Wait time 4.5 min" (the language's decimal mark)."""
    number = signed_whole(value.value) if value.metric == "nps" else local_decimal(value.value)
    amount = f"{number} {value.unit}" if value.unit else number
    return f"{metric_title(value.metric)} {amount}"


@dataclass(frozen=True, slots=True)
class HeatMap:
    metric: str
    low: float
    high: float
    unit: str
    values: dict[str, Measured]
    """Each measured touchpoint's latest value of the metric, by card id."""
    touchpoints: int

    def position(self, value: float) -> float:
        return 0.5 if self.high <= self.low else (value - self.low) / (self.high - self.low)

    def fill(self, card: str) -> tuple[str, str] | None:
        """(fill, ink) of a touchpoint, None when it has no value of the metric."""
        value = self.values.get(card)
        if value is None:
            return None
        fill = color_at(self.position(value.value))
        return fill, ink_on(fill)

    def bound_text(self, value: float) -> str:
        number = signed_whole(value) if self.metric == "nps" else local_decimal(value)
        return f"{number} {self.unit}" if self.unit else number


def heat_map(view: BoardView, metric: str | None = None) -> HeatMap | None:
    """The heat map of the view's touchpoints, or None when none has a value (of `metric`)."""
    touchpoints = [card.id for card in view.of_kind("touchpoint")]
    latest = {card: {m.metric: m for m in view.measured.get(card, ())} for card in touchpoints}
    present = {name for values in latest.values() for name in values}
    if metric is None:
        kpis = sorted(name for name in present if name not in STANDARD)
        metric = next((name for name in (*STANDARD, *kpis) if name in present), None)
    if metric is None or metric not in present:
        return None
    values = {card: found[metric] for card, found in latest.items() if metric in found}
    numbers = [value.value for value in values.values()]
    unit = next(iter(values.values())).unit
    return HeatMap(metric, min(numbers), max(numbers), unit, values, len(touchpoints))


def legend_height(size: float) -> float:
    """The height `draw_legend` takes at text size `size`."""
    return block_height(1, size) * 3 + size * 2.4


def draw_legend(
    parent: ET.Element, heat: HeatMap, x: float, top: float, width: float, size: float
) -> list[TextBox]:
    """The legend: its title, the scale from the lowest to the highest value, "no data"."""
    group = el(parent, "g", class_="heat-legend")
    title = i18n._("Heat map: %(metric)s", metric=metric_title(heat.metric))
    boxes = [text_block(group, [title], x, top, size, bold=True, fill=INK, role="summary")]
    y = top + block_height(1, size) + size * 0.5
    bar_w, bar_h = min(width, size * 24), size * 0.9
    step = bar_w / LEGEND_STEPS
    for i in range(LEGEND_STEPS):
        el(group, "rect", x=x + i * step, y=y, width=step + 0.01, height=bar_h,
           fill=color_at(i / (LEGEND_STEPS - 1)), class_="heat-step")  # fmt: skip
    y += bar_h + size * 0.3
    boxes.append(text_block(group, [heat.bound_text(heat.low)], x, y, size, fill=INK,
                            role="summary"))  # fmt: skip
    boxes.append(text_block(group, [heat.bound_text(heat.high)], x + bar_w, y, size, fill=INK,
                            anchor="end", role="summary"))  # fmt: skip
    y += block_height(1, size) + size * 0.6
    dash = f"{size * 0.25:.2f}"
    el(group, "rect", x=x, y=y, width=size * 1.6, height=size, fill=NO_DATA_FILL,
       stroke=NO_DATA_EDGE, stroke_width=size * 0.08, stroke_dasharray=dash)  # fmt: skip
    label = (
        i18n._(NO_DATA)
        + " · "
        + i18n.ngettext(
            "%(num)s of %(total)s touchpoint measured",
            "%(num)s of %(total)s touchpoints measured",
            heat.touchpoints,
            num=len(heat.values),
            total=heat.touchpoints,
        )
    )
    boxes.append(text_block(group, [label], x + size * 2.2, y, size, fill=MUTED, role="summary"))
    return boxes


def heat_chart(view: BoardView, hm: HeatMap, width: float = 640) -> ET.Element:
    """The report's heat map: each stage a column of its touchpoints, coloured by their latest
    value (the value written on each), and the legend under them."""
    size, pad, gap = 8.0, 4.0, 4.0
    stages = [s for s in view.columns() if any(c.kind == "touchpoint" for c in view.cards_in(s))]
    col_w = (width - gap * (len(stages) - 1)) / max(len(stages), 1)
    header_h = block_height(2, size) + pad
    tiles: list[tuple[int, Card, list[str], float]] = []
    heights = [header_h] * len(stages)
    for index, stage in enumerate(stages):
        for card in view.cards_in(stage, "touchpoint"):
            lines = wrap(card.text or "…", col_w - 2 * pad, size, max_lines=3)
            tile_h = block_height(len(lines) + 1, size) + 2 * pad
            tiles.append((index, card, lines, heights[index]))
            heights[index] += tile_h + gap
    top_h = max(heights, default=header_h)
    total_h = top_h + size + legend_height(size)
    root = svg(width, total_h, i18n._("Heat map: %(metric)s", metric=metric_title(hm.metric)))
    root.set("class", "heat-chart")
    for index, stage in enumerate(stages):
        name = wrap(stage.name or "—", col_w, size, bold=True, max_lines=2)
        text_block(root, name, index * (col_w + gap), 0, size, bold=True, fill=INK)
    for index, card, lines, y in tiles:
        x = index * (col_w + gap)
        tile_h = block_height(len(lines) + 1, size) + 2 * pad
        coloured = hm.fill(card.id)
        fill, ink = coloured or (NO_DATA_FILL, INK)
        group = el(root, "g", data_card=card.id, data_heat=fill if coloured else "none")
        el(group, "title", card.text)
        el(group, "rect", x=x, y=y, width=col_w, height=tile_h, rx=3, fill=fill,
           stroke=NO_DATA_EDGE if coloured is None else fill, stroke_width=0.6,
           **({} if coloured else {"stroke_dasharray": "2"}))  # fmt: skip
        value = hm.values.get(card.id)
        label = value_text(value) if value else i18n._(NO_DATA)
        text_block(group, [label], x + pad, y + pad, size, bold=True, fill=ink)
        text_block(group, lines, x + pad, y + pad + block_height(1, size), size, fill=ink,
                   class_="text")  # fmt: skip
    draw_legend(root, hm, 0, top_h + size, width, size)
    return root
