"""The HTTP API, the pages and the sync socket route: one endpoint function per route.

The endpoints reach the app's objects with `services(request)`; they raise `ApiError` (or let
the workshop's errors through) and `errors.on_error` answers it. `routes` is the route table.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hmac
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.websockets import WebSocket

from journeyboard import i18n
from journeyboard.exports.render import ExportError, Rendered
from journeyboard.settings import Settings
from journeyboard.stores import StoreError
from journeyboard.stores.records import BoardRecord, Picture
from journeyboard.sync.limits import KeyedRateLimiter
from journeyboard.tasks import Background
from journeyboard.web import jobs
from journeyboard.web.bodies import check_json_post, parse_json, read_body, read_json, read_limited
from journeyboard.web.responses import answer, error_response, server_now_ms
from journeyboard.web.services import services
from journeyboard.web.sockets import serve_starlette
from journeyboard.web.workers import Budget, client_gone, digest
from journeyboard.workshop import followup, journeys, pictures, portfolio, voting
from journeyboard.workshop.boards import Identity
from journeyboard.workshop.errors import ApiError
from journeyboard.workshop.metrics import metric_name
from journeyboard.workshop.metrics import series_json as metrics_series

STATIC_DIR = Path(__file__).parents[1] / "static"
"""The built browser client (`journeyboard/static/`, made by the client build)."""

PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; connect-src 'self'; object-src 'none'; "
        "base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}

EXPORT_HEADERS = {
    # Reports and posters carry no script; forbid any all the same.
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}

MISSING_CLIENT_PAGE = """<!doctype html><meta charset="utf-8"><title>journeyboard</title>
<h1>The journeyboard browser client is not built</h1>
<p>Build it with <code>pip install -e .</code> (which runs the client build) or
<code>npm --prefix client ci &amp;&amp; npm --prefix client run build</code>, then reload.</p>
"""


def static_dir(settings: Settings) -> Path:
    return settings.static_dir or STATIC_DIR


# What the endpoints share ---------------------------------------------------------------------


def client_address(request: Request) -> str:
    return request.client.host if request.client else "-"


def export_budget(settings: Settings) -> Budget:
    return Budget(settings.limits.export_cpu_seconds, settings.limits.export_seconds)


def json_bytes(value: Any) -> bytes:
    """JSON as `JSONResponse` writes it."""
    return json.dumps(
        value, ensure_ascii=False, allow_nan=False, indent=None, separators=(",", ":")
    ).encode("utf-8")


@contextlib.asynccontextmanager
async def watching(request: Request) -> AsyncIterator[asyncio.Future[None]]:
    """A future that completes if the client disconnects while the block runs (the watch is a
    job the block owns: it stops when the block ends)."""
    async with Background("request") as owned:
        gone = owned.spawn(client_gone(request.receive), "client gone")
        try:
            yield gone.outcome
        finally:
            gone.cancel()


def check_rate(limiter: KeyedRateLimiter, request: Request) -> None:
    if not limiter.allow(client_address(request)):
        raise ApiError(429, "rate_limited", "too many requests from this address; wait a minute")


def bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def base_url(request: Request, settings: Settings) -> str:
    if settings.public_url:
        return settings.public_url.rstrip("/")
    return f"{request.url.scheme}://{request.url.netloc}"


def links(request: Request, board_id: str, tokens: dict[str, str]) -> dict[str, str]:
    """The board's link per role: its page with the token in the fragment."""
    root = base_url(request, services(request).settings)
    return {role: f"{root}/b/{board_id}#token={token}" for role, token in tokens.items()}


def asked_language(request: Request) -> str | None:
    """The language a request asks for: `?lang=`, then Accept-Language (None: neither names
    one of ours)."""
    return i18n.normalise(request.query_params.get("lang")) or i18n.from_accept_language(
        request.headers.get("accept-language")
    )


def export_language(request: Request, identity: Identity) -> str:
    """An export's language: `?lang=`, else the board's (docs/DECISIONS.md: an export is a
    document for the board's audience, not for the browser that fetched it)."""
    asked = request.query_params.get("lang")
    if asked is None:
        return i18n.choose(identity.board.language)
    language = i18n.normalise(asked)
    if language is None:
        raise ApiError(400, "invalid_option", "lang takes sv, nb, da or en")
    return language


