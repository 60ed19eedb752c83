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

from journeyboard import i18n
from journeyboard.i18n import N_
from journeyboard.stores import StoreError
from journeyboard.web.middleware import DEFAULT_HEADERS
from journeyboard.web.responses import error_response
from journeyboard.web.services import services
from journeyboard.workshop.errors import ApiError

log = logging.getLogger(__name__)

STORE_UNAVAILABLE = N_("the store is unavailable; try again")
INTERNAL = N_("something went wrong on the server")


async def language_of(request: Request) -> str:
    """The language to refuse a request in: `?lang=`, then Accept-Language, then the language
    of the board the path names (when it can be read), then English. Never raises: a refusal
    is answered in English rather than not at all."""
    try:
        return await _language_of(request)
    except Exception:
        return i18n.DEFAULT


async def _language_of(request: Request) -> str:
    asked = i18n.normalise(request.query_params.get("lang")) or i18n.from_accept_language(
        request.headers.get("accept-language")
    )
    if asked is not None:
        return asked
    board_id = request.path_params.get("board_id")
    if isinstance(board_id, str) and board_id:
        board = await services(request).store.get_board(board_id)
        if board is not None:
            return i18n.choose(board.language)
    return i18n.DEFAULT


async def on_error(request: Request, exc: Exception) -> Response:
    """Answer any exception a route raised as `{"error": {"code", "message"}}`; the message in
    the asker's language (`language_of`), the code as it is."""
    if isinstance(exc, ApiError):
        message = i18n.translate(await language_of(request), exc.template, exc.params)
        answer = error_response(exc.status, exc.code, message)
        if exc.retry_after is not None:
            answer.headers["Retry-After"] = str(exc.retry_after)
        return answer
    if isinstance(exc, HTTPException):
        return error_response(exc.status_code, "http_error", str(exc.detail))
    if isinstance(exc, StoreError):
        log.error("store error: %s", exc)
        message = i18n.translate(await language_of(request), STORE_UNAVAILABLE)
        return error_response(503, "store_unavailable", message)
    log.exception("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    message = i18n.translate(await language_of(request), INTERNAL)
    response = error_response(500, "internal", message)
    # Starlette answers this one outside the middleware, so it gets its headers here.
    response.headers.update(DEFAULT_HEADERS)
    return response


EXCEPTION_HANDLERS = {kind: on_error for kind in (ApiError, HTTPException, StoreError, Exception)}
"""The handler under each kind Starlette must know: all but `Exception` are answered inside the
middleware (so they get the security headers and an access-log line); `Exception` is answered
by Starlette's outermost layer, which then re-raises it."""
