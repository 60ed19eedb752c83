"""The PDF exports of the example workshop, read back with pypdf and poppler.

Text is read with pypdf, which follows the content stream: WeasyPrint draws each line box in
turn, so a card's text wrapped over lines of one table cell comes out in order (pdftotext's
layout mode would interleave the lines of neighbouring cells). Positions on a tile are read
with `pdftotext -bbox`, and crop marks are looked for in the pixels of `pdftoppm`'s rendering.
"""

from __future__ import annotations

import io
import itertools
import re
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from pycrdt import Doc
from pypdf import PdfReader

from journeyboard import schema
from journeyboard.exports import pdf
from journeyboard.exports.render import ExportError, render
from journeyboard.workshop import documents, imports
from journeyboard.workshop.boardview import BoardView, build_view

NOW_MS = 1_795_003_600_000
MM = 72 / 25.4
A4 = (210 * MM, 297 * MM)


def example_view() -> BoardView:
    """The shipped example workshop, imported into real documents as the server imports it."""
    export: dict[str, Any] = dict(schema.load("examples/insurance_claim.json"))
    fields = imports.session_fields(imports.validate(export))
    content: Doc[Any] = Doc()
    content.apply_update(imports.content_update(export))
    session: Doc[Any] = Doc()
    session.apply_update(documents.seed_session(
        export["board"]["title"], fields["board"].get("persona", ""),
        fields["board"].get("scope", ""), NOW_MS, customer_goal=fields["board"]["customer_goal"],
        participants=fields["participants"], votes=fields["votes"], ratings=fields["ratings"],
    ))  # fmt: skip
    return build_view(
        "example",
        documents.roots_to_json(content, documents.CONTENT_ROOTS),
        documents.roots_to_json(session, documents.SESSION_ROOTS),
    )


@pytest.fixture(scope="module")
def view() -> BoardView:
    return example_view()


@pytest.fixture(scope="module")
def report(view: BoardView) -> PdfReader:
    return PdfReader(io.BytesIO(render(view, "pdf", NOW_MS).page(1)))


def flat(text: str) -> str:
    return " ".join(text.split())


def page_texts(reader: PdfReader) -> list[str]:
    return [flat(page.extract_text()) for page in reader.pages]


def size(page: Any) -> tuple[float, float]:
    return (float(page.mediabox.width), float(page.mediabox.height))


def close(a: tuple[float, float], b: tuple[float, float]) -> bool:
    return abs(a[0] - b[0]) < 0.5 and abs(a[1] - b[1]) < 0.5


def pngs(body: bytes, where: Path, dpi: int = 40) -> list[Path]:
    """The pages of a PDF as PNG files, drawn by poppler's pdftoppm."""
    source = where / "in.pdf"
    source.write_bytes(body)
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", source, where / "page"], check=True)
    return sorted(where.glob("page-*.png"), key=lambda p: int(p.stem.split("-")[1]))


# -- the report --------------------------------------------------------------------------


def test_the_report_is_a_paginated_a4_document(report: PdfReader) -> None:
    assert len(report.pages) >= 5
    for page in report.pages:  # portrait, or landscape for the wide action plan
        assert close(size(page), A4) or close(size(page), A4[::-1]), size(page)
    assert close(size(report.pages[0]), A4)


def test_the_cover_says_what_who_and_when(report: PdfReader, view: BoardView) -> None:
    cover = page_texts(report)[0]
    for expected in (view.title, view.persona, view.scope, "November 18, 2026", "Finance",
                     "Partner Network", "Anna Virtanen"):  # fmt: skip
        assert flat(expected) in cover, expected
    assert "Action plan" not in cover and "Page 1 of" in cover


def test_every_page_has_the_title_and_its_number_in_the_footer(
    report: PdfReader, view: BoardView
) -> None:
    texts = page_texts(report)
    for number, text in enumerate(texts, start=1):
        assert f"Page {number} of {len(texts)}" in text
        assert view.title in text


def test_the_sections_come_in_order_each_from_a_new_page(report: PdfReader) -> None:
    texts = page_texts(report)
    starts = []
    for heading in ("The journey, stage by stage", "Emotion curve", "Pain points, ranked by votes",
                    "Solutions: effort and impact", "Action plan", "Left open"):  # fmt: skip
        starts.append(next(n for n, text in enumerate(texts) if heading in text))
    assert starts == sorted(starts) and starts[0] == 1
    assert len(set(starts[:5])) == 5  # each main section has a page of its own


def test_every_card_is_printed_exactly_once(report: PdfReader, view: BoardView) -> None:
    """Pagination neither drops nor repeats anything: each card's text exactly once, as in the
    HTML (the matrix names solutions by their codes). Page 1's summary, which quotes the top
    pains and solutions, and the matrix's page, which explains its codes, are left out."""
    pages = page_texts(report)
    assert "Summary" in pages[0] and "Summary" not in " ".join(pages[1:])
    text = " ".join(page for page in pages[1:] if "The codes on the matrix" not in page)
    reader = _ProseReader()
    reader.feed(render(view, "html", NOW_MS).page(1).decode())
    said = flat(" ".join(reader.words))
    for card in view.cards:
        # Once on its own, plus once inside every other card that quotes it ("Decision letter"
        # in "Decision letter is full of legal terms").
        within = sum(flat(o.text).count(flat(card.text)) for o in view.cards if o is not card)
        assert said.count(flat(card.text)) == 1 + within, card.text
        assert text.count(flat(card.text)) == 1 + within, card.text


