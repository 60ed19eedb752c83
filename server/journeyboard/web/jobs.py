"""The heavy work the server hands to its worker processes (`workers.py`), as plain functions.

Each takes and returns picklable values (bytes, strings, numbers) and raises `ApiError` for
bad input. They are also called directly, on the event loop, when the input is small (a
board under `inline_read_bytes`, a create body under `inline_body_bytes` without an import):
one code path, the same answers either way.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, Final

from pycrdt import Doc

from journeyboard import i18n
from journeyboard.exports import pdf, report
from journeyboard.exports.render import ExportError, Rendered, render, slug
from journeyboard.web.bodies import parse_json, validate_body
from journeyboard.workshop import documents, metrics_import, pictures, portfolio
from journeyboard.workshop.boards import build_documents
from journeyboard.workshop.boardview import build_view, latest_measured
from journeyboard.workshop.errors import ApiError

TEXT_CAPPED: Final = frozenset({"pdf", "poster-pdf"})
"""The formats whose cost grows with the board's text fastest (about 25 s of CPU per MB):
they are refused past `max_export_text_bytes`."""


def _documents(content: bytes, session: bytes) -> tuple[dict[str, Any], dict[str, Any]]:
    """Both documents, from their encoded state, as `roots_to_json` reads them."""
    read = []
    for update, roots in ((content, documents.CONTENT_ROOTS), (session, documents.SESSION_ROOTS)):
        doc: Doc[Any] = Doc()
        if update:
            doc.apply_update(update)
        read.append(documents.roots_to_json(doc, roots))
    return read[0], read[1]


def _json(value: Any) -> bytes:
    """JSON as Starlette's JSONResponse writes it."""
    return json.dumps(
        value, ensure_ascii=False, allow_nan=False, indent=None, separators=(",", ":")
    ).encode("utf-8")


def text_bytes(value: Any) -> int:
    """The UTF-8 bytes of every string (keys and values) in a JSON value, without recursion."""
    total = 0
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            total += len(item.encode("utf-8", "surrogatepass"))
        elif isinstance(item, dict):
            for key, child in item.items():
                total += len(str(key).encode("utf-8", "surrogatepass"))
                stack.append(child)
        elif isinstance(item, list):
            stack.extend(item)
    return total


def board_json(content: bytes, session: bytes) -> tuple[bytes, bytes]:
    """`GET /api/boards/{id}`'s two documents as JSON bytes (content, session)."""
    content_json, session_json = _documents(content, session)
    return _json(content_json), _json(session_json)


def create_board_documents(
    raw: bytes, created_at_ms: int, asked_language: str | None = None
) -> tuple[dict[str, Any], bytes, bytes | None]:
    """A `POST /api/boards` body, parsed, checked and built: (its fields, seed, content).

    The fields are the body without its `import`, with `language` always set: the body's
    (`no` and `nn` read as `nb`), else `asked_language` (the request's Accept-Language), else
    English. Raises the same 400s as the endpoint's own
    checks (bad_json, too_deep, invalid_body, invalid_import, unknown_template).
    """
    body = validate_body(parse_json(raw), "create_board")
    title = body["title"].strip()
    language = i18n.choose(body.get("language"), asked_language)
    seed, content = build_documents(
        title,
        template=body.get("template"),
        persona=body.get("persona", ""),
        scope=body.get("scope", ""),
        imported=body.get("import"),
        created_at_ms=created_at_ms,
        language=language,
    )
    fields = {key: value for key, value in body.items() if key != "import"}
    imported = body.get("import")
    if isinstance(imported, dict) and "workshop" in imported:

        def build(
            export: dict[str, Any], title: str, persona: dict[str, Any], journey: dict[str, Any]
        ) -> tuple[bytes, bytes | None]:
            return build_documents(
                title,
                template=None,
                persona=str(persona.get("name", "")),
                scope="",
                imported=export,
                created_at_ms=created_at_ms,
                journey=journey,
                language=language,
            )

        fields["workshop"] = portfolio.build_journeys(imported, created_at_ms, build)
    fields["language"] = language
    return fields, seed, content