async def identify(request: Request) -> Identity:
    """Who the bearer token of this request is on the board of its path (its board's language
    is then what the request's refusals fall back to, `errors.language_of`)."""
    identity = await services(request).boards.authenticate(
        request.path_params["board_id"], bearer(request)
    )
    request.state.board_language = identity.board.language
    return identity


# The API ----------------------------------------------------------------------------------------


async def create_board(request: Request) -> Response:
    # A body with an import (or any large body) is parsed, checked and built in a worker
    # process: a 20,000-card import takes seconds of CPU. Imports have their own, tighter rate,
    # and each address a daily allowance of stored bytes.
    app = services(request)
    limits = app.settings.limits
    check_rate(app.board_creations, request)
    check_json_post(request, app.settings)
    raw = await read_limited(request, limits.max_import_bytes, limits.header_timeout_seconds)
    address = client_address(request)
    small = len(raw) <= limits.inline_body_bytes
    body = parse_json(raw) if small else None
    imported = not small or (isinstance(body, dict) and "import" in body)
    if imported and not app.imports.allow(address):
        raise ApiError(
            429,
            "rate_limited",
            "too many imports from this address; wait a minute",
            retry_after=60 // max(1, limits.imports_per_address_per_minute) + 1,
        )
    created_at_ms = server_now_ms()
    asked = asked_language(request)
    if not imported:
        fields, seed, content = jobs.create_board_documents(raw, created_at_ms, asked)
    else:
        too_large = ApiError(
            413,
            "import_too_large",
            "this import needs more than the server's budget (%(seconds)s s "
            "of CPU, or the worker's memory) to read; import a smaller board",
            seconds=format(limits.import_cpu_seconds, "g"),
        )
        async with watching(request) as gone:
            fields, seed, content = await app.workers.run(
                "create_board_documents",
                (raw, created_at_ms, asked),
                Budget(limits.import_cpu_seconds, limits.import_seconds),
                over_budget=too_large,
                cancel_when=gone,
            )
    built: list[portfolio.BuiltJourney] = fields.get("workshop") or []
    stored = len(seed) + len(content or b"")
    stored += sum(len(j.seed or b"") + len(j.content or b"") for j in built)
    if not app.stored_bytes.allow(address, stored):
        raise ApiError(
            429,
            "quota_exceeded",
            "this address has created as much board data today as it may "
            "(%(allowed)s bytes a day; this board needs %(needed)s); try again later",
            retry_after=3600,
            allowed=limits.stored_bytes_per_address_per_day,
            needed=stored,
        )
    created = await app.boards.create_built(
        fields["title"].strip(), created_at_ms, seed, content, language=fields["language"]
    )
    board = created.board
    extra: dict[str, Any] = {}
    if built:  # an imported workshop: its other journeys, under the new root
        extra["journeys"] = await portfolio.create_journeys(
            app.boards.records, app.boards.update_log, board, built, created_at_ms
        )
    return answer(
        {
            "id": board.id,
            "title": board.title,
            "language": board.language,
            "links": links(request, board.id, created.tokens),
            "tokens": created.tokens,
            **extra,
        },
        201,
    )


async def join_board(request: Request) -> Response:
    app = services(request)
    check_rate(app.joins, request)
    identity = await identify(request)
    body = await read_body(request, app.settings, "join", app.settings.limits.max_body_bytes)
    person, token = await app.boards.join(
        identity,
        body["name"],
        body.get("department", ""),
        body.get("device", ""),
        address=client_address(request),
    )
    return answer({"participant_id": person.id, "role": person.role, "token": token}, 201)


