"""The one exception handler of the HTTP API: every error becomes the same JSON error shape.

- `ApiError` (the workshop's `AccessDenied` and `CommandError`, and the web layer's own checks)
  answers its status, code and message;
- Starlette's `HTTPException` (an unknown path, a wrong method) answers `http_error`;
- `StoreError` answers 503 `store_unavailable`: the client may try again;
- anything else is a bug: logged, and answered 500 `internal` without details.
"""

from __future__ import annotations

import logging

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from journeyboard.stores import StoreError
from journeyboard.web.middleware import DEFAULT_HEADERS
from journeyboard.web.responses import error_response
from journeyboard.workshop.errors import ApiError

log = logging.getLogger(__name__)


async def on_error(request: Request, exc: Exception) -> Response:
    """Answer any exception a route raised as `{"error": {"code", "message"}}`."""
    if isinstance(exc, ApiError):
        answer = error_response(exc.status, exc.code, exc.message)
        if exc.retry_after is not None:
            answer.headers["Retry-After"] = str(exc.retry_after)
        return answer
    if isinstance(exc, HTTPException):
        return error_response(exc.status_code, "http_error", str(exc.detail))
    if isinstance(exc, StoreError):
        log.error("store error: %s", exc)
        return error_response(503, "store_unavailable", "the store is unavailable; try again")
    log.exception("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    response = error_response(500, "internal", "something went wrong on the server")
    # Starlette answers this one outside the middleware, so it gets its headers here.
    response.headers.update(DEFAULT_HEADERS)
    return response


EXCEPTION_HANDLERS = {kind: on_error for kind in (ApiError, HTTPException, StoreError, Exception)}
"""The handler under each kind Starlette must know: all but `Exception` are answered inside the
middleware (so they get the security headers and an access-log line); `Exception` is answered
by Starlette's outermost layer, which then re-raises it."""
