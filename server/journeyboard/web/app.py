"""The Starlette application: HTTP API, pages, and the sync websocket routes."""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from starlette.websockets import WebSocket

from journeyboard import schema
from journeyboard.cluster import NodeBus, open_bus
from journeyboard.exports.render import ExportError, render
from journeyboard.settings import Settings
from journeyboard.stores import Store, StoreError, open_store
from journeyboard.sync.limits import KeyedRateLimiter
from journeyboard.sync.rooms import RoomManager
from journeyboard.web.metrics import registry_for
from journeyboard.web.sockets import SocketGate, origin_allowed, serve_starlette
from journeyboard.workshop import documents, people, voting
from journeyboard.workshop import engine as workshop
from journeyboard.workshop.boards import AccessDenied, BoardService, Identity
from journeyboard.workshop.commands import CommandError, CommandRunner
from journeyboard.workshop.tokens import TokenSigner

log = logging.getLogger(__name__)
access_log = logging.getLogger("journeyboard.access")

STATIC_DIR = Path(__file__).parent / "static"

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

DEFAULT_HEADERS = {
    # Every other answer (JSON, errors, assets, metrics): no sniffing, no framing, no referrer.
    "content-security-policy": "default-src 'none'; frame-ancestors 'none'",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
}

MAX_JSON_DEPTH = 64
"""How deeply arrays and objects may nest in an HTTP body (a board export needs under 10)."""

MISSING_CLIENT_PAGE = """<!doctype html><meta charset="utf-8"><title>journeyboard</title>
<h1>The journeyboard browser client is not built</h1>
<p>Build it with <code>pip install -e .</code> (which runs the client build) or
<code>npm --prefix client ci &amp;&amp; npm --prefix client run build</code>, then reload.</p>
"""