async def get_board(request: Request) -> Response:
    # `?only=session` leaves out the content document: the page reads the session part
    # to start (its role, phase, title) and gets the content from its socket; on a
    # 2,000-card board the content is 344 KB of JSON it would wait for and throw away.
    app = services(request)
    boards = app.boards
    identity = await identify(request)
    board_id = identity.board.id
    await boards.enlist(identity)
    only = request.query_params.get("only")
    if only == "session":
        data = {"session": await boards.session_json(board_id)}
        # How many journeys the workshop holds: a page of a single journey reads the list
        # (GET /journeys) only once its board is on screen (issue #27: nothing slows it).
        if identity.board.id != identity.workshop.id:
            count = 2  # a journey other than the root: the workshop has several
        else:
            count = len(await boards.records.list_journeys(identity.workshop.id))
        return answer(
            {
                "id": board_id,
                "role": identity.role,
                "language": identity.board.language,
                "journeys": max(1, count),
                **data,
            }
        )
    if only is not None:
        raise ApiError(400, "invalid_option", "only= takes the value session")
    # The documents' encoded state is cheap to take; reading a large one as JSON is not
    # (a 20,000-card board: ~0.7 s), so that happens in a worker.
    content, session = await boards.encoded(board_id)
    if len(content) + len(session) <= app.settings.limits.inline_read_bytes:
        content_json, session_json = jobs.board_json(content, session)
    else:
        key = ("board_json", await asyncio.to_thread(digest, content, session))
        async with watching(request) as gone:
            content_json, session_json = await app.shared.run(
                key,
                "board_json",
                (content, session),
                export_budget(app.settings),
                over_budget=ApiError(503, "too_large", "this board is too large to read at once"),
                cancel_when=gone,
            )
    head = {"id": board_id, "role": identity.role, "language": identity.board.language}
    body = b"".join(
        (
            json_bytes(head)[:-1],
            b',"content":',
            content_json,
            b',"session":',
            session_json,
            b',"server_now_ms":',
            str(server_now_ms()).encode(),
            b"}",
        )
    )
    return Response(body, media_type="application/json")


async def board_links(request: Request) -> Response:
    # Links are signed again from the board record (its link versions and the secret), so
    # no token is stored; a rotation changes the version and with it the answer.
    identity = await identify(request)
    if identity.role != "facilitator":
        raise ApiError(403, "forbidden", "only facilitators can see the board's links")
    board = identity.board
    tokens = services(request).boards.link_tokens(identity.workshop)
    response = answer({"links": links(request, board.id, tokens)})
    response.headers["Cache-Control"] = "no-store"
    return response


async def board_sessions(request: Request) -> Response:
    # Read-only: the earlier sessions (the follow-up workshop's history) and the current one.
    identity = await identify(request)
    session = await services(request).boards.session_json(identity.board.id)
    return answer(followup.sessions_json(session))


async def run_command(request: Request) -> Response:
    app = services(request)
    identity = await identify(request)
    body = await read_json(request, app.settings, app.settings.limits.max_body_bytes)
    outcome = await app.commands.run(identity, body, base_url(request, app.settings))
    return answer({"ok": True, **outcome})


async def me(request: Request) -> Response:
    identity = await identify(request)
    return answer(await voting.my_marks(services(request).boards, identity))


async def export(request: Request) -> Response:
    # Every export is rendered from the documents' encoded state: on the event loop for a
    # small board, in a worker for a large one and for every PDF (seconds of CPU). One PDF
    # per board at a time; the worker is stopped when the client leaves.
    app = services(request)
    limits = app.settings.limits
    identity = await identify(request)
    board_id = identity.board.id
    query = request.query_params
    language = export_language(request, identity)
    try:
        page = int(query.get("page", "1"))
    except ValueError:
        raise ApiError(400, "invalid_option", "page must be a number") from None
    fmt = request.path_params["fmt"]
    options = {
        "dialect": query.get("dialect", "excel"),
        "sheet": query.get("sheet", "A0"),
        "tile": query.get("tile"),
        "language": language,
    }
    if query.get("heat"):  # the heat map's metric (NPS, CSAT, CES or a KPI's name)
        options["heat"] = metric_name(query.get("heat", ""))[:80]
    if fmt in WORKSHOP_FORMATS and query.get("scope") != "journey":
        workshop = await app.boards.records.list_journeys(identity.workshop.id)
        if len(workshop) > 1:
            if fmt == "json":
                return await workshop_export(request, workshop)
            return await workshop_report(request, workshop, fmt, query, language)
    heavy = fmt in jobs.TEXT_CAPPED
    if heavy:
        if board_id in app.rendering:
            raise ApiError(
                429,
                "export_in_progress",
                "a PDF of this board is being made; try again when it is done",
                retry_after=10,
            )
        app.rendering.add(board_id)
    try:
        content, session = await app.boards.encoded(board_id)
        # The touchpoints' measured values are records, not documents: they travel along.
        measured = metrics_series(await app.boards.records.get_metrics(board_id))["touchpoints"]
        args = (
            board_id, content, session, fmt, server_now_ms(), options,
            limits.max_export_text_bytes, measured,
        )  # fmt: skip
        if not heavy and len(content) + len(session) <= limits.inline_read_bytes:
            rendered: Rendered = jobs.export_board(*args)
        else:
            too_large = ApiError(
                413,
                "export_too_large",
                "this export needs more than the server's budget (%(seconds)s "
                "s of CPU, or the worker's memory); export it as json, csv or html instead",
                seconds=format(limits.export_cpu_seconds, "g"),
            )
            async with watching(request) as gone:
                if heavy:
                    # PDFs take minutes at most; they leave one worker to imports and reads.
                    rendered = await app.workers.run(
                        "export_board",
                        args,
                        export_budget(app.settings),
                        over_budget=too_large,
                        cancel_when=gone,
                        lane="pdf",
                        lane_limit=max(1, limits.worker_processes - 1),
                    )
                else:
                    # The same export of the same state, asked for again meanwhile, shares it.
                    state = await asyncio.to_thread(digest, content, session, json_bytes(measured))
                    rendered = await app.shared.run(
                        ("export", board_id, fmt, tuple(sorted(options.items())), state),
                        "export_board",
                        args,
                        export_budget(app.settings),
                        over_budget=too_large,
                        cancel_when=gone,
                    )
    finally:
        if heavy:
            app.rendering.discard(board_id)
    try:
        body = rendered.page(page)
    except ExportError as exc:
        raise ApiError(400, exc.code, exc.template, params=exc.params) from None
    filename = rendered.filename
    if len(rendered.bodies) > 1:
        filename = filename.replace(".svg", f"-{page}.svg")
    # A PDF is always a download: browsers' PDF viewers do not run under "default-src 'none'".
    inline = rendered.media_type.startswith(("text/html", "image/svg"))
    disposition = "inline" if inline and "download" not in query else "attachment"
    return Response(
        body,
        media_type=rendered.media_type,
        headers={
            **EXPORT_HEADERS,
            "Content-Disposition": f'{disposition}; filename="{filename}"',
            "X-Pages": str(len(rendered.bodies)),
        },
    )


