"""The one exception handler: every kind of error gets the same JSON error shape."""

from __future__ import annotations

import json

import pytest
from starlette.exceptions import HTTPException
from starlette.requests import Request

from journeyboard.stores import StoreError
from journeyboard.sync.close_codes import CLOSE
from journeyboard.web.errors import on_error
from journeyboard.web.middleware import DEFAULT_HEADERS
from journeyboard.workshop.boards import AccessDenied
from journeyboard.workshop.commands import CommandError
from journeyboard.workshop.errors import ApiError

REQUEST = Request({"type": "http", "method": "GET", "path": "/x", "headers": []})


@pytest.mark.parametrize(
    ("exc", "status", "code"),
    [
        (ApiError(413, "too_large", "big"), 413, "too_large"),
        (AccessDenied(404, "not_found", "no such board", CLOSE.NOT_FOUND), 404, "not_found"),
        (CommandError(409, "wrong_phase", "not now"), 409, "wrong_phase"),
        (HTTPException(405), 405, "http_error"),
        (StoreError("down"), 503, "store_unavailable"),
        (ValueError("a bug"), 500, "internal"),
    ],
)
async def test_every_error_has_the_same_shape(exc: Exception, status: int, code: str) -> None:
    response = await on_error(REQUEST, exc)
    body = json.loads(bytes(response.body))
    assert response.status_code == status
    assert set(body) == {"error", "server_now_ms"}
    assert set(body["error"]) == {"code", "message"}
    assert body["error"]["code"] == code


async def test_the_workshop_errors_keep_their_fields() -> None:
    denied = AccessDenied(401, "unauthorized", "a token is required", CLOSE.UNAUTHORIZED)
    assert (denied.status, denied.code, denied.message) == (401, "unauthorized", denied.args[0])
    assert denied.close is CLOSE.UNAUTHORIZED
    assert isinstance(CommandError(400, "x", "y"), ApiError)


async def test_an_unexpected_error_is_logged_and_gets_the_security_headers(
    caplog: pytest.LogCaptureFixture,
) -> None:
    response = await on_error(REQUEST, RuntimeError("boom"))
    assert "unexpected error on GET /x" in caplog.text
    assert b"boom" not in bytes(response.body)
    for name, value in DEFAULT_HEADERS.items():
        assert response.headers[name] == value
