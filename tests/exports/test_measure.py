"""Text is measured with the font the exports print with, so Nordic letters and long compound
words wrap and fit."""

from __future__ import annotations

import re
import shutil
import subprocess
import xml.etree.ElementTree as ET

import pytest
from chart_boards import example_export, view_of
from fontTools.ttLib import TTFont

from journeyboard import i18n
from journeyboard.exports import poster
from journeyboard.exports.measure import (
    FONT_FAMILY,
    MARGIN,
    MEASURED_FAMILY,
    Box,
    fits,
    font_file,
    text_width,
    wrap,
)

NORDIC = "åäöæøÅÄÖÆØ"
COMPOUNDS = ("kundereiseanalyse", "Skadeanmälningsförfarandet", "Sandhedens øjeblik på Ærø")
SVG = "{http://www.w3.org/2000/svg}"


def test_the_measured_font_is_the_one_fontconfig_prints_the_first_family_with() -> None:
    assert FONT_FAMILY.split(",")[0] == MEASURED_FAMILY
    fc_match = shutil.which("fc-match")
    if fc_match is None:
        pytest.skip("no fontconfig here")
    for bold, pattern in ((False, MEASURED_FAMILY), (True, f"{MEASURED_FAMILY}:bold")):
        found = subprocess.run(
            [fc_match, "--format=%{file}", pattern], capture_output=True, text=True, check=True
        ).stdout
        assert str(font_file(bold)) == found


@pytest.mark.parametrize("bold", [False, True])
def test_nordic_letters_are_as_wide_as_the_font_draws_them(bold: bool) -> None:
    path = font_file(bold)
    assert path is not None
    with TTFont(path) as font:
        cmap, metrics = font.getBestCmap(), font["hmtx"]
        units = font["head"].unitsPerEm
        for char in NORDIC + "".join(COMPOUNDS):
            expected = metrics[cmap[ord(char)]][0] / units * 10 * MARGIN
            assert text_width(char, 10, bold) == pytest.approx(expected), char
    # Not measured as a base letter or as a full em any more: æ is wider than a, ø is not.
    assert text_width("æ", 10) > text_width("a", 10) * 1.4
    assert text_width("ø", 10) < text_width("æ", 10)


@pytest.mark.parametrize("bold", [False, True])
def test_long_compounds_wrap_and_fit(bold: bool) -> None:
    for text in COMPOUNDS:
        for width in (15.0, 30.0, 60.0, 200.0):
            lines = wrap(text, width, 5, bold=bold)
            assert fits(lines, width, 5, bold), (text, width, lines)
            assert re.sub(r"[\s-]", "", "".join(lines)) == re.sub(r"[\s-]", "", text)
    # A compound that fits its line stays whole.
    whole = text_width("kundereiseanalyse", 5, bold)
    assert wrap("kundereiseanalyse", whole + 0.01, 5, bold=bold) == ["kundereiseanalyse"]
    assert len(wrap("kundereiseanalyse", whole - 0.01, 5, bold=bold)) == 2


def test_a_nordic_poster_keeps_every_label_on_the_sheet_and_apart() -> None:
    export = example_export()
    names = ["Kundereiseanalyse", "Skadeanmälningsförfarandet", "Ærøskøbing", "Sagsbehandling"]
    for stage, name in zip(export["stages"], names, strict=False):
        stage["name"] = name
    for card in export["cards"][:12]:
        card["text"] = (
            "Sannhetens øyeblikk: kundereiseanalysens første møte med forsikringsselskapet"
        )
    with i18n.using("nb"):
        view = view_of(export)
        for sheet in ("A0", "A1"):
            _, layout = poster.poster_drawing(view, sheet)
            frame = Box(0, 0, *layout.viewbox)
            assert all(box.box.inside(frame) for box in layout.boxes)
            clashes = [
                (a.lines, b.lines)
                for i, a in enumerate(layout.boxes)
                for b in layout.boxes[i + 1 :]
                if a.box.overlaps(b.box)
            ]
            assert not clashes
        drawn = "".join(ET.fromstring(poster.poster(view)).itertext())
    squashed = re.sub(r"[\s-]", "", drawn)
    for name in names:
        assert name in squashed
    assert "Kundereisekart" in drawn  # the poster's own words in Norwegian
