"""The HTTP API, the pages and the sync socket route: one endpoint function per route.

The endpoints reach the app's objects with `services(request)`; they raise `ApiError` (or let
the workshop's errors through) and `errors.on_error` answers it. `routes` is the route table.
"""

from __future__ import annotations

import hmac
from pathlib import Path

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.websockets import WebSocket

from journeyboard.exports.render import ExportError, render
from journeyboard.settings import Settings
from journeyboard.stores import StoreError
from journeyboard.sync.limits import KeyedRateLimiter
from journeyboard.web.bodies import read_body, read_json
from journeyboard.web.responses import answer, error_response, server_now_ms
from journeyboard.web.services import services
from journeyboard.web.sockets import serve_starlette
from journeyboard.workshop import voting
from journeyboard.workshop.boards import Identity
from journeyboard.workshop.errors import ApiError

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


async def identify(request: Request) -> Identity:
    """Who the bearer token of this request is on the board of its path."""
    return await services(request).boards.authenticate(
        request.path_params["board_id"], bearer(request)
    )


# The API ----------------------------------------------------------------------------------------


async def create_board(request: Request) -> Response:
    app = services(request)
    check_rate(app.board_creations, request)
    limit = app.settings.limits.max_import_bytes
    body = await read_body(request, app.settings, "create_board", limit)
    created = await app.boards.create(
        body["title"].strip(),
        template=body.get("template"),
        persona=body.get("persona", ""),
        scope=body.get("scope", ""),
        imported=body.get("import"),
    )
    board = created.board
    return answer(
        {
            "id": board.id,
            "title": board.title,
            "links": links(request, board.id, created.tokens),
            "tokens": created.tokens,
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
    boards = services(request).boards
    identity = await identify(request)
    only = request.query_params.get("only")
    if only is None:
        data = await boards.read(identity.board.id)
    elif only == "session":
        data = {"session": await boards.session_json(identity.board.id)}
    else:
        raise ApiError(400, "invalid_option", "only= takes the value session")
    return answer({"id": identity.board.id, "role": identity.role, **data})


async def board_links(request: Request) -> Response:
    # Links are signed again from the board record (its link versions and the secret), so
    # no token is stored; a rotation changes the version and with it the answer.
    identity = await identify(request)
    if identity.role != "facilitator":
        raise ApiError(403, "forbidden", "only facilitators can see the board's links")
    board = identity.board
    tokens = services(request).boards.link_tokens(board)
    response = answer({"links": links(request, board.id, tokens)})
    response.headers["Cache-Control"] = "no-store"
    return response


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
    identity = await identify(request)
    query = request.query_params
    try:
        page = int(query.get("page", "1"))
    except ValueError:
        raise ApiError(400, "invalid_option", "page must be a number") from None
    view = await services(request).boards.view(identity.board.id)
    try:
        # A PDF takes seconds of CPU: off the event loop, so the node's sockets keep moving.
        rendered = await run_in_threadpool(
            render,
            view,
            request.path_params["fmt"],
            server_now_ms(),
            dialect=query.get("dialect", "excel"),
            sheet=query.get("sheet", "A0"),
            tile=query.get("tile"),
        )
        body = rendered.page(page)
    except ExportError as exc:
        raise ApiError(400, exc.code, str(exc)) from None
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
    table: list[BaseRoute] = [
        Route("/", page),
        Route("/b/{board_id}", page),
        Route("/healthz", healthz),
        Route("/metrics", metrics),
        Route("/api/boards", create_board, methods=["POST"]),
        Route("/api/boards/{board_id}", get_board, methods=["GET"]),
        Route("/api/boards/{board_id}/join", join_board, methods=["POST"]),
        Route("/api/boards/{board_id}/links", board_links, methods=["GET"]),
        Route("/api/boards/{board_id}/commands", run_command, methods=["POST"]),
        Route("/api/boards/{board_id}/me", me, methods=["GET"]),
        Route("/api/boards/{board_id}/export.{fmt}", export, methods=["GET"]),
        WebSocketRoute("/ws/{path:path}", sync_socket),
    ]
    assets = static_dir(settings) / "assets"
    if assets.is_dir():
        table.append(Mount("/assets", StaticFiles(directory=assets)))
    return table