async def _rendered(
    request: Request,
    job: str,
    args: tuple[Any, ...],
    *,
    inline: bool,
    over_budget: ApiError,
    lane: str | None = None,
) -> Rendered:
    """Run export job `job` (a function of `jobs`) on the event loop when `inline` (a small
    read), else in a worker with the export budget, cancelled when the client goes away; a
    `lane` leaves one worker to imports and reads."""
    app = services(request)
    if inline:
        result: Rendered = getattr(jobs, job)(*args)
        return result
    async with watching(request) as gone:
        rendered: Rendered = await app.workers.run(
            job,
            args,
            export_budget(app.settings),
            over_budget=over_budget,
            cancel_when=gone,
            lane=lane,
            lane_limit=max(1, app.settings.limits.worker_processes - 1),
        )
        return rendered


async def journey_json(request: Request, board_id: str) -> dict[str, Any]:
    """One journey's board export as JSON (in a worker when the journey is large)."""
    app = services(request)
    limits = app.settings.limits
    content, session = await app.boards.encoded(board_id)
    options: dict[str, Any] = {}
    args = (
        board_id, content, session, "json", server_now_ms(), options,
        limits.max_export_text_bytes,
    )  # fmt: skip
    rendered = await _rendered(
        request,
        "export_board",
        args,
        inline=len(content) + len(session) <= limits.inline_read_bytes,
        over_budget=ApiError(
            413, "export_too_large", "this workshop is too large to export at once"
        ),
    )
    value = json.loads(rendered.page(1))
    assert isinstance(value, dict)
    return value


async def workshop_export(request: Request, workshop: list[BoardRecord]) -> Response:
    """The JSON export of a workshop of several journeys: the root's export with a
    `workshop` member listing every journey (`workshop.portfolio`)."""
    records = services(request).boards.records
    root = workshop[0]
    exported = await journey_json(request, root.id)
    entries = []
    for journey in workshop:
        picture = await records.get_picture(journey.id)
        export = None if journey is root else await journey_json(request, journey.id)
        entries.append(portfolio.journey_entry(journey, picture, export))
    exported["workshop"] = {"journeys": entries}
    disposition = "inline" if "download" not in request.query_params else "attachment"
    return Response(
        json_bytes(exported),
        media_type="application/json",
        headers={
            **EXPORT_HEADERS,
            "Content-Disposition": f'{disposition}; filename="workshop-{root.id}.json"',
            "X-Pages": "1",
        },
    )


