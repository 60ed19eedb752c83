"""Render the example board's charts and poster to docs/samples/ (SVG, and PNG through Chromium).

python scripts/chart_samples.py   (needs `chromium` on PATH; run with PYTHONPATH=server)

Writes curve.png and matrix.png at the report's size, the long-stage-name and crowded-matrix
variants the collision tests use, the A0 poster (SVG and PNG) and its A4 tiles (SVG).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "exports"))

from chart_boards import crowded_view, example_view  # noqa: E402

from journeyboard.exports import charts, poster  # noqa: E402

SAMPLES = ROOT / "docs" / "samples"


def screenshot(svg: str, width: int, height: int, out: Path) -> None:
    """A PNG of an SVG drawn width x height pixels by headless Chromium."""
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / "page.html"
        page.write_text(
            "<!doctype html><html><body style='margin:0;background:#fff'>"
            f"<div style='width:{width}px;height:{height}px'>{svg}</div></body></html>",
            encoding="utf-8",
        )
        subprocess.run(
            ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
             f"--screenshot={out}", f"--window-size={width},{height}", page.as_uri()],
            check=True, capture_output=True,
        )  # fmt: skip


def sized(svg: str, width: int, height: int) -> str:
    """The SVG's root with pixel width and height instead of its own."""
    head, rest = svg.split(">", 1)
    for key in ("width", "height"):
        if f' {key}="' in head:
            start = head.index(f' {key}="')
            end = head.index('"', start + len(key) + 3)
            head = head[:start] + head[end + 1 :]
    return head.replace("<svg", f'<svg width="{width}" height="{height}"', 1) + ">" + rest


def chart_png(chart: charts.Chart, scale: float, out: Path) -> None:
    width, height = round(chart.width * scale), round(chart.height * scale)
    screenshot(sized(charts.to_string(chart.element), width, height), width, height, out)


def main() -> None:
    SAMPLES.mkdir(parents=True, exist_ok=True)
    view, crowded = example_view(), crowded_view()
    chart_png(charts.emotion_curve_chart(view), 2, SAMPLES / "curve.png")
    chart_png(charts.matrix_chart(view), 2, SAMPLES / "matrix.png")
    chart_png(charts.emotion_curve_chart(crowded), 2, SAMPLES / "curve-long-stage-names.png")
    chart_png(charts.matrix_chart(crowded), 2, SAMPLES / "matrix-crowded.png")
    when = 1795000000000
    drawing = poster.poster(view, "A0", when)
    (SAMPLES / "insurance-claim-poster-A0.svg").write_text(drawing, encoding="utf-8")
    body = drawing.split("?>", 1)[1]
    screenshot(sized(body, 3000, 2122), 3000, 2122, SAMPLES / "insurance-claim-poster.png")
    screenshot(sized(poster.poster(crowded, "A1", when).split("?>", 1)[1], 3000, 2122), 3000,
               2122, SAMPLES / "poster-long-stage-names-A1.png")  # fmt: skip
    tiles = SAMPLES / "tiles"
    tiles.mkdir(exist_ok=True)
    for old in tiles.glob("poster-A4-*.svg"):
        old.unlink()
    for number, page in enumerate(poster.tiles(view, "A4"), start=1):
        (tiles / f"poster-A4-{number}.svg").write_text(page, encoding="utf-8")
    first = poster.tiles(view, "A4")[0].split("?>", 1)[1]
    screenshot(sized(first, 1485, 1050), 1485, 1050, SAMPLES / "poster-A4-tile-1.png")


if __name__ == "__main__":
    main()