def test_the_first_pages_give_the_conclusions_by_their_text(
    report: PdfReader, view: BoardView
) -> None:
    """Page 1 names the most-voted pain and the best quick win by their text (a larger
    workshop may take pages 1-2; the example's summary fits its cover)."""
    first = page_texts(report)[0]
    pain = max(view.of_kind("pain"), key=lambda card: card.votes)
    quick = max(
        (c for c in view.of_kind("solution") if c.rating and c.rating.quadrant == "quick_win"),
        key=lambda card: card.rating.impact if card.rating else 0,
    )
    assert flat(pain.text) in first
    assert flat(quick.text) in first


def test_the_matrix_codes_are_explained_on_its_page(report: PdfReader, view: BoardView) -> None:
    page = next(text for text in page_texts(report) if "Solutions: effort and impact" in text)
    assert "The codes on the matrix" in page
    rated = [card for card in view.of_kind("solution") if card.rating is not None]
    assert rated
    for card in rated:
        assert flat(card.text) in page, card.text


class _ProseReader(HTMLParser):
    """The text of an HTML page outside its charts, styles, title and page 1's summary."""

    SKIP = frozenset({"svg", "style", "title"})

    def __init__(self) -> None:
        super().__init__()
        self.words: list[str] = []
        self.skipping = 0
        self.summary = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.skipping += tag in self.SKIP
        if tag in ("section", "table") and (
            ("class", "summary") in attrs or ("class", "codes") in attrs
        ):
            self.summary = True
            self.skipping += 1

    def handle_endtag(self, tag: str) -> None:
        self.skipping -= tag in self.SKIP
        if tag in ("section", "table") and self.summary:
            self.summary = False
            self.skipping -= 1

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.words.append(data)


def test_the_report_pages_render_as_pictures(view: BoardView, tmp_path: Path) -> None:
    from PIL import Image

    pictures = pngs(render(view, "pdf", NOW_MS).page(1), tmp_path)
    assert len(pictures) >= 5
    for picture in pictures:
        with Image.open(picture) as image:
            low, high = image.convert("L").getextrema()
            assert image.width in (331, 468) and low < 100 < high  # A4 at 40 dpi, not blank


# -- the poster --------------------------------------------------------------------------


@pytest.mark.parametrize(("sheet", "mm"), [("A0", (1189, 841)), ("A1", (841, 594))])
def test_the_poster_is_one_vector_page_of_its_sheet(
    view: BoardView, sheet: str, mm: tuple[int, int]
) -> None:
    rendered = render(view, "poster-pdf", NOW_MS, sheet=sheet)
    assert rendered.media_type == "application/pdf"
    assert rendered.filename == f"motor-claim-journey-{sheet}.pdf"
    reader = PdfReader(io.BytesIO(rendered.page(1)))
    assert len(reader.pages) == 1
    assert close(size(reader.pages[0]), (mm[0] * MM, mm[1] * MM))
    text = flat(reader.pages[0].extract_text())
    assert "Customer actions" in text and "Solutions" in text  # vector text, not a picture
    assert not reader.pages[0].images


