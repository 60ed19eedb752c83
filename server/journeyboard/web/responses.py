"""The shapes of the JSON API's answers: a result with the server's clock, or an error.

Every answer carries `server_now_ms`, so a client can tell its clock's offset (the timer shows
the same seconds everywhere). An error is `{"error": {"code": ..., "message": ...}}`.
"""

from __future__ import annotations

import time
from typing import Any

from starlette.responses import JSONResponse


def server_now_ms() -> int:
    return int(time.time() * 1000)


def answer(data: dict[str, Any], status: int = 200) -> JSONResponse:
    """A JSON result: `data` with the server's clock."""
    return JSONResponse({**data, "server_now_ms": server_now_ms()}, status_code=status)


def error_response(status: int, code: str, message: str) -> JSONResponse:
    """A JSON error: a stable `code` for programs and a `message` for people."""
    return JSONResponse(
        {"error": {"code": code, "message": message}, "server_now_ms": server_now_ms()},
        status_code=status,
    )
