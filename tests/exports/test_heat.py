"""The heat map in the exports (issue #28): the scale (the board's, colour-blind safe, readable
in greyscale, text at AA), the metric chosen, and the poster and the report carrying the
touchpoints in their colours, the latest values and a legend, read back from the PDFs with
pdftotext and pdftoppm's pixels."""

from __future__ import annotations

import io
import re
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from chart_boards import assert_poster_labels_apart, crowded_view, example_view
from PIL import Image
from pypdf import PdfReader

from journeyboard.exports import heat, poster
from journeyboard.exports.render import render
from journeyboard.workshop.boardview import BoardView, latest_measured

ROOT = Path(__file__).resolve().parents[2]
NOW_MS = 1_795_003_600_000
SVG = "{http://www.w3.org/2000/svg}"
DARK, LIGHT = "#00204d", "#ffea46"

# The example's touchpoints: c02 roadside number, c08 claim form, c09 e-mail, c17 assessor's
# call, c24 decision letter, c30 partner garage, c36 app notice, c40 survey (no values).
SERIES = {
    "c02": {"nps": {"unit": "", "points": [{"date": "2026-01-15", "value": 42}]}},
    "c08": {
        "nps": {
            "unit": "",
            "points": [{"date": "2026-01-15", "value": -10}, {"date": "2026-03-15", "value": 18}],
        },
        "csat": {"unit": "%", "points": [{"date": "2026-03-15", "value": 71.5}]},
    },
    "c17": {
        "nps": {"unit": "", "points": [{"date": "2026-03-15", "value": -35}]},
        "Wait time": {"unit": "min", "points": [{"date": "2026-03-15", "value": 4.5}]},
    },
    "c24": {"nps": {"unit": "", "points": [{"date": "2026-03-15", "value": -52}]}},
    "c30": {"nps": {"unit": "", "points": [{"date": "2026-03-15", "value": 61}]}},
}


def measured(view: BoardView, metric: str | None = None) -> BoardView:
    view.measured = latest_measured(SERIES)
    view.heat_metric = metric
    return view


def rgb(color: str) -> tuple[int, int, int]:
    n = int(color[1:], 16)
    return (n >> 16) & 255, (n >> 8) & 255, n & 255


def pixels_near(picture: Path, color: str, tolerance: int = 12) -> int:
    """How many pixels of a PNG are within `tolerance` of `color` in every channel."""
    want = rgb(color)
    with Image.open(picture) as image:
        data = image.convert("RGB").get_flattened_data()
        return sum(
            1 for p in data if all(abs(a - b) <= tolerance for a, b in zip(p, want, strict=True))
        )


def pages_as_png(body: bytes, where: Path, dpi: int) -> list[Path]:
    source = where / "in.pdf"
    source.write_bytes(body)
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", source, where / "page"], check=True)
    return sorted(where.glob("page-*.png"), key=lambda p: int(p.stem.split("-")[1]))


def pdf_text(body: bytes, where: Path) -> str:
    source = where / "text.pdf"
    source.write_bytes(body)
    out = subprocess.run(["pdftotext", source, "-"], check=True, capture_output=True, text=True)
    return " ".join(out.stdout.split())


# -- the scale ---------------------------------------------------------------------------


def test_the_scale_is_the_boards_own() -> None:
    source = (ROOT / "client" / "src" / "state" / "metrics.ts").read_text(encoding="utf-8")
    block = source.split("export const CIVIDIS", 1)[1].split("];", 1)[0]
    assert tuple(re.findall(r"'(#[0-9a-f]{6})'", block)) == heat.CIVIDIS


def test_the_scale_rises_in_lightness_and_keeps_text_at_aa() -> None:
    previous = -1.0
    for step in range(201):
        fill = heat.color_at(step / 200)
        assert heat.luminance(fill) > previous  # greyscale keeps the order
        previous = heat.luminance(fill)
        assert heat.contrast(fill, heat.ink_on(fill)) >= 4.5
    assert heat.color_at(0) == DARK and heat.color_at(1) == LIGHT
    assert heat.ink_on(DARK) == "#ffffff" and heat.ink_on(LIGHT) == "#000000"


