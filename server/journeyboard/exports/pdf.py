"""The PDF exports: the report as a paginated A4 document, the wall poster as a vector PDF.

Both are laid out by WeasyPrint (docs/DECISIONS.md says why): the report is the report's own
HTML (`report.report_html`) printed with `templates/print.css`; the poster is its SVG drawing
placed on one A0 or A1 page, or tiled over A3 or A4 pages at full size with an overlap, crop
marks at the corners of each tile, a tile label, and the lane headers repeated at the left edge
of every tile. SVG stays vector all the way (WeasyPrint draws it into the PDF, text as text).

Lengths are millimetres. WeasyPrint is imported when a PDF is made, so the server and the CLI
start without it.
"""

from __future__ import annotations

import base64
import functools
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from journeyboard import i18n
from journeyboard.exports import poster, report
from journeyboard.exports.charts import to_string
from journeyboard.workshop.boardview import BoardView

PAPER: Final = {"A0": (1189.0, 841.0), "A1": (841.0, 594.0), "A3": (420.0, 297.0),
                "A4": (297.0, 210.0)}  # fmt: skip
"""Landscape sizes in mm; a tile page may turn to portrait."""

SHEETS: Final = ("A0", "A1")
TILES: Final = ("A3", "A4")

TILE_MARGIN: Final = 12.0
"""The unprinted edge of a tile page, which holds the crop marks and the label."""
OVERLAP: Final = 10.0
"""How much of the drawing two neighbouring tiles both print, for gluing."""
MARK: Final = 6.0
MARK_GAP: Final = 2.0

PRINT_CSS: Final = Path(__file__).with_name("templates") / "print.css"


# -- the report --------------------------------------------------------------------------


def report_pdf(view: BoardView, now_ms: int) -> bytes:
    """The workshop summary as an A4 PDF: cover, map, curve, pains, matrix, plan, left open."""
    return _write_pdf(with_print_stylesheet(report.report_html(view, now_ms, paper=True)), "")


def workshop_pdf(journeys: Sequence[tuple[BoardView, report.JourneyPlace]], now_ms: int) -> bytes:
    """The summary of a workshop of several journeys as an A4 PDF: the portfolio's comparison,
    then a chapter per journey."""
    return _write_pdf(with_print_stylesheet(report.workshop_html(journeys, now_ms, paper=True)), "")


def with_print_stylesheet(html: str) -> str:
    """The report's HTML with print.css in its head, after its own styles, unless it has it.

    Given to WeasyPrint as a user stylesheet, print.css would lose to the page's own rules; as
    the last author style it refines them, as it does in a browser.
    """
    css = _print_stylesheet()
    if css.strip().splitlines()[0] in html:
        return html
    return html.replace("</head>", f"<style>\n{css}</style>\n</head>", 1)


@functools.cache
def _print_stylesheet() -> str:
    return PRINT_CSS.read_text(encoding="utf-8")


# -- the poster --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PosterArt:
    """A poster drawing and what tiling needs to know of its layout.

    `svg` is a complete SVG document drawn to fill `width` by `height` mm. `lane_headers` is the
    horizontal span (from, to) in mm of the column holding the lane names, repeated at the left
    of every tile below `lanes_top` (mm from the top, where the first lane starts); `title`
    names the board on each tile's label.
    """

    svg: str
    width: float
    height: float
    lane_headers: tuple[float, float]
    lanes_top: float
    title: str


def poster_art(view: BoardView, sheet: str, now_ms: int | None = None) -> PosterArt:
    """The poster of a board on an A0 or A1 sheet, with the lane-header span it was drawn with
    (read from the poster's own layout, in millimetres on the sheet)."""
    if sheet not in SHEETS:
        raise ValueError(f"unknown sheet {sheet!r}; use one of {', '.join(SHEETS)}")
    drawing, layout = poster.poster_drawing(view, sheet, now_ms)
    svg = '<?xml version="1.0" encoding="UTF-8"?>\n' + to_string(drawing)
    width, height = layout.sheet_mm
    scale = layout.mm_per_unit
    headers = layout.lane_headers
    return PosterArt(
        svg,
        float(width),
        float(height),
        (headers.x * scale, headers.right * scale),
        layout.map.y * scale,
        view.title or i18n._("Customer journey map"),
    )


def poster_pdf(art: PosterArt) -> bytes:
    """The poster on one page of its own size, as vectors."""
    page = (
        f"@page {{ size: {art.width}mm {art.height}mm; margin: 0 }}"
        "html, body { margin: 0 }"
        f"img {{ display: block; width: {art.width}mm; height: {art.height}mm }}"
    )
    return _write_pdf(f'<!doctype html><img alt="" src="{_data_uri(art.svg)}">', page)


