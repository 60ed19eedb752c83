"""ASGI middleware around every HTTP answer: the default security headers, the access log, and
a JSON 500 for a Rust panic (which no Starlette handler sees)."""

from __future__ import annotations

import asyncio
import json
import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

access_log = logging.getLogger("journeyboard.access")
log = logging.getLogger(__name__)

DEFAULT_HEADERS = {
    # Every other answer (JSON, errors, assets, metrics): no sniffing, no framing, no referrer.
    "content-security-policy": "default-src 'none'; frame-ancestors 'none'",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
}
"""What an HTTP answer gets unless it sets the header itself (pages and exports do)."""


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


_CONTROL_FLOW = (KeyboardInterrupt, SystemExit, asyncio.CancelledError, GeneratorExit)


class PanicGuard:
    """Answer a Rust panic that escaped an endpoint as the JSON 500 `internal` error.

    pyo3's `PanicException` derives from BaseException, not Exception, so Starlette's handlers
    let it through to uvicorn, which answers text/plain and logs it as a crash. Validation
    keeps the known panics out (web/bodies.py); this is the net under the ones nobody knows.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_wrapper(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        except Exception:
            raise
        except _CONTROL_FLOW:
            raise
        except BaseException as exc:
            log.error("a panic on %s %s: %r", scope["method"], scope["path"], exc)
            if started:
                return
            body = json.dumps(
                {
                    "error": {"code": "internal", "message": "something went wrong on the server"},
                    "server_now_ms": int(time.time() * 1000),
                }
            ).encode()
            headers = [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *((name.encode(), value.encode()) for name, value in DEFAULT_HEADERS.items()),
            ]
            await send({"type": "http.response.start", "status": 500, "headers": headers})
            await send({"type": "http.response.body", "body": body})