WORKSHOP_FORMATS = ("json", "md", "html", "pdf")
"""The exports that cover the whole workshop when it has several journeys (`?scope=journey`
narrows them to the journey asked on)."""


def journey_place(
    journey: BoardRecord, by_id: dict[str, BoardRecord], stage: str
) -> dict[str, str]:
    parent = by_id.get(journey.parent or "")
    return {
        "relation": journey.relation,
        "parent_title": parent.title if parent is not None else "",
        "stage_name": stage,
        "persona": str(journey.persona.get("name", "")),
    }


async def workshop_report(
    request: Request, workshop: list[BoardRecord], fmt: str, query: Any, language: str
) -> Response:
    """The report of a workshop of several journeys: a chapter per journey, the portfolio's
    comparison first, in the export's `language` (in a worker for a PDF or a large workshop;
    one PDF per workshop at a time)."""
    app = services(request)
    limits = app.settings.limits
    by_id = {journey.id: journey for journey in workshop}
    chapters = []
    measured: dict[str, dict[str, Any]] = {}
    size = 0
    for journey in workshop:
        content, session = await app.boards.encoded(journey.id)
        record = await app.boards.records.get_metrics(journey.id)
        measured[journey.id] = metrics_series(record)["touchpoints"]
        size += len(content) + len(session)
        stage = ""
        if journey.stage is not None and journey.parent is not None:
            stage = await app.boards.read_content(
                journey.parent, functools.partial(journeys.stage_name, stage=journey.stage)
            )
        chapters.append((journey.id, content, session, journey_place(journey, by_id, stage)))
    args = (chapters, fmt, server_now_ms(), limits.max_export_text_bytes, language, measured)
    key = f"workshop:{workshop[0].id}"
    if fmt == "pdf":
        if key in app.rendering:
            raise ApiError(
                429,
                "export_in_progress",
                "a PDF of this workshop is being made; try again when it is done",
                retry_after=10,
            )
        app.rendering.add(key)
    try:
        rendered = await _rendered(
            request,
            "export_workshop",
            args,
            inline=fmt != "pdf" and size <= limits.inline_read_bytes,
            over_budget=ApiError(
                413,
                "export_too_large",
                "this workshop's report needs more than the server's budget; export "
                "each journey with ?scope=journey instead",
            ),
            lane="pdf" if fmt == "pdf" else None,
        )
    finally:
        app.rendering.discard(key)
    inline = fmt == "html" and "download" not in query
    return Response(
        rendered.page(1),
        media_type=rendered.media_type,
        headers={
            **EXPORT_HEADERS,
            "Content-Disposition": (
                f'{"inline" if inline else "attachment"}; filename="{rendered.filename}"'
            ),
            "X-Pages": "1",
        },
    )


# Workshops of journeys and their personas ---------------------------------------------------

PICTURE_CPU_SECONDS = 5.0
"""A picture's decode and encode in the worker (a 40-megapixel JPEG takes well under 2 s)."""


async def add_journey(request: Request) -> Response:
    app = services(request)
    identity = await identify(request)
    body = await read_body(request, app.settings, "add_journey", app.settings.limits.max_body_bytes)
    record = await journeys.add_journey(app.boards, identity, body)
    return answer(
        {
            "id": record.id,
            "workshop": record.workshop,
            "relation": record.relation,
            "parent": record.parent,
            "stage": record.stage,
        },
        201,
    )


async def list_journeys(request: Request) -> Response:
    app = services(request)
    identity = await identify(request)
    return answer(await journeys.list_journeys(app.boards, identity))


async def put_persona(request: Request) -> Response:
    app = services(request)
    identity = await identify(request)
    body = await read_body(request, app.settings, "persona", app.settings.limits.max_body_bytes)
    return answer({"persona": await journeys.set_persona(app.boards, identity, body)})


async def upload_picture(request: Request) -> Response:
    # The body is the picture's bytes; it is decoded and encoded again in a worker process
    # (CPU and memory limits), never on the event loop.
    app = services(request)
    limits = app.settings.limits
    identity = await identify(request)
    journeys.require_facilitator(identity, "only facilitators can upload a persona picture")
    raw = await read_limited(request, pictures.MAX_UPLOAD_BYTES, limits.header_timeout_seconds)
    if not raw:
        raise ApiError(400, "not_a_picture", "the body is empty: send the picture's bytes")
    async with watching(request) as gone:
        media_type, data, width, height = await app.workers.run(
            "persona_picture",
            (raw,),
            Budget(PICTURE_CPU_SECONDS, PICTURE_CPU_SECONDS * 4),
            over_budget=ApiError(
                413, "picture_too_costly", "this picture takes too much work to read"
            ),
            cancel_when=gone,
        )
    await app.boards.records.put_picture(identity.board.id, Picture(media_type, data))
    await journeys.picture_changed(app.boards, identity.board.id, True)
    return answer(
        {"media_type": media_type, "width": width, "height": height, "bytes": len(data)}, 201
    )


