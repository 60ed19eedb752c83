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


def _a_rust_panic() -> BaseException:
    """A real pyo3 PanicException (a BaseException, not an Exception), raised by yrs."""
    from pycrdt import Doc, Map

    try:
        Doc().get("m", type=Map)["x"] = "\ud800"
    except BaseException as panic:
        return panic
    raise AssertionError("yrs did not panic")


async def test_a_rust_panic_in_an_endpoint_is_a_json_500() -> None:
    """Starlette answers only Exceptions; a panic would reach uvicorn's text/plain 500."""
    import httpx
    from starlette.routing import Route

    from journeyboard.settings import Settings
    from journeyboard.stores.memory import MemoryStore
    from journeyboard.web.app import create_app

    panic = _a_rust_panic()
    assert not isinstance(panic, Exception)

    async def panics(request: Request) -> None:
        raise panic

    app = create_app(Settings(store_url="memory://", secret="x" * 32), MemoryStore())
    app.router.routes.append(Route("/panics", panics))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        response = await client.get("/panics")
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/json"
    assert response.json()["error"]["code"] == "internal"
    assert response.headers["x-content-type-options"] == "nosniff"
