"""The y-websocket wire protocol as pure functions from bytes to typed messages and back.

No I/O lives here. Encoding follows lib0: var-uints of 7 bits a byte (least significant group
first) up to 2**53, byte arrays and strings prefixed with their *byte* length.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Final

from journeyboard.sync.close_codes import CLOSE
from journeyboard.sync.errors import SyncError

MESSAGE_SYNC: Final = 0
MESSAGE_AWARENESS: Final = 1
MESSAGE_AUTH: Final = 2
MESSAGE_QUERY_AWARENESS: Final = 3

SYNC_STEP1: Final = 0
SYNC_STEP2: Final = 1
SYNC_UPDATE: Final = 2

MAX_VAR_UINT: Final = 2**53
_MAX_VAR_UINT_BYTES: Final = 8

EMPTY_UPDATE: Final = b"\x00\x00"


class ProtocolError(SyncError, ValueError):
    """A frame that is not a well-formed y-websocket message."""

    close = CLOSE.MALFORMED
    reason = "malformed message"


class AwarenessTooLarge(ProtocolError):
    """An awareness state longer than the caller allows."""

    close = CLOSE.TOO_LARGE
    reason = "presence too large"


@dataclass(frozen=True, slots=True)
class SyncStep1:
    state_vector: bytes


@dataclass(frozen=True, slots=True)
class SyncStep2:
    update: bytes


@dataclass(frozen=True, slots=True)
class SyncUpdate:
    update: bytes


@dataclass(frozen=True, slots=True)
class AwarenessMessage:
    payload: bytes


@dataclass(frozen=True, slots=True)
class QueryAwareness:
    pass


@dataclass(frozen=True, slots=True)
class AuthMessage:
    payload: bytes


Message = SyncStep1 | SyncStep2 | SyncUpdate | AwarenessMessage | QueryAwareness | AuthMessage


@dataclass(frozen=True, slots=True)
class AwarenessEntry:
    """One client's entry in an awareness update; `state` is JSON text, "null" when it left."""

    client_id: int
    clock: int
    state: str

    @property
    def is_removal(self) -> bool:
        return self.state == "null"


# -- primitives ---------------------------------------------------------------------------


def write_var_uint(value: int) -> bytes:
    if value < 0 or value > MAX_VAR_UINT:
        raise ProtocolError(f"var-uint out of range: {value}")
    out = bytearray()
    while value > 0x7F:
        out.append(0x80 | (value & 0x7F))
        value >>= 7
    out.append(value)
    return bytes(out)


def read_var_uint(data: bytes, pos: int) -> tuple[int, int]:
    """Read a var-uint at `pos`; return (value, position after it)."""
    if pos < len(data) and (byte := data[pos]) < 0x80:
        return byte, pos + 1  # one byte: most of them (message types, lengths, clocks)
    value = 0
    shift = 0
    end = len(data)
    for _ in range(_MAX_VAR_UINT_BYTES):
        if pos >= end:
            raise ProtocolError("truncated var-uint")
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            if value > MAX_VAR_UINT:
                raise ProtocolError("var-uint larger than 2**53")
            return value, pos
        shift += 7
    raise ProtocolError("var-uint longer than 8 bytes")


def write_var_bytes(payload: bytes) -> bytes:
    return write_var_uint(len(payload)) + payload


def read_var_bytes(data: bytes, pos: int) -> tuple[bytes, int]:
    length, pos = read_var_uint(data, pos)
    end = pos + length
    if end > len(data):
        raise ProtocolError("truncated byte array")
    return data[pos:end], end


def write_var_string(text: str) -> bytes:
    return write_var_bytes(text.encode("utf-8"))


def read_var_string(data: bytes, pos: int) -> tuple[str, int]:
    raw, pos = read_var_bytes(data, pos)
    return _text(raw), pos