async def get_picture(request: Request) -> Response:
    app = services(request)
    identity = await identify(request)
    picture = await app.boards.records.get_picture(identity.board.id)
    if picture is None:
        raise ApiError(404, "no_picture", "this journey's persona has no picture")
    return Response(
        picture.data,
        media_type=picture.media_type,
        headers={**EXPORT_HEADERS, "Cache-Control": "private, no-store"},
    )


# Operations, pages and sockets ----------------------------------------------------------------


async def metrics(request: Request) -> Response:
    app = services(request)
    expected = app.settings.metrics_token
    if expected is not None:
        given = bearer(request) or ""
        if not hmac.compare_digest(given.encode(), expected.encode()):
            return error_response(
                401, "unauthorized", "/metrics needs Authorization: Bearer <metrics token>"
            )
    return Response(generate_latest(app.metrics), media_type=CONTENT_TYPE_LATEST)


async def healthz(request: Request) -> Response:
    app = services(request)
    try:
        await app.store.ping()
    except StoreError as exc:
        return JSONResponse({"status": "unavailable", "error": str(exc)}, status_code=503)
    return JSONResponse({"status": "ok", "rooms": len(app.rooms.rooms)})


async def page(request: Request) -> Response:
    index = static_dir(services(request).settings) / "index.html"
    if not index.exists():
        return HTMLResponse(MISSING_CLIENT_PAGE, status_code=503, headers=PAGE_HEADERS)
    return FileResponse(index, headers={**PAGE_HEADERS, "Cache-Control": "no-cache"})


async def sync_socket(websocket: WebSocket) -> None:
    """A sync socket on the Starlette path (admission.py reads which document it names)."""
    await serve_starlette(services(websocket).sockets, websocket)


def routes(settings: Settings) -> list[BaseRoute]:
    """The route table; the built client's assets are served when they are there."""
    # (imported here: those endpoints use this module's helpers)
    from journeyboard.web import touchpoint_metrics as measured

    table: list[BaseRoute] = [
        Route("/", page),
        Route("/b/{board_id}", page),
        Route("/b/{board_id}/portfolio", page),  # the workshop's portfolio (the client's route)
        Route("/healthz", healthz),
        Route("/metrics", metrics),
        Route("/api/boards", create_board, methods=["POST"]),
        Route("/api/boards/{board_id}", get_board, methods=["GET"]),
        Route("/api/boards/{board_id}/join", join_board, methods=["POST"]),
        Route("/api/boards/{board_id}/links", board_links, methods=["GET"]),
        Route("/api/boards/{board_id}/commands", run_command, methods=["POST"]),
        Route("/api/boards/{board_id}/me", me, methods=["GET"]),
        Route("/api/boards/{board_id}/sessions", board_sessions, methods=["GET"]),
        Route("/api/boards/{board_id}/export.{fmt}", export, methods=["GET"]),
        Route("/api/boards/{board_id}/metrics", measured.read_metrics, methods=["GET"]),
        Route("/api/boards/{board_id}/metrics", measured.import_metrics, methods=["POST"]),
        Route(
            "/api/boards/{board_id}/metrics/imports/{import_id}",
            measured.undo_import,
            methods=["DELETE"],
        ),
        Route("/api/boards/{board_id}/journeys", add_journey, methods=["POST"]),
        Route("/api/boards/{board_id}/journeys", list_journeys, methods=["GET"]),
        Route("/api/boards/{board_id}/persona", put_persona, methods=["PUT"]),
        Route("/api/boards/{board_id}/persona/picture", upload_picture, methods=["POST"]),
        Route("/api/boards/{board_id}/persona/picture", get_picture, methods=["GET"]),
        WebSocketRoute("/ws/{path:path}", sync_socket),
    ]
    assets = static_dir(settings) / "assets"
    if assets.is_dir():
        table.append(Mount("/assets", StaticFiles(directory=assets)))
    return table
