"""SVG charts shared by the report and the poster, built as ElementTree elements.

ElementTree escapes every text and attribute it writes, so card text can never become markup.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Final

from journeyboard import schema
from journeyboard.workshop.boardview import QUADRANT_TITLES, BoardView

SVG_NS: Final = "http://www.w3.org/2000/svg"
ET.register_namespace("", SVG_NS)

INK: Final = "#1f2933"
MUTED: Final = "#52606d"


def el(parent: ET.Element | None, tag: str, text: str | None = None, **attrs: object) -> ET.Element:
    """Add an element with attributes (underscores in names become dashes)."""
    attributes = {key.rstrip("_").replace("_", "-"): str(value) for key, value in attrs.items()}
    node = ET.Element(tag, attributes) if parent is None else ET.SubElement(parent, tag, attributes)
    if text is not None:
        node.text = text
    return node


def svg(width: float, height: float, label: str) -> ET.Element:
    return el(None, "svg", xmlns=SVG_NS, viewBox=f"0 0 {width:g} {height:g}", role="img",
              aria_label=label)  # fmt: skip


def emotion_curve(view: BoardView, width: float = 640, height: float = 220) -> ET.Element:
    """The median feeling score per stage (-3..3) with its min-max spread as a band."""
    root = svg(width, height, "Emotion curve across the stages")
    el(root, "title", "Emotion curve: median feeling per stage, band from lowest to highest")
    left, right, top, bottom = 48.0, 16.0, 16.0, 40.0
    plot_w, plot_h = width - left - right, height - top - bottom
    stages = view.stages
    step = plot_w / max(len(stages), 1)

    def y(score: float) -> float:
        return top + (3 - score) / 6 * plot_h

    for score in (-3, 0, 3):
        el(root, "line", x1=left, x2=width - right, y1=y(score), y2=y(score),
           stroke="#cbd2d9" if score else MUTED, stroke_width=1)  # fmt: skip
        el(root, "text", f"{score:+d}" if score else "0", x=left - 8, y=y(score) + 4,
           text_anchor="end", font_size=12, fill=MUTED)  # fmt: skip
    points: list[str] = []
    for index, entry in enumerate(view.emotion_curve()):
        x = left + step * (index + 0.5)
        el(root, "text", stages[index].name[:18], x=x, y=height - 14, text_anchor="middle",
           font_size=11, fill=INK)  # fmt: skip
        if entry is None:
            continue
        _, median, low, high, n = entry
        el(root, "rect", x=x - 6, y=y(high), width=12, height=max(y(low) - y(high), 1),
           fill="#9fb3c8", opacity=0.6)  # fmt: skip
        el(root, "circle", cx=x, cy=y(median), r=5, fill="#2f4858")
        el(root, "title", f"{stages[index].name}: median {median:g} from {n} feelings")
        points.append(f"{x:.1f},{y(median):.1f}")
    if len(points) > 1:
        el(root, "polyline", points=" ".join(points), fill="none", stroke="#2f4858", stroke_width=2)
    return root


def matrix(view: BoardView, size: float = 420) -> ET.Element:
    """The effort/impact matrix: each rated solution at its means, with its spread."""
    root = svg(size, size, "Effort and impact matrix of the solutions")
    el(root, "title", "Effort (1 easy to 5 hard) against impact (1 low to 5 high)")
    pad = 44.0
    span = size - 2 * pad

    def px(effort: float) -> float:
        return pad + (effort - 1) / 4 * span

    def py(impact: float) -> float:
        return pad + (5 - impact) / 4 * span

    quadrants = schema.load("quadrants.json")
    mid_x, mid_y = px(quadrants["low_effort_up_to"]), py(quadrants["high_impact_from"])
    el(root, "rect", x=pad, y=pad, width=span, height=span, fill="#ffffff", stroke=MUTED)
    el(
        root,
        "line",
        x1=mid_x,
        x2=mid_x,
        y1=pad,
        y2=pad + span,
        stroke=MUTED,
        stroke_dasharray="4 3",
    )
    el(
        root,
        "line",
        x1=pad,
        x2=pad + span,
        y1=mid_y,
        y2=mid_y,
        stroke=MUTED,
        stroke_dasharray="4 3",
    )
    for name, quadrant in quadrants["quadrants"].items():
        # Low effort on the left, high impact at the top.
        x = px(2) if quadrant["effort"] == "low" else px(4)
        y = py(4.6) if quadrant["impact"] == "high" else py(1.3)
        el(root, "text", QUADRANT_TITLES[name], x=x, y=y, text_anchor="middle", font_size=12,
           fill=MUTED, font_weight="bold")  # fmt: skip
    el(
        root,
        "text",
        "Effort →",
        x=pad + span / 2,
        y=size - 10,
        text_anchor="middle",
        font_size=12,
        fill=INK,
    )
    el(root, "text", "Impact →", x=14, y=pad + span / 2, text_anchor="middle", font_size=12,
       fill=INK, transform=f"rotate(-90 14 {pad + span / 2})")  # fmt: skip
    for card in view.of_kind("solution"):
        rating = card.rating
        if rating is None:
            continue
        cx, cy = px(rating.effort), py(rating.impact)
        group = el(root, "g", data_card=card.id, data_quadrant=rating.quadrant)
        el(group, "title", f"{card.text} — effort {rating.effort:.1f}, impact {rating.impact:.1f}")
        el(group, "ellipse", cx=cx, cy=cy, rx=max(rating.effort_spread / 4 * span, 3),
           ry=max(rating.impact_spread / 4 * span, 3), fill="#9fb3c8", opacity=0.35)  # fmt: skip
        el(group, "circle", cx=cx, cy=cy, r=5, fill="#2f4858")
        el(group, "text", card.text[:28], x=cx + 8, y=cy - 6, font_size=11, fill=INK)
    return root


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