def export_board(
    board_id: str,
    content: bytes,
    session: bytes,
    fmt: str,
    now_ms: int,
    options: dict[str, Any],
    max_text_bytes: int,
    measured: dict[str, Any] | None = None,
) -> Rendered:
    """Render an export from both documents' encoded state; 413 past the text cap, 400 for an
    unknown format or option."""
    content_json, session_json = _documents(content, session)
    if fmt in TEXT_CAPPED:
        size = text_bytes(content_json) + text_bytes(session_json)
        if size > max_text_bytes:
            raise ApiError(
                413,
                "export_too_large",
                "this board holds %(size)s bytes of text; a %(format)s export takes at most "
                "%(most)s (export it as json, csv or html instead)",
                size=size,
                format=fmt,
                most=max_text_bytes,
            )
    try:
        with i18n.using(options.get("language", i18n.DEFAULT)):
            view = build_view(board_id, content_json, session_json)
            view.measured = latest_measured(measured or {})
            view.series = dict(measured or {})
            return render(view, fmt, now_ms, **options)
    except ExportError as exc:
        raise ApiError(400, exc.code, exc.template, params=exc.params) from None


def read_metrics(
    raw: bytes, media_type: str
) -> tuple[list[metrics_import.Row], list[metrics_import.Refusal]]:
    """A metrics import's rows that read well and the refusals of the others."""
    return metrics_import.read_rows(raw, media_type)


def export_workshop(
    journeys: list[tuple[str, bytes, bytes, dict[str, str]]],
    fmt: str,
    now_ms: int,
    max_text_bytes: int,
    language: str = i18n.DEFAULT,
    measured: dict[str, dict[str, Any]] | None = None,
) -> Rendered:
    """The report (md, html or pdf) of a workshop of several journeys from each journey's
    (id, content, session, place), the root first, in `language`, with each journey's measured
    series (journey id -> `metrics.series_json`'s `touchpoints`); 413 past the text cap for
    a PDF."""
    read = [(_documents(content, session), place) for _, content, session, place in journeys]
    if fmt in TEXT_CAPPED:
        size = sum(text_bytes(c) + text_bytes(s) for (c, s), _ in read)
        if size > max_text_bytes:
            raise ApiError(
                413,
                "export_too_large",
                "this workshop holds %(size)s bytes of text; a %(format)s export takes at most "
                "%(most)s (export each journey with ?scope=journey instead)",
                size=size,
                format=fmt,
                most=max_text_bytes,
            )
    with i18n.using(language):
        return _workshop_rendered(journeys, read, fmt, now_ms, measured or {})


def _workshop_rendered(
    journeys: list[tuple[str, bytes, bytes, dict[str, str]]],
    read: list[tuple[tuple[dict[str, Any], dict[str, Any]], dict[str, str]]],
    fmt: str,
    now_ms: int,
    measured: dict[str, dict[str, Any]],
) -> Rendered:
    views = [
        (build_view(board_id, c, s), report.JourneyPlace(**place))
        for (board_id, _, _, place), ((c, s), _) in zip(journeys, read, strict=True)
    ]
    for view, _place in views:  # the measured values are records, not documents
        view.measured = latest_measured(measured.get(view.id) or {})
        view.series = dict(measured.get(view.id) or {})
    name = f"workshop-{slug(views[0][0].title)}"
    if fmt == "md":
        text = report.workshop_markdown(views, now_ms)
        return Rendered((text.encode(),), "text/markdown; charset=utf-8", f"{name}.md")
    if fmt == "html":
        text = report.workshop_html(views, now_ms)
        return Rendered((text.encode(),), "text/html; charset=utf-8", f"{name}.html")
    if fmt == "pdf":
        return Rendered((pdf.workshop_pdf(views, now_ms),), "application/pdf", f"{name}.pdf")
    raise ApiError(
        400, "unknown_format", "a workshop's report is md, html or pdf, not %(format)s", format=fmt
    )


JOBS: Final[dict[str, Callable[..., Any]]] = {
    "board_json": board_json,
    "read_metrics": read_metrics,
    "create_board_documents": create_board_documents,
    "export_board": export_board,
    "export_workshop": export_workshop,
    "persona_picture": pictures.reencode,
}
"""What a worker may be asked to run, by name."""