@dataclass(frozen=True, slots=True)
class Tile:
    """One page of a tiled poster: which part of the drawing it prints, where, and its name.

    The page is `page_w` by `page_h` mm; the drawing's part from `x` (and `y`) shows in the
    printed area inside the margin, to the right of the repeated lane headers (`headers` mm
    wide, 0 on the first column, which has its own).
    """

    row: int
    column: int
    rows: int
    columns: int
    page_w: float
    page_h: float
    x: float
    y: float
    headers: float

    @property
    def label(self) -> str:
        return i18n._(
            "row %(row)s, column %(column)s of %(rows)s×%(columns)s",  # noqa: RUF001
            row=self.row,
            column=self.column,
            rows=self.rows,
            columns=self.columns,
        )


def tile_grid(art: PosterArt, page: str) -> list[Tile]:
    """Cut the drawing into tiles of an A3 or A4 page, turned whichever way needs fewer.

    A way that can repeat the lane headers (they take at most half a tile's width) wins over
    one that cannot.
    """
    if page not in TILES:
        raise ValueError(f"unknown tile page {page!r}; use one of {', '.join(TILES)}")
    long, short = PAPER[page]
    ways = [_tiles(art, long, short), _tiles(art, short, long)]
    return min(ways, key=lambda t: (t[-1].columns > 1 and not t[-1].headers, len(t)))


def _tiles(art: PosterArt, page_w: float, page_h: float) -> list[Tile]:
    inner_w, inner_h = page_w - 2 * TILE_MARGIN, page_h - 2 * TILE_MARGIN
    headers = art.lane_headers[1] - art.lane_headers[0]
    if headers > inner_w / 2:
        headers = 0.0  # too wide to repeat: the later tiles go without
    step_x = inner_w - headers - OVERLAP
    step_y = inner_h - OVERLAP
    columns = 1 + max(0, math.ceil((art.width - inner_w) / step_x - 1e-9))
    rows = 1 + max(0, math.ceil((art.height - inner_h) / step_y - 1e-9))
    return [
        Tile(
            row=row + 1,
            column=column + 1,
            rows=rows,
            columns=columns,
            page_w=page_w,
            page_h=page_h,
            x=0.0 if column == 0 else inner_w - OVERLAP + (column - 1) * step_x,
            y=row * step_y,
            headers=0.0 if column == 0 else headers,
        )
        for row in range(rows)
        for column in range(columns)
    ]


def tiled_pdf(art: PosterArt, page: str) -> bytes:
    """The poster at full size over A3 or A4 pages, in reading order, one tile a page.

    WeasyPrint lays out SVG text glyph by glyph (about half a second for a poster), so the
    drawing is laid out once, as a one-page PDF, and every tile shows that page as one Form
    XObject, clipped twice: to its part of the map and to the lane headers at its left. The
    tiles' own marks and labels are a second, light WeasyPrint document drawn over them.
    """
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import ArrayObject, DictionaryObject, NameObject, StreamObject

    tiles = tile_grid(art, page)
    drawing = PdfReader(io.BytesIO(poster_pdf(art))).pages[0]
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(_write_pdf(*_tile_marks(art, tiles)))))
    placed = writer.add_page(drawing)  # copies the drawing's resources into this file
    form = StreamObject()
    form.set_data(drawing.get_contents().get_data())  # type: ignore[union-attr]
    form.update({
        NameObject("/Type"): NameObject("/XObject"),
        NameObject("/Subtype"): NameObject("/Form"),
        NameObject("/BBox"): placed.mediabox,
        NameObject("/Resources"): placed["/Resources"],
    })  # fmt: skip
    reference = writer._add_object(form.flate_encode())  # no public call makes a page a form
    writer.remove_page(placed)
    for tile, sheet in zip(tiles, writer.pages, strict=True):
        under = StreamObject()
        under.set_data(_tile_drawing(art, tile).encode("ascii"))
        resources = sheet.setdefault(NameObject("/Resources"), DictionaryObject())
        xobjects = resources.setdefault(NameObject("/XObject"), DictionaryObject())
        xobjects[NameObject("/Poster")] = reference
        contents = sheet["/Contents"]
        sheet[NameObject("/Contents")] = ArrayObject(
            [writer._add_object(under), *(contents if isinstance(contents, list) else [contents])]
        )
    writer.compress_identical_objects()
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _tile_drawing(art: PosterArt, tile: Tile) -> str:
    """PDF operators placing the drawing's part and its lane headers on a tile (points)."""
    page_h = tile.page_h * MM
    top = page_h - TILE_MARGIN * MM
    height = (tile.page_h - 2 * TILE_MARGIN) * MM
    drop = top - art.height * MM + tile.y * MM  # moves the drawing's row y to the printed top

    def part(left: float, width: float, shift: float) -> str:
        return (
            f"q {left * MM:.3f} {top - height:.3f} {width * MM:.3f} {height:.3f} re W n "
            f"1 0 0 1 {shift * MM:.3f} {drop:.3f} cm /Poster Do Q\n"
        )

    inner_w = tile.page_w - 2 * TILE_MARGIN
    ops = part(TILE_MARGIN, inner_w, TILE_MARGIN + tile.headers - tile.x)
    strip_top = top - max(0.0, art.lanes_top - tile.y) * MM  # lanes only, not the titles
    if tile.headers and strip_top > top - height:
        left, width, strip = TILE_MARGIN * MM, tile.headers * MM, strip_top - (top - height)
        ops += (
            f"q {left:.3f} {top - height:.3f} {width:.3f} {strip:.3f} re W n "
            f"1 g {left:.3f} {top - height:.3f} {width:.3f} {strip:.3f} re f "
            f"1 0 0 1 {(TILE_MARGIN - art.lane_headers[0]) * MM:.3f} {drop:.3f} cm /Poster Do Q\n"
        )
        edge = (TILE_MARGIN + tile.headers) * MM
        ops += (
            f"q 0.604 0.647 0.694 RG 0.85 w {edge:.3f} {top - height:.3f} m "
            f"{edge:.3f} {strip_top:.3f} l S Q\n"
        )
    return ops