def tile_words(body: bytes, where: Path) -> list[list[tuple[str, float, float]]]:
    """Each page's words with their left and top edges, in mm."""
    source = where / "tiles.pdf"
    source.write_bytes(body)
    out = subprocess.run(["pdftotext", "-bbox", source, "-"], check=True, capture_output=True,
                         text=True).stdout  # fmt: skip
    pages = []
    for page in re.findall(r"<page .*?</page>", out, flags=re.DOTALL):
        pages.append([(word, float(x) / MM, float(y) / MM) for x, y, word in re.findall(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)"[^>]*>([^<]*)</word>', page)])  # fmt: skip
    return pages


@pytest.mark.parametrize("paper", ["A3", "A4"])
def test_tiles_carry_labels_and_the_lane_headers(
    view: BoardView, paper: str, tmp_path: Path
) -> None:
    art = pdf.poster_art(view, "A1")
    tiles = pdf.tile_grid(art, paper)
    body = render(view, "poster-pdf", NOW_MS, sheet="A1", tile=paper).page(1)
    reader = PdfReader(io.BytesIO(body))
    assert len(reader.pages) == len(tiles) > 1
    long, short = pdf.PAPER[paper]
    for page in reader.pages:
        assert close(size(page), (long * MM, short * MM)) or close(
            size(page), (short * MM, long * MM)
        )
    words = tile_words(body, tmp_path)
    strip = (pdf.TILE_MARGIN - 1, pdf.TILE_MARGIN + art.lane_headers[1])
    lanes = {"actions", "Touchpoints", "Thoughts", "Feelings", "Pain", "Gains", "Backstage",
             "Solutions"}  # fmt: skip
    by_row: dict[int, list[set[str]]] = {}
    for tile, page_words in zip(tiles, words, strict=True):
        text = " ".join(word for word, _, _ in page_words)
        assert tile.label in text and f"{tile.rows}×{tile.columns}" in text  # noqa: RUF001
        assert all(strip[0] < x < strip[1] for word, x, _ in page_words if word in lanes)
        by_row.setdefault(tile.row, []).append({w for w, _, _ in page_words if w in lanes})
    for row, seen in by_row.items():  # every tile of a row names the lanes its first one does
        assert all(names == seen[0] for names in seen), row
    assert set().union(*(seen[0] for seen in by_row.values())) == lanes


def test_tiles_cover_the_drawing_with_an_overlap(view: BoardView) -> None:
    art = pdf.poster_art(view, "A0")
    for paper in pdf.TILES:
        tiles = pdf.tile_grid(art, paper)
        inner_w = tiles[0].page_w - 2 * pdf.TILE_MARGIN
        inner_h = tiles[0].page_h - 2 * pdf.TILE_MARGIN
        row = [t for t in tiles if t.row == 1]
        spans = [(t.x, t.x + inner_w - t.headers) for t in row]
        assert spans[0][0] == 0 and spans[-1][1] >= art.width
        for (_, end), (start, _) in itertools.pairwise(spans):
            assert end - start == pytest.approx(pdf.OVERLAP)
        column = [t for t in tiles if t.column == 1]
        assert column[-1].y + inner_h >= art.height
        assert all(b.y - a.y == pytest.approx(inner_h - pdf.OVERLAP)
                   for a, b in itertools.pairwise(column))  # fmt: skip


def test_every_tile_has_crop_marks_at_its_corners(view: BoardView, tmp_path: Path) -> None:
    from PIL import Image

    dpi = 72
    body = render(view, "poster-pdf", NOW_MS, sheet="A1", tile="A4").page(1)
    tiles = pdf.tile_grid(pdf.poster_art(view, "A1"), "A4")
    for tile, picture in zip(tiles, pngs(body, tmp_path, dpi), strict=True):
        with Image.open(picture) as image:
            gray = image.convert("L")
            px = dpi / 25.4
            m, gap, mark = pdf.TILE_MARGIN, pdf.MARK_GAP, pdf.MARK
            for cx, dx in ((m, -1), (tile.page_w - m, 1)):
                for cy, dy in ((m, -1), (tile.page_h - m, 1)):
                    # the middle of the horizontal hairline outside this corner, and of the vertical
                    hx, hy = cx + dx * (gap + mark / 2), cy
                    vx, vy = cx, cy + dy * (gap + mark / 2)
                    for x, y in ((hx, hy), (vx, vy)):
                        darkest = min(
                            gray.getpixel((int(x * px) + i, int(y * px) + j))  # type: ignore[misc]
                            for i in (-1, 0, 1)
                            for j in (-1, 0, 1)
                        )
                        assert darkest < 200, (tile.label, x, y)


# -- errors ------------------------------------------------------------------------------


def test_unknown_formats_and_sizes_are_named_errors(view: BoardView) -> None:
    with pytest.raises(ExportError, match="unknown format 'docx'") as unknown:
        render(view, "docx", NOW_MS)
    assert unknown.value.code == "unknown_format" and "poster-pdf" in str(unknown.value)
    for options in ({"sheet": "A2"}, {"sheet": "A1", "tile": "A5"}):
        with pytest.raises(ExportError) as bad:
            render(view, "poster-pdf", NOW_MS, **options)
        assert bad.value.code == "invalid_option"


def test_a_report_fetches_nothing(tmp_path: Path) -> None:
    secret = tmp_path / "secret.png"
    secret.write_bytes(b"not an image")
    html = f'<html><head></head><body><p>x</p><img src="file://{secret}"></body></html>'
    body = pdf._write_pdf(html, "")
    assert not PdfReader(io.BytesIO(body)).pages[0].images


def test_a_workshop_of_journeys_prints_every_chapter_with_its_bullets(view: BoardView) -> None:
    """`workshop_pdf` lays out the paper markup too: each journey's cards, bullet first."""
    from journeyboard.exports.report import JourneyPlace

    variant = example_view()
    variant.title = "Young driver's claim"
    journeys = [
        (view, JourneyPlace("root", "", "", "")),
        (variant, JourneyPlace("persona", view.title, "", "Young driver")),
    ]
    reader = PdfReader(io.BytesIO(pdf.workshop_pdf(journeys, NOW_MS)))
    text = " ".join(page_texts(reader))
    assert "Young driver's claim" in text and view.title in text
    card = next(c for c in view.cards if c.kind == "touchpoint")
    assert text.count(f"• {flat(card.text)}") >= 2  # once in each chapter's map
