"""The measured values of a board's touchpoints over HTTP: read them, import a CSV or xlsx
table of them (facilitators), and undo the last import.

    GET    /api/boards/{id}/metrics                  every series (anyone with access)
    POST   /api/boards/{id}/metrics                  a raw text/csv or xlsx body (≤ 8 MiB)
    DELETE /api/boards/{id}/metrics/imports/{import} undo the board's last import

A large body is read in a worker process with the CPU and memory limits of imports.
"""

from __future__ import annotations

from typing import Final

from starlette.requests import Request
from starlette.responses import Response

from journeyboard import i18n
from journeyboard.web import jobs
from journeyboard.web.admission import origin_allowed
from journeyboard.web.bodies import read_limited
from journeyboard.web.endpoints import client_address, identify, watching
from journeyboard.web.errors import language_of
from journeyboard.web.responses import answer
from journeyboard.web.services import services
from journeyboard.web.workers import Budget
from journeyboard.workshop import metrics, metrics_import
from journeyboard.workshop.boards import Identity
from journeyboard.workshop.errors import ApiError

MAX_IMPORT_BYTES: Final = 8 * 1024 * 1024
"""The metrics import's own body limit (RULINGS.md): 50,000 rows pass."""
INLINE_BYTES: Final = 64 * 1024
"""A CSV up to this is read on the event loop; a larger one, and every workbook, in a worker."""


def _facilitator(identity: Identity) -> None:
    if identity.role != "facilitator":
        raise ApiError(403, "forbidden", "only facilitators can import or undo measured values")


async def read_metrics(request: Request) -> Response:
    identity = await identify(request)
    record = await services(request).boards.records.get_metrics(identity.board.id)
    return answer(metrics.series_json(record))


async def import_metrics(request: Request) -> Response:
    app = services(request)
    identity = await identify(request)
    _facilitator(identity)
    if not origin_allowed(request.headers.get("origin"), request.headers.get("host"), app.settings):
        raise ApiError(403, "origin_refused", "requests from this origin are not allowed")
    media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if media_type not in metrics_import.CSV_TYPES | metrics_import.XLSX_TYPES:
        raise ApiError(
            415,
            "unsupported_media_type",
            "send the measured values as text/csv or as an xlsx workbook",
        )
    limits = app.settings.limits
    raw = await read_limited(request, MAX_IMPORT_BYTES, limits.header_timeout_seconds)
    if media_type in metrics_import.CSV_TYPES and len(raw) <= INLINE_BYTES:
        rows, refused = jobs.read_metrics(raw, media_type)
    else:
        # Worker time is shared by every board: a large import counts against the address's
        # allowance of imports, like a board import.
        if not app.imports.allow(client_address(request)):
            raise ApiError(
                429,
                "rate_limited",
                "too many imports from this address; wait a minute",
                retry_after=60 // max(1, limits.imports_per_address_per_minute) + 1,
            )
        too_large = ApiError(
            413,
            "import_too_large",
            "this import needs more than the server's budget (%(seconds)s s "
            "of CPU, or the worker's memory) to read; import a smaller board",
            seconds=format(limits.import_cpu_seconds, "g"),
        )
        async with watching(request) as gone:
            rows, refused = await app.workers.run(
                "read_metrics",
                (raw, media_type),
                Budget(limits.import_cpu_seconds, limits.import_seconds),
                over_budget=too_large,
                cancel_when=gone,
            )
    outcome = await metrics.apply_import(app.boards, identity.board.id, rows, refused)
    language = language_of(request)
    return answer(
        {
            "import": outcome.import_id or None,
            "accepted": outcome.accepted,
            "refused": [
                {"row": row, "reason": i18n.translate(language, template, params)}
                for row, template, params in outcome.refused
            ],
        }
    )


async def undo_import(request: Request) -> Response:
    identity = await identify(request)
    _facilitator(identity)
    import_id = request.path_params["import_id"]
    removed = await metrics.undo_import(services(request).boards, identity.board.id, import_id)
    return answer({"import": import_id, "undone": True, "removed": removed})
