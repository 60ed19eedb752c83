"""One entry point for every format, shared by the HTTP route and the CLI."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Final

from journeyboard.exports import csvfile, jsonfile, pdf, poster, report
from journeyboard.workshop.boardview import BoardView

FORMATS: Final = ("json", "csv", "md", "html", "pdf", "svg", "poster-pdf")
"""`pdf` is the report on A4; `poster-pdf` the wall poster (`sheet` A0 or A1, `tile` A3 or A4)."""


class ExportError(ValueError):
    """An unknown format (`code` "unknown_format") or option ("invalid_option")."""

    def __init__(self, message: str, code: str = "invalid_option") -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True, slots=True)
class Rendered:
    """A rendered export; a tiled poster has one body per page, everything else one."""

    bodies: tuple[bytes, ...]
    media_type: str
    filename: str

    def page(self, number: int) -> bytes:
        if not 1 <= number <= len(self.bodies):
            raise ExportError(f"page must be between 1 and {len(self.bodies)}")
        return self.bodies[number - 1]


def slug(title: str) -> str:
    text = re.sub(r"[^A-Za-z0-9]+", "-", title).strip("-").lower()
    return text[:60] or "journeyboard"


def render(
    view: BoardView,
    fmt: str,
    now_ms: int,
    *,
    dialect: str = "excel",
    sheet: str = "A0",
    tile: str | None = None,
) -> Rendered:
    """Render a board in a format; raise ExportError for an unknown format or option."""
    name = slug(view.title)
    try:
        if fmt == "json":
            data = json.dumps(jsonfile.export_board(view, now_ms), ensure_ascii=False, indent=2)
            return Rendered((data.encode(),), "application/json", f"{name}.json")
        if fmt == "csv":
            return Rendered(
                (csvfile.export_csv(view, dialect),),
                "text/csv; charset=utf-8",
                f"{name}-{dialect}.csv",
            )
        if fmt == "md":
            text = report.report_markdown(view, now_ms)
            return Rendered((text.encode(),), "text/markdown; charset=utf-8", f"{name}.md")
        if fmt == "html":
            text = report.report_html(view, now_ms)
            return Rendered((text.encode(),), "text/html; charset=utf-8", f"{name}.html")
        if fmt == "pdf":
            return Rendered((pdf.report_pdf(view, now_ms),), "application/pdf", f"{name}.pdf")
        if fmt == "poster-pdf":
            art = pdf.poster_art(view, sheet, now_ms)
            if tile is None:
                return Rendered((pdf.poster_pdf(art),), "application/pdf", f"{name}-{sheet}.pdf")
            body = pdf.tiled_pdf(art, tile)
            return Rendered((body,), "application/pdf", f"{name}-{sheet}-on-{tile}.pdf")
        if fmt == "svg":
            if tile is None:
                drawing = poster.poster(view, sheet, now_ms)
                return Rendered((drawing.encode(),), "image/svg+xml", f"{name}-{sheet}.svg")
            pages = tuple(page.encode() for page in poster.tiles(view, tile, sheet))
            return Rendered(pages, "image/svg+xml", f"{name}-{tile}.svg")
    except ValueError as exc:
        raise ExportError(str(exc)) from exc
    raise ExportError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}", "unknown_format")