def server_now_ms() -> int:
    return int(time.time() * 1000)


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def error_response(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse(
        {"error": {"code": code, "message": message}, "server_now_ms": server_now_ms()},
        status_code=status,
    )


def answer(data: dict[str, Any], status: int = 200) -> JSONResponse:
    return JSONResponse({**data, "server_now_ms": server_now_ms()}, status_code=status)


@dataclass
class Services:
    settings: Settings
    store: Store
    rooms: RoomManager
    boards: BoardService
    commands: CommandRunner
    sockets: SocketGate
    board_creations: KeyedRateLimiter
    joins: KeyedRateLimiter

    @classmethod
    def build(cls, settings: Settings, store: Store, bus: NodeBus) -> Services:
        limits = settings.limits
        rooms = RoomManager(
            store,
            bus,
            grace_seconds=settings.grace_seconds,
            keepalive_seconds=settings.keepalive_seconds,
            server_only=documents.is_session,
            max_document_bytes=limits.max_document_bytes,
            lock_roots=documents.CONTENT_ROOTS,
            busy_fanout=limits.busy_fanout_per_second,
            busy_window=limits.busy_window_ms / 1000,
        )
        boards = BoardService(
            store,
            rooms,
            TokenSigner(settings.secret),
            max_participants=limits.participants_per_board,
            joins_per_address_per_board=limits.joins_per_address_per_board_per_minute,
        )
        keeper = workshop.PolicyKeeper(boards)
        rooms.on_open, rooms.on_unload = keeper.on_open, keeper.on_unload
        bus.on_control(people.handle_control(rooms))
        return cls(
            settings,
            store,
            rooms,
            boards,
            CommandRunner(boards, workshop.HANDLERS),
            SocketGate(settings, boards, rooms),
            KeyedRateLimiter(limits.boards_per_address_per_minute),
            KeyedRateLimiter(limits.joins_per_address_per_minute),
        )


def client_address(request: Request) -> str:
    return request.client.host if request.client else "-"


def check_rate(limiter: KeyedRateLimiter, request: Request) -> None:
    if not limiter.allow(client_address(request)):
        raise ApiError(429, "rate_limited", "too many requests from this address; wait a minute")


def _validator(definition: str) -> jsonschema.protocols.Validator:
    root = schema.load("http.json")
    subschema = {"$ref": f"#/$defs/{definition}", "$defs": root["$defs"]}
    return jsonschema.Draft202012Validator(subschema)


def check_json_post(request: Request, settings: Settings) -> None:
    """Refuse a POST that a page of another site could send: a foreign Origin, or not JSON.

    A cross-site form or `fetch(..., {mode: "no-cors"})` can only send `text/plain`, form
    types or no type at all, so requiring `application/json` keeps them out even from a
    browser that sends no Origin.
    """
    if not origin_allowed(request.headers.get("origin"), request.headers.get("host"), settings):
        raise ApiError(403, "origin_refused", "requests from this origin are not allowed")
    media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if media_type != "application/json":
        raise ApiError(415, "unsupported_media_type", "send the body as application/json")


async def read_limited(request: Request, limit: int, idle_timeout: float) -> bytes:
    """The body, read as a stream and refused (413) as soon as it passes `limit` bytes."""
    too_large = ApiError(413, "too_large", f"the request body is larger than {limit} bytes")
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.strip().isdigit():
            raise ApiError(400, "bad_request", "the Content-Length header is not a number")
        if int(declared) > limit:
            raise too_large
    raw = bytearray()
    chunks = request.stream().__aiter__()
    try:
        while True:
            try:
                async with asyncio.timeout(idle_timeout):
                    chunk = await anext(chunks)
            except StopAsyncIteration:
                break
            raw += chunk
            if len(raw) > limit:
                raise too_large
    except TimeoutError:
        raise ApiError(408, "request_timeout", "the request body stopped arriving") from None
    except ClientDisconnect:
        raise ApiError(400, "disconnected", "the client left before sending its body") from None
    return bytes(raw)


def json_depth_exceeds(value: Any, limit: int) -> bool:
    """Whether arrays and objects nest deeper than `limit` (without recursion)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth > limit:
                return True
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return False


def parse_json(raw: bytes) -> Any:
    """Decode a JSON body; 400 when it is not JSON or nests deeper than MAX_JSON_DEPTH."""
    too_deep = ApiError(
        400, "too_deep", f"the body nests arrays or objects deeper than {MAX_JSON_DEPTH} levels"
    )
    try:
        body = json.loads(raw or b"null")
    except RecursionError:
        raise too_deep from None
    except ValueError:
        raise ApiError(400, "bad_json", "the body is not valid JSON") from None
    if json_depth_exceeds(body, MAX_JSON_DEPTH):
        raise too_deep
    return body


async def read_json(request: Request, settings: Settings, limit: int) -> Any:
    """A JSON POST body: same-site, `application/json`, at most `limit` bytes, not too deep."""
    check_json_post(request, settings)
    raw = await read_limited(request, limit, settings.limits.header_timeout_seconds)
    return parse_json(raw)


async def read_body(
    request: Request, settings: Settings, definition: str, limit: int
) -> dict[str, Any]:
    """Read a JSON body and validate it against shared_schema/http.json; raise ApiError."""
    body = await read_json(request, settings, limit)
    errors = sorted(_validator(definition).iter_errors(body), key=lambda e: list(e.path))
    if errors:
        where = "/".join(str(p) for p in errors[0].path) or "body"
        raise ApiError(400, "invalid_body", f"{where}: {errors[0].message}")
    assert isinstance(body, dict)
    return body


def bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def base_url(request: Request, settings: Settings) -> str:
    if settings.public_url:
        return settings.public_url.rstrip("/")
    return f"{request.url.scheme}://{request.url.netloc}"


class SecurityHeadersMiddleware:
    """Give every HTTP answer the DEFAULT_HEADERS it does not set itself."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                for name, value in DEFAULT_HEADERS.items():
                    if name.encode() not in present:
                        headers.append((name.encode(), value.encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_wrapper)


class AccessLogMiddleware:
    """One line per HTTP request, without the query string (it may carry a token)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            access_log.info(
                '%s "%s %s" %d %.1fms',
                (scope.get("client") or ("-",))[0],
                scope["method"],
                scope["path"],
                status,
                (time.perf_counter() - started) * 1000,
            )


def create_app(settings: Settings, store: Store | None = None) -> Starlette:
    """Build the ASGI app; the store is opened and closed by the app's lifespan."""
    the_store = store or open_store(settings.store_url)
    bus = open_bus(the_store, settings.bus_url)
    services = Services.build(settings, the_store, bus)
    rooms = services.rooms
    static_dir = settings.static_dir or STATIC_DIR

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with contextlib.AsyncExitStack() as stack:
            await stack.enter_async_context(the_store)
            if not isinstance(bus, Store):  # a store that is its own bus is open already
                await stack.enter_async_context(bus)
            await stack.enter_async_context(rooms)
            yield
            log.info("shutting down: flushing documents")

    async def identify(request: Request) -> Identity:
        return await services.boards.authenticate(request.path_params["board_id"], bearer(request))

    def links(request: Request, board_id: str, tokens: dict[str, str]) -> dict[str, str]:
        root = base_url(request, settings)
        return {role: f"{root}/b/{board_id}#token={token}" for role, token in tokens.items()}

    async def create_board(request: Request) -> Response:
        check_rate(services.board_creations, request)
        body = await read_body(request, settings, "create_board", settings.limits.max_import_bytes)
        created = await services.boards.create(
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
        check_rate(services.joins, request)
        identity = await identify(request)
        body = await read_body(request, settings, "join", settings.limits.max_body_bytes)
        person, token = await services.boards.join(
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
        identity = await identify(request)
        only = request.query_params.get("only")
        if only is None:
            data = await services.boards.read(identity.board.id)
        elif only == "session":
            data = {"session": await services.boards.session_json(identity.board.id)}
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
        tokens = services.boards.link_tokens(board)
        response = answer({"links": links(request, board.id, tokens)})
        response.headers["Cache-Control"] = "no-store"
        return response

    async def run_command(request: Request) -> Response:
        identity = await identify(request)
        body = await read_json(request, settings, settings.limits.max_body_bytes)
        outcome = await services.commands.run(identity, body, base_url(request, settings))
        return answer({"ok": True, **outcome})

    registry = registry_for(rooms, services.sockets, services.store)

    async def metrics(request: Request) -> Response:
        if settings.metrics_token is not None:
            given = bearer(request) or ""
            if not hmac.compare_digest(given.encode(), settings.metrics_token.encode()):
                return error_response(
                    401, "unauthorized", "/metrics needs Authorization: Bearer <metrics token>"
                )
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    async def me(request: Request) -> Response:
        identity = await identify(request)
        return answer(await voting.my_marks(services.boards, identity))

    async def export(request: Request) -> Response:
        identity = await identify(request)
        query = request.query_params
        try:
            page = int(query.get("page", "1"))
        except ValueError:
            raise ApiError(400, "invalid_option", "page must be a number") from None
        view = await services.boards.view(identity.board.id)
        try:
            rendered = render(
                view,
                request.path_params["fmt"],
                server_now_ms(),
                dialect=query.get("dialect", "excel"),
                sheet=query.get("sheet", "A0"),
                tile=query.get("tile"),
            )
            body = rendered.page(page)
        except ExportError as exc:
            raise ApiError(400, "invalid_option", str(exc)) from None
        filename = rendered.filename
        if len(rendered.bodies) > 1:
            filename = filename.replace(".svg", f"-{page}.svg")
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

    async def healthz(request: Request) -> Response:
        try:
            await the_store.ping()
        except StoreError as exc:
            return JSONResponse({"status": "unavailable", "error": str(exc)}, status_code=503)
        return JSONResponse({"status": "ok", "rooms": len(rooms.rooms)})

    async def page(request: Request) -> Response:
        index = static_dir / "index.html"
        if not index.exists():
            return HTMLResponse(MISSING_CLIENT_PAGE, status_code=503, headers=PAGE_HEADERS)
        return FileResponse(index, headers={**PAGE_HEADERS, "Cache-Control": "no-cache"})

    def socket_route(session: bool) -> Callable[[WebSocket], Awaitable[None]]:
        async def endpoint(websocket: WebSocket) -> None:
            await serve_starlette(
                services.sockets, websocket, websocket.path_params["board_id"], session=session
            )

        return endpoint

    async def on_access_denied(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, AccessDenied)
        return error_response(exc.status, exc.code, exc.message)

    async def on_api_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ApiError)
        return error_response(exc.status, exc.code, exc.message)

    async def on_http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        return error_response(exc.status_code, "http_error", str(exc.detail))

    async def on_command_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, CommandError)
        return error_response(exc.status, exc.code, exc.message)

    async def on_unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        response = error_response(500, "internal", "something went wrong on the server")
        # Starlette answers this one outside the middleware, so it gets its headers here.
        response.headers.update(DEFAULT_HEADERS)
        return response

    async def on_store_error(request: Request, exc: Exception) -> Response:
        log.error("store error: %s", exc)
        return error_response(503, "store_unavailable", "the store is unavailable; try again")

    routes: list[Route | WebSocketRoute | Mount] = [
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
        WebSocketRoute("/ws/{board_id}", socket_route(session=False)),
        WebSocketRoute("/ws/{board_id}/session", socket_route(session=True)),
    ]
    if (static_dir / "assets").is_dir():
        routes.append(Mount("/assets", StaticFiles(directory=static_dir / "assets")))
    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        exception_handlers={
            AccessDenied: on_access_denied,
            ApiError: on_api_error,
            HTTPException: on_http_error,
            StoreError: on_store_error,
            CommandError: on_command_error,
            Exception: on_unexpected,
        },
    )
    app.state.services = services
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(AccessLogMiddleware)
    return app
