"""The poster fills its sheet, draws each card's text once, and keeps its labels apart."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
from chart_boards import assert_poster_labels_apart, crowded_view, example_view

from journeyboard.exports import poster

SVG = "{http://www.w3.org/2000/svg}"


def squash(text: str) -> str:
    """Text without spaces and hyphens, so a line break (or a hyphenated one) compares equal."""
    return re.sub(r"[\s\-]", "", text)


def texts(root: ET.Element) -> list[str]:
    return [squash("".join(node.itertext())) for node in root.iter(f"{SVG}text")]


@pytest.mark.parametrize("sheet", ["A0", "A1"])
def test_poster_fills_a_sheet_shaped_viewbox(sheet: str) -> None:
    for view in (example_view(), crowded_view()):
        _, layout = poster.poster_drawing(view, sheet, 1795000000000)
        root = ET.fromstring(poster.poster(view, sheet, 1795000000000))
        width, height = (float(v) for v in root.get("viewBox", "").split()[2:])
        page_w, page_h = poster.PAGES[sheet]
        assert root.get("width") == f"{page_w}mm" and root.get("height") == f"{page_h}mm"
        assert abs(width / height - page_w / page_h) < 1e-3
        assert layout.content.h / height > 0.85 and layout.content.w / width > 0.9
        assert layout.font >= 3.5  # millimetres of card text on the sheet


def test_every_card_text_appears_exactly_once() -> None:
    for view in (example_view(), crowded_view()):
        drawn = texts(ET.fromstring(poster.poster(view)))
        for card in view.cards:
            assert drawn.count(squash(card.text)) == 1, card.text


def test_no_two_text_boxes_overlap_and_none_leaves_the_sheet() -> None:
    assert_poster_labels_apart(crowded_view())


def test_poster_carries_curve_moments_pains_and_the_action_plan() -> None:
    view = example_view()
    root = ET.fromstring(poster.poster(view))
    flat = [("".join(node.itertext())) for node in root.iter(f"{SVG}text")]
    assert "Emotion curve" in flat and "Pain points, ranked by votes" in flat
    assert "Action plan: owners and decisions" in flat and "Moments of truth" in flat
    assert "Digital team" in flat and "approved" in flat and "rejected" in flat
    assert "★ Incident · phone" in flat
    ids = {node.get("id") for node in root.iter() if node.get("id")}
    assert {"lane-headers", "stage-headers", "map", "title-block"} <= ids


def test_layout_exposes_columns_and_rows_for_tiling() -> None:
    _, layout = poster.poster_drawing(example_view(), "A1")
    assert len(layout.columns) == 7 and layout.columns[0].x == pytest.approx(layout.map.x)
    assert layout.columns[-1].x + layout.columns[-1].w == pytest.approx(layout.map.right)
    assert layout.lane_headers.right <= layout.map.x + 1e-6
    assert [r.kind for r in layout.rows][-1] == poster.SUMMARY_ROW
    assert poster.CURVE_ROW in [r.kind for r in layout.rows]
    scale, tiles = poster.tile_plan(layout, "A4")
    assert scale == pytest.approx(1.0) and len(tiles) >= 4


def test_tiles_repeat_the_headers_and_parse() -> None:
    pages = poster.tiles(example_view(), "A4")
    assert len(pages) >= 4
    for page in pages:
        root = ET.fromstring(page)
        assert root.get("width") == "297mm"
        ids = [node.get("id") for node in root.iter() if node.get("id") in ("lane-headers",)]
        assert ids == ["lane-headers"]
