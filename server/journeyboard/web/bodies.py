"""Reading a JSON request body safely: same-site, JSON, bounded in size, depth and time, valid.

Each check raises `ApiError` with the status and code the client sees: 403 for a foreign
origin, 415 for another media type, 413 past the size limit, 408 when the body stops arriving,
400 for bad JSON, too deep a nesting, or a body that does not match `shared_schema/http.json`.

"Bad JSON" includes what Python's parser accepts but a document cannot hold: NaN and Infinity
(not JSON at all; a browser's `JSON.parse` throws on them), a number too large for a float,
a lone UTF-16 surrogate in a string or key (`"\\ud800"`: no UTF-8 encoding exists, and yrs
panics converting it) and an integer outside 64 bits (yrs panics converting it). Refusing them
here, before anything runs, is what keeps a half-applied change out of a document.
"""

from __future__ import annotations

import asyncio
import functools
import json
import math
import re
from typing import Any, Final

import jsonschema
from starlette.requests import ClientDisconnect, Request

from journeyboard import schema
from journeyboard.settings import Settings
from journeyboard.web.admission import origin_allowed
from journeyboard.workshop import imports
from journeyboard.workshop.errors import ApiError

MAX_JSON_DEPTH = 64
"""How deeply arrays and objects may nest in an HTTP body (a board export needs under 10)."""


@functools.cache
def validator(definition: str) -> jsonschema.protocols.Validator:
    """The validator of one `$defs` entry of shared_schema/http.json (built once)."""
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
    too_large = ApiError(
        413, "too_large", "the request body is larger than %(limit)s bytes", limit=limit
    )
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


INT64_MIN: Final = -(2**63)
INT64_MAX: Final = 2**63 - 1
"""The integers a document can hold (yrs stores an integer as a 64-bit one)."""

_SURROGATE: Final = re.compile("[\ud800-\udfff]")


class _NotJson(ValueError):
    pass


def _refuse_constant(name: str) -> Any:
    raise _NotJson(f"{name} is not a JSON number")


def unfit_value(value: Any) -> str | None:
    """Why a parsed JSON value cannot go into a document, or None when it can: a lone
    surrogate in a string or key, an integer outside 64 bits, or a float that is not finite."""
    stack: list[Any] = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item) is not None:
                return "a string holds a lone UTF-16 surrogate"
        elif isinstance(item, bool) or item is None:
            continue
        elif isinstance(item, int):
            if not INT64_MIN <= item <= INT64_MAX:
                return "an integer does not fit in 64 bits"
        elif isinstance(item, float):
            if not math.isfinite(item):
                return "a number is too large"
        elif isinstance(item, dict):
            for key, child in item.items():
                if _SURROGATE.search(key) is not None:
                    return "a key holds a lone UTF-16 surrogate"
                stack.append(child)
        elif isinstance(item, list):
            stack.extend(item)
    return None


def parse_json(raw: bytes) -> Any:
    """Decode a JSON body; 400 when it is not JSON (see the module's note on what that
    includes) or nests deeper than MAX_JSON_DEPTH."""
    too_deep = ApiError(
        400,
        "too_deep",
        "the body nests arrays or objects deeper than %(levels)s levels",
        levels=MAX_JSON_DEPTH,
    )
    try:
        body = json.loads(raw or b"null", parse_constant=_refuse_constant)
    except RecursionError:
        raise too_deep from None
    except _NotJson as exc:
        raise ApiError(
            400, "bad_json", "the body is not valid JSON: %(detail)s", detail=str(exc)
        ) from None
    except ValueError:
        raise ApiError(400, "bad_json", "the body is not valid JSON") from None
    if json_depth_exceeds(body, MAX_JSON_DEPTH):
        raise too_deep
    unfit = unfit_value(body)
    if unfit is not None:
        raise ApiError(400, "bad_json", "the body is not valid JSON: %(detail)s", detail=unfit)
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
    return validate_body(await read_json(request, settings, limit), definition)


def validate_body(body: Any, definition: str) -> dict[str, Any]:
    """Check a parsed body against shared_schema/http.json's `definition`; 400 saying where."""
    errors = sorted(validator(definition).iter_errors(body), key=lambda e: list(e.path))
    if errors:
        where = "/".join(str(p) for p in errors[0].path) or "body"
        # The schema's own words (English, from jsonschema) after the field: not translated.
        detail = ": ".join((where, imports.short(errors[0])))
        raise ApiError(400, "invalid_body", detail)
    assert isinstance(body, dict)
    return body
