"""The emotion curve and the matrix: labels never overlap or leave their frame, text stays text."""

from __future__ import annotations

import copy
import re
import xml.etree.ElementTree as ET

from chart_boards import CROWDED, crowded_view, example_export, example_view, view_of

from journeyboard.exports import charts, numbers
from journeyboard.exports.measure import TextBox, text_width, wrap

SVG = "{http://www.w3.org/2000/svg}"


def squash(text: str) -> str:
    return re.sub(r"[\s\-]", "", text)


def overlapping(boxes: list[TextBox]) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    return [
        (a.lines, b.lines)
        for i, a in enumerate(boxes)
        for b in boxes[i + 1 :]
        if a.box.overlaps(b.box)
    ]


def test_curve_labels_of_40_character_stages_neither_overlap_nor_leave_the_frame() -> None:
    for view in (example_view(), crowded_view()):
        for width in (640, 480, 900):
            chart = charts.emotion_curve_chart(view, width)
            assert not overlapping(chart.boxes)
            assert all(box.box.inside(chart.frame) for box in chart.boxes)
            stages = [b for b in chart.boxes if b.role == "stage"]
            assert [" ".join(b.lines) for b in stages] == [s.name for s in view.stages]
            ET.fromstring(charts.to_string(chart.element))


def test_curve_turns_labels_when_even_staggered_ones_would_collide() -> None:
    view = crowded_view()
    chart = charts.emotion_curve_chart(view, 300)
    stages = [b for b in chart.boxes if b.role == "stage"]
    assert stages and all(len(b.lines) == 1 for b in stages)  # turned: one line each
    assert not overlapping(chart.boxes)
    assert all(box.box.inside(chart.frame) for box in chart.boxes)


def test_curve_has_a_numbered_axis_and_marks_the_moments_of_truth() -> None:
    chart = charts.emotion_curve_chart(example_view())
    axis = [b.lines[0] for b in chart.boxes if b.role == "axis"]
    assert axis == ["\u22123", "\u22122", "\u22121", "0", "+1", "+2", "+3"]
    assert len([b for b in chart.boxes if b.role == "moment"]) == 2  # Incident, Assessment


def test_matrix_labels_of_crowded_solutions_are_placed_without_collisions() -> None:
    view = crowded_view()
    chart = charts.matrix_chart(view)
    assert not overlapping(chart.boxes)
    assert all(box.box.inside(chart.frame) for box in chart.boxes)
    solutions = [b for b in chart.boxes if b.role == "solution"]
    inner = chart.plot
    assert all(b.box.inside(inner) for b in solutions)
    # Every solution is labelled: on the plot, or by number with its text listed underneath.
    legend = " ".join(" ".join(b.lines) for b in chart.boxes if b.role == "legend")
    on_plot = " ".join(" ".join(b.lines) for b in solutions)
    for text in CROWDED:
        assert squash(text) in squash(on_plot) or text in legend


def test_matrix_wraps_at_word_boundaries_only() -> None:
    chart = charts.matrix_chart(example_view())
    words = {w for card in example_view().of_kind("solution") for w in card.text.split()}
    for box in chart.boxes:
        if box.role == "solution":
            assert all(word in words for line in box.lines for word in line.split())


def test_matrix_draws_quadrant_names_after_the_spreads_and_clips_the_spreads() -> None:
    root = ET.fromstring(charts.to_string(charts.matrix_chart(crowded_view()).element))
    order = [node.get("class") for node in root.iter() if node.get("class")]
    last_spread = max(i for i, name in enumerate(order) if name == "spread")
    first_name = min(i for i, name in enumerate(order) if name == "quadrant-name")
    assert first_name > last_spread
    spreads = next(node for node in root.iter() if node.get("class") == "spreads")
    clip_id = spreads.get("clip-path", "")[5:-1]
    assert root.find(f".//{SVG}clipPath[@id='{clip_id}']") is not None


def test_text_is_escaped_never_markup() -> None:
    view = example_view()
    card = view.of_kind("solution")[0]
    object.__setattr__(card, "text", "<script>alert(1)</script> & more")
    root = ET.fromstring(charts.to_string(charts.matrix_chart(view).element))
    assert not list(root.iter(f"{SVG}script"))
    assert any("<script>" in (node.text or "") for node in root.iter(f"{SVG}tspan")) or any(
        "<script>" in (node.text or "") for node in root.iter(f"{SVG}text")
    )


def test_wrap_keeps_words_whole_and_marks_what_it_leaves_out() -> None:
    lines = wrap("Plain-language decision letters with a glossary", 100, 10)
    assert " ".join(lines) == "Plain-language decision letters with a glossary"
    assert all(text_width(line, 10) <= 100 for line in lines)
    assert wrap("Plain-language", 60, 10) == ["Plain-", "language"]  # at its own hyphen
    short = wrap("one two three four five six seven", 40, 10, max_lines=2)
    assert len(short) == 2 and short[-1].endswith("…")
    assert charts.local_decimal is numbers.local_decimal  # the one rounding rule, localised


def test_a_point_on_a_border_is_drawn_in_the_quadrant_the_table_names() -> None:
    """The shared rule (quadrants.json): a mean on a threshold is low effort and high impact,
    so a solution rated exactly 3 and 3 is a quick win, and its dot sits in the quick wins."""
    data = copy.deepcopy(example_export())
    data["cards"].append({"id": "edge", "kind": "solution", "stage": "st2", "pos": "z",
                          "text": "On the border", "author": ""})  # fmt: skip
    data["results"]["ratings"]["edge"] = {"effort": 3, "impact": 3, "n": 4, "effort_spread": 0,
                                          "impact_spread": 0, "quadrant": "quick_win"}  # fmt: skip
    root = ET.fromstring(charts.to_string(charts.matrix_chart(view_of(data)).element))
    dashed = [line for line in root.iter(SVG + "line") if line.get("stroke-dasharray")]
    mid_x = next(float(line.get("x1", "")) for line in dashed if line.get("x1") == line.get("x2"))
    mid_y = next(float(line.get("y1", "")) for line in dashed if line.get("y1") == line.get("y2"))
    group = next(g for g in root.iter(SVG + "g") if g.get("data-card") == "edge")
    assert group.get("data-quadrant") == "quick_win"
    dot = group.find(SVG + "circle")
    assert dot is not None
    radius = float(dot.get("r", ""))
    assert float(dot.get("cx", "")) + radius <= mid_x
    assert float(dot.get("cy", "")) + radius <= mid_y


def test_a_label_never_covers_its_own_dot_even_when_crowded() -> None:
    for size in (420, 260, 160):
        chart = charts.matrix_chart(crowded_view(), size=size)
        root = ET.fromstring(charts.to_string(chart.element))
        dots = [
            (float(c.get("cx", "")), float(c.get("cy", "")), float(c.get("r", "")))
            for g in root.iter(SVG + "g")
            if g.get("data-card")
            for c in g.findall(SVG + "circle")
        ]
        labels = [box.box for box in chart.boxes if box.role == "solution"]
        assert len(labels) == len(dots)
        for (x, y, r), box in zip(dots, labels, strict=True):  # drawn in the same order
            inside_x = box.x - r < x < box.x + box.w + r
            inside_y = box.y - r < y < box.y + box.h + r
            assert not (inside_x and inside_y), (size, x, y, box)