def _text(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProtocolError("string is not UTF-8") from exc


# -- messages -----------------------------------------------------------------------------


def message_kind(frame: bytes) -> tuple[int, int | None]:
    """A frame's message type and, for a sync message, its sub-type, without copying its body.

    The var-uints are decoded, not compared as bytes: `80 00` is a (non-canonical) 0 too.
    """
    kind, pos = read_var_uint(frame, 0)
    if kind != MESSAGE_SYNC:
        return kind, None
    sub, _ = read_var_uint(frame, pos)
    return kind, sub


def decode_message(frame: bytes) -> Message:
    """Decode one websocket frame into a message; raise ProtocolError when it is malformed."""
    kind, pos = read_var_uint(frame, 0)
    if kind == MESSAGE_SYNC:
        sub, pos = read_var_uint(frame, pos)
        payload, pos = read_var_bytes(frame, pos)
        if sub == SYNC_UPDATE:
            return SyncUpdate(payload)
        if sub == SYNC_STEP2:
            return SyncStep2(payload)
        if sub == SYNC_STEP1:
            return SyncStep1(payload)
        raise ProtocolError(f"unknown sync message type {sub}")
    if kind == MESSAGE_AWARENESS:
        payload, pos = read_var_bytes(frame, pos)
        return AwarenessMessage(payload)
    if kind == MESSAGE_QUERY_AWARENESS:
        return QueryAwareness()
    if kind == MESSAGE_AUTH:
        return AuthMessage(frame[pos:])
    raise ProtocolError(f"unknown message type {kind}")


def _sync(sub: int, payload: bytes) -> bytes:
    return bytes((MESSAGE_SYNC, sub)) + write_var_bytes(payload)


def encode_sync_step1(state_vector: bytes) -> bytes:
    return _sync(SYNC_STEP1, state_vector)


def encode_sync_step2(update: bytes) -> bytes:
    return _sync(SYNC_STEP2, update)


def encode_sync_update(update: bytes) -> bytes:
    return _sync(SYNC_UPDATE, update)


def encode_awareness(payload: bytes) -> bytes:
    return bytes((MESSAGE_AWARENESS,)) + write_var_bytes(payload)


KEEPALIVE_FRAME: Final = encode_sync_update(EMPTY_UPDATE)
"""An empty Update: harmless to every client, and it resets the stock client's 30 s timer."""


# -- awareness ----------------------------------------------------------------------------


def _no_constant(name: str) -> object:
    raise ValueError(f"{name} is not JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text[:20]} is too large for a JSON number")
    return value


_STATE_DECODER: Final = json.JSONDecoder(parse_constant=_no_constant, parse_float=_finite_float)
"""One decoder for every presence state: `json.loads` with these options builds a new
`JSONDecoder` on each call, and a workshop parses hundreds of states a second."""


def parse_state(state: str) -> object:
    """Parse a presence state as strictly as a browser's `JSON.parse`, and a bit more.

    Python's parser accepts `NaN`, `Infinity` and `-Infinity`, and reads `1e999` as infinity,
    which it would write back as bare `Infinity`. A browser's `JSON.parse` throws on those,
    for the whole batched frame they travel in, so they are malformed here (ValueError).
    A byte-order mark in front is malformed too, as `json.loads` has it.
    """
    return _STATE_DECODER.decode(state)


def decode_awareness_update(
    payload: bytes, max_state_bytes: int | None = None
) -> list[AwarenessEntry]:
    """Decode an awareness update; every state must be valid JSON (`parse_state`: no NaN or
    Infinity).

    A state longer than `max_state_bytes` raises `AwarenessTooLarge` before it is parsed, and
    one nested too deeply for the JSON parser is malformed like any other bad JSON.
    """
    count, pos = read_var_uint(payload, 0)
    entries: list[AwarenessEntry] = []
    for _ in range(count):
        client_id, pos = read_var_uint(payload, pos)
        clock, pos = read_var_uint(payload, pos)
        raw, pos = read_var_bytes(payload, pos)
        if max_state_bytes is not None and len(raw) > max_state_bytes:
            raise AwarenessTooLarge(f"awareness state of {len(raw)} bytes")
        state = _text(raw)
        try:
            parse_state(state)
        except ValueError as exc:
            raise ProtocolError("awareness state is not JSON") from exc
        except RecursionError:
            raise ProtocolError("awareness state is nested too deeply") from None
        entries.append(AwarenessEntry(client_id, clock, state))
    if pos != len(payload):
        raise ProtocolError("trailing bytes after awareness update")
    return entries


MAX_STATE_DEPTH: Final = 64
"""How deeply a presence state may nest: far more than any cursor or selection needs, and far
less than what makes the server's JSON encoder recurse too deeply when it stamps the state."""


def nested_deeper_than(state: str, depth: int = MAX_STATE_DEPTH) -> bool:
    """Does this JSON text (already known to parse) nest arrays and objects deeper than `depth`?"""
    if state.count("[") + state.count("{") <= depth:
        return False  # the common case, without parsing
    stack: list[tuple[object, int]] = [(json.loads(state), 1)]
    while stack:
        value, level = stack.pop()
        children: list[object] | None = None
        if isinstance(value, dict):
            children = list(value.values())
        elif isinstance(value, list):
            children = value
        if children is None:
            continue
        if level > depth:
            return True
        stack.extend((child, level + 1) for child in children)
    return False


def encode_awareness_update(entries: list[AwarenessEntry]) -> bytes:
    parts = [write_var_uint(len(entries))]
    for entry in entries:
        parts.append(write_var_uint(entry.client_id))
        parts.append(write_var_uint(entry.clock))
        parts.append(write_var_string(entry.state))
    return b"".join(parts)
