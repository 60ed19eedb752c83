"""One entry point for every format, shared by the HTTP route and the CLI."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Final

from journeyboard import i18n
from journeyboard.exports import csvfile, jsonfile, pdf, plancsv, poster, report
from journeyboard.workshop.boardview import BoardView

FORMATS: Final = (
    "json", "csv", "md", "html", "pdf", "svg", "poster-pdf", "jira-csv", "tasks-csv",
)  # fmt: skip
"""`pdf` is the report on A4; `poster-pdf` the wall poster (`sheet` A0 or A1, `tile` A3 or A4)."""


class ExportError(ValueError):
    """An unknown format (`code` "unknown_format") or option ("invalid_option")."""

    def __init__(self, message: str, code: str = "invalid_option", **params: object) -> None:
        super().__init__(message % params if params else message)
        self.code = code
        self.template = message
        """The message's msgid (`%(name)s` placeholders), translated where it is shown."""
        self.params = params


@dataclass(frozen=True, slots=True)
class Rendered:
    """A rendered export; a tiled poster has one body per page, everything else one."""

    bodies: tuple[bytes, ...]
    media_type: str
    filename: str

    def page(self, number: int) -> bytes:
        if not 1 <= number <= len(self.bodies):
            raise ExportError(
                i18n.N_("page must be between 1 and %(pages)s"), pages=len(self.bodies)
            )
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
    language: str = "en",
    heat: str | None = None,
) -> Rendered:
    """Render a board in a format and `language` (what the export itself says: headings,
    lane and phase names, dates and numbers; the board's content stays as written); raise
    ExportError for an unknown format or option. `heat`: the metric the report's and the
    poster's heat map colour touchpoints by (else the first the board has)."""
    if heat:
        view.heat_metric = heat
    with i18n.using(language):
        return _render(view, fmt, now_ms, dialect=dialect, sheet=sheet, tile=tile)


def _check_options(fmt: str, dialect: str, sheet: str, tile: str | None) -> None:
    """Refuse an option the format does not know, saying which values it takes."""
    if fmt == "csv" and dialect not in csvfile.DIALECTS:
        raise ExportError(
            i18n.N_("unknown CSV dialect %(dialect)s; use one of %(dialects)s"),
            dialect=repr(dialect),
            dialects=", ".join(csvfile.DIALECTS),
        )
    if fmt in ("svg", "poster-pdf") and sheet not in poster.SHEETS:
        raise ExportError(
            i18n.N_("unknown sheet %(sheet)s; use one of %(sheets)s"),
            sheet=repr(sheet),
            sheets=", ".join(poster.SHEETS),
        )
    if fmt in ("svg", "poster-pdf") and tile is not None and tile not in poster.TILES:
        raise ExportError(
            i18n.N_("unknown tile page %(tile)s; use one of %(tiles)s"),
            tile=repr(tile),
            tiles=", ".join(poster.TILES),
        )


def _render(
    view: BoardView, fmt: str, now_ms: int, *, dialect: str, sheet: str, tile: str | None
) -> Rendered:
    name = slug(view.title)
    _check_options(fmt, dialect, sheet, tile)
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
        if fmt == "jira-csv":
            body = plancsv.jira_csv(view)
            return Rendered((body,), "text/csv; charset=utf-8", f"{name}-jira.csv")
        if fmt == "tasks-csv":
            body = plancsv.tasks_csv(view)
            return Rendered((body,), "text/csv; charset=utf-8", f"{name}-tasks.csv")
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
    raise ExportError(
        i18n.N_("unknown format %(format)s; use one of %(formats)s"),
        "unknown_format",
        format=repr(fmt),
        formats=", ".join(FORMATS),
    )