def _tile_marks(art: PosterArt, tiles: list[Tile]) -> tuple[str, str]:
    """HTML and CSS of the tiles' crop marks and labels, one page a tile, nothing else."""
    first = tiles[0]
    css = (
        f"@page {{ size: {first.page_w}mm {first.page_h}mm; margin: 0 }}"
        "html, body { margin: 0 } body { font: 7pt/1.2 'DejaVu Sans', sans-serif; color: #52606d }"
        f".tile {{ position: relative; width: {first.page_w}mm; height: {first.page_h}mm;"
        "  overflow: hidden; break-after: page }"
        ".tile:last-child { break-after: auto }"
        ".marks { position: absolute; left: 0; top: 0 }"
        f".label {{ position: absolute; left: {TILE_MARGIN}mm; bottom: 4mm; margin: 0;"
        "  white-space: nowrap }"
    )
    pages = []
    for tile in tiles:
        label = _escape(
            i18n._(
                "%(title)s · wall poster %(sheet)s on %(paper)s · %(tile)s · overlap %(overlap)s "
                "mm: cut at the marks, lay over the next tile",
                title=art.title,
                sheet=_paper_name(art),
                paper=_paper_of(tile),
                tile=tile.label,
                overlap=format(OVERLAP, "g"),
            )
        )
        pages.append(
            f'<section class="tile">{_crop_marks(tile)}<p class="label">{label}</p></section>'
        )
    return "<!doctype html>" + "".join(pages), css


MM: Final = 72 / 25.4
"""Points per millimetre."""


def _crop_marks(tile: Tile) -> str:
    """Short hairlines outside each corner of the printed area, along both of its edges."""
    left, top = TILE_MARGIN, TILE_MARGIN
    right, bottom = tile.page_w - TILE_MARGIN, tile.page_h - TILE_MARGIN
    lines = []
    for x, dx in ((left, -1), (right, 1)):
        for y, dy in ((top, -1), (bottom, 1)):
            near_x, far_x = x + dx * MARK_GAP, x + dx * (MARK_GAP + MARK)
            near_y, far_y = y + dy * MARK_GAP, y + dy * (MARK_GAP + MARK)
            lines.append(f'<line x1="{near_x}" y1="{y}" x2="{far_x}" y2="{y}"/>')
            lines.append(f'<line x1="{x}" y1="{near_y}" x2="{x}" y2="{far_y}"/>')
    return (
        f'<svg class="marks" xmlns="http://www.w3.org/2000/svg" width="{tile.page_w}mm" '
        f'height="{tile.page_h}mm" viewBox="0 0 {tile.page_w} {tile.page_h}">'
        f'<g stroke="#000" stroke-width="0.25">{"".join(lines)}</g></svg>'
    )


def _paper_name(art: PosterArt) -> str:
    return next((name for name, size in PAPER.items() if size == (art.width, art.height)), "")


def _paper_of(tile: Tile) -> str:
    size = (max(tile.page_w, tile.page_h), min(tile.page_w, tile.page_h))
    return next(name for name, paper in PAPER.items() if paper == size)


# -- WeasyPrint --------------------------------------------------------------------------


def _data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode("ascii")


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _write_pdf(html: str, css: str) -> bytes:
    """Lay out an HTML string with a stylesheet, fetching nothing but data: URIs.

    Card text is escaped by the report and the poster, so no markup of a user's can name a URL;
    the fetcher makes sure of it all the same (no file:, no http: from a server export).
    """
    import weasyprint

    fetcher = weasyprint.URLFetcher(allowed_protocols=("data",))
    document: Any = weasyprint.HTML(string=html, url_fetcher=fetcher)
    sheets = [weasyprint.CSS(string=css, url_fetcher=fetcher)] if css else []
    body = document.write_pdf(stylesheets=sheets)
    assert isinstance(body, bytes)
    return body
