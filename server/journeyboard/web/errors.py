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
from journeyboard.workshop.errors import ApiError

log = logging.getLogger(__name__)

STORE_UNAVAILABLE = N_("the store is unavailable; try again")
INTERNAL = N_("something went wrong on the server")


def language_of(request: Request) -> str:
    """The language to refuse a request in: `?lang=`, then Accept-Language, then the language
    of the board the request's token opened (`board_language`), then English.

    The board's language counts only once the token was accepted: a refusal before that (no
    token, a wrong one) must not tell a stranger whether a board exists, nor cost a read.
    Never raises: a refusal is answered in English rather than not at all."""
    try:
        asked = i18n.normalise(request.query_params.get("lang")) or i18n.from_accept_language(
            request.headers.get("accept-language")
        )
        return asked or i18n.choose(getattr(request.state, "board_language", None))
    except Exception:
        return i18n.DEFAULT


async def on_error(request: Request, exc: Exception) -> Response:
    """Answer any exception a route raised as `{"error": {"code", "message"}}`; the message in
    the asker's language (`language_of`), the code as it is."""
    if isinstance(exc, ApiError):
        message = i18n.translate(language_of(request), exc.template, exc.params)
        answer = error_response(exc.status, exc.code, message)
        if exc.retry_after is not None:
            answer.headers["Retry-After"] = str(exc.retry_after)
        return answer
    if isinstance(exc, HTTPException):
        return error_response(exc.status_code, "http_error", str(exc.detail))
    if isinstance(exc, StoreError):
        log.error("store error: %s", exc)
        message = i18n.translate(language_of(request), STORE_UNAVAILABLE)
        return error_response(503, "store_unavailable", message)
    log.exception("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    message = i18n.translate(language_of(request), INTERNAL)
    response = error_response(500, "internal", message)
    # Starlette answers this one outside the middleware, so it gets its headers here.
    response.headers.update(DEFAULT_HEADERS)
    return response


EXCEPTION_HANDLERS = {kind: on_error for kind in (ApiError, HTTPException, StoreError, Exception)}
"""The handler under each kind Starlette must know: all but `Exception` are answered inside the
middleware (so they get the security headers and an access-log line); `Exception` is answered
by Starlette's outermost layer, which then re-raises it."""