def test_the_first_metric_the_board_has_or_the_one_asked_for() -> None:
    view = measured(example_view())
    hm = heat.heat_map(view)
    assert hm is not None and hm.metric == "nps"
    assert (hm.low, hm.high, hm.touchpoints, len(hm.values)) == (-52, 61, 8, 5)
    assert hm.fill("c24") == (DARK, "#ffffff") and hm.fill("c30") == (LIGHT, "#000000")
    assert hm.fill("c40") is None
    kpi = heat.heat_map(view, "Wait time")
    assert kpi is not None and kpi.unit == "min" and kpi.fill("c17") is not None
    assert kpi.fill("c17") == (heat.color_at(0.5), heat.ink_on(heat.color_at(0.5)))
    assert heat.heat_map(view, "ces") is None
    assert heat.heat_map(example_view()) is None  # nothing measured: no heat map at all


# -- the poster --------------------------------------------------------------------------


def test_the_poster_colours_touchpoints_and_writes_their_latest_values() -> None:
    view = measured(example_view())
    root = ET.fromstring(poster.poster(view, "A1", NOW_MS))
    cards = {g.get("data-card"): g for g in root.iter(f"{SVG}g") if g.get("data-card")}
    assert cards["c24"].get("data-heat") == DARK and cards["c30"].get("data-heat") == LIGHT
    assert cards["c40"].get("data-heat") == "none" and cards["c36"].get("data-heat") == "none"
    assert cards["c02"].get("data-heat") not in (None, "none", DARK, LIGHT)
    letter = [t for t in cards["c24"].iter(f"{SVG}text")]
    assert all(t.get("fill") == "#ffffff" for t in letter)
    written = " ".join("".join(t.itertext()) for t in root.iter(f"{SVG}text"))
    assert "NPS +42" in written and "NPS \u221252" in written and "NO DATA" in written
    assert "Heat map: NPS" in written and "5 of 8 touchpoints measured" in written
    # Not a touchpoint's colour on any other card.
    kinds = {card.id: card.kind for card in view.cards}
    coloured = {c for c, g in cards.items() if g.get("data-heat") is not None}
    assert coloured == {c for c, kind in kinds.items() if kind == "touchpoint"}


def test_the_poster_keeps_its_labels_apart_with_the_heat_map() -> None:
    view = crowded_view()
    view.measured = latest_measured(SERIES)
    assert_poster_labels_apart(view)


def test_the_poster_pdf_shows_the_scale_in_its_pixels(tmp_path: Path) -> None:
    body = render(measured(example_view()), "poster-pdf", NOW_MS, sheet="A1").page(1)
    (picture,) = pages_as_png(body, tmp_path, 20)
    # The darkest touchpoint, the lightest, and the legend's ends are drawn in those colours.
    assert pixels_near(picture, DARK) > 40
    assert pixels_near(picture, LIGHT) > 40
    text = pdf_text(body, tmp_path)
    assert "Heat map: NPS" in text and "NPS +61" in text


def test_the_poster_takes_the_metric_asked_for(tmp_path: Path) -> None:
    body = render(measured(example_view()), "poster-pdf", NOW_MS, sheet="A1", heat="csat").page(1)
    text = pdf_text(body, tmp_path)
    assert "Heat map: CSAT" in text and "CSAT 71.5 %" in text
    assert "1 of 8 touchpoints measured" in text


# -- the report --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def report_pdf() -> bytes:
    return render(measured(example_view()), "pdf", NOW_MS).page(1)


def test_the_report_has_a_heat_map_page_with_values_and_legend(
    report_pdf: bytes, tmp_path: Path
) -> None:
    reader = PdfReader(io.BytesIO(report_pdf))
    texts = [" ".join(page.extract_text().split()) for page in reader.pages]
    (number,) = [n for n, t in enumerate(texts) if "Measured values at the touchpoints" in t]
    page = texts[number]
    assert "Heat map: NPS" in page and "5 of 8 touchpoints measured" in page
    assert "NPS +42" in page and "no data" in page
    # The map section still lists each touchpoint's latest values in words.
    assert any("NPS +18, measured" in t for t in texts)
    pictures = pages_as_png(report_pdf, tmp_path, 50)
    assert pixels_near(pictures[number], DARK) > 30
    assert pixels_near(pictures[number], LIGHT) > 30
    assert all(pixels_near(p, DARK) == 0 for n, p in enumerate(pictures) if n != number)


def test_a_board_without_measured_values_has_no_heat_map() -> None:
    html = render(example_view(), "html", NOW_MS).page(1).decode()
    assert "heat-chart" not in html and "Measured values at the touchpoints" not in html
    html = render(measured(example_view()), "html", NOW_MS).page(1).decode()
    assert html.count('class="heat-chart"') == 1
