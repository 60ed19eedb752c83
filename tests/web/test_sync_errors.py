"""Which close code each sync error gets a socket: one table, checked against the socket code.

`EXPECTED` was written down from the socket code as it was before the errors had a common base
(`SyncSession._into_room`'s except clauses, `Room._release_held`'s, the admission's `Refused`):
the error classes and their close frames must not change when the mapping moves into them.
"""

from __future__ import annotations

import ast
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from journeyboard.sync.close_codes import CLOSE, CloseCode
from journeyboard.sync.connection import Connection
from journeyboard.sync.errors import SyncError
from journeyboard.sync.limits import Limits
from journeyboard.sync.protocol import AwarenessTooLarge, ProtocolError
from journeyboard.sync.room import DocumentTooLarge
from journeyboard.sync.room_state import RoomClosed
from journeyboard.sync.screening import ForeignClaim, UnreadableUpdate
from journeyboard.web.admission import Refused
from sync.fakes import FakeChannel, awareness_frame
from web.test_socket_gate import Gate, build

EXPECTED: list[tuple[type[BaseException], int, str, bool]] = [
    # error raised inside the room, close code, close reason, counted as a refusal
    (ProtocolError, CLOSE.MALFORMED.code, "malformed message", True),
    (UnreadableUpdate, CLOSE.UNREADABLE_UPDATE.code, "unreadable update", True),
    (ForeignClaim, CLOSE.UNREADABLE_UPDATE.code, "claim on clocks of another", True),
    (DocumentTooLarge, CLOSE.DOCUMENT_TOO_LARGE.code, "document too large", True),
    (RoomClosed, CLOSE.TRY_AGAIN_LATER.code, "try again later", False),
    (RecursionError, CLOSE.MALFORMED.code, "malformed message", True),
]


@pytest.fixture
async def gate() -> AsyncIterator[Gate]:
    built, rooms = await build(Limits())
    yield built
    await rooms.close()


def raising(error: BaseException) -> Callable[[Connection, object], None]:
    def call(conn: Connection, value: object) -> None:
        raise error

    return call


@pytest.mark.parametrize(("error", "code", "reason", "counted"), EXPECTED)
async def test_an_error_in_the_room_closes_the_socket_with_its_code(
    gate: Gate, error: type[BaseException], code: int, reason: str, counted: bool
) -> None:
    channel = FakeChannel()
    sync = await gate.gate.start(gate.request(gate.tokens["participant"]), channel)
    before = dict(gate.gate.refused)
    sync._into_room(raising(error("what went wrong")), None)
    assert channel.closed == (code, reason)
    counts = {cause: n - before.get(cause, 0) for cause, n in gate.gate.refused.items()}
    assert {cause: n for cause, n in counts.items() if n} == ({reason: 1} if counted else {})
    sync.end()


async def test_a_presence_state_over_the_cap_is_too_large(gate: Gate) -> None:
    """`AwarenessTooLarge` is a `ProtocolError`, but its socket gets TOO_LARGE, not MALFORMED."""
    channel = FakeChannel()
    sync = await gate.gate.start(gate.request(gate.tokens["participant"]), channel)
    cap = gate.gate.limits.max_awareness_state_bytes
    sync.receive(awareness_frame(sync.conn.awareness_id or 7, 1, {"x": "y" * (2 * cap)}))
    assert channel.closed == (CLOSE.TOO_LARGE.code, "presence too large")
    assert issubclass(AwarenessTooLarge, ProtocolError)
    sync.end()


CLASSES: dict[type[SyncError], tuple[CloseCode, str, bool, type[Exception]]] = {
    # class: close code, reason, refusal, the built-in base it kept (callers may catch that)
    ProtocolError: (CLOSE.MALFORMED, "malformed message", True, ValueError),
    AwarenessTooLarge: (CLOSE.TOO_LARGE, "presence too large", True, ValueError),
    UnreadableUpdate: (CLOSE.UNREADABLE_UPDATE, "unreadable update", True, ValueError),
    ForeignClaim: (CLOSE.UNREADABLE_UPDATE, "claim on clocks of another", True, ValueError),
    DocumentTooLarge: (CLOSE.DOCUMENT_TOO_LARGE, "document too large", True, RuntimeError),
    RoomClosed: (CLOSE.TRY_AGAIN_LATER, "try again later", False, RuntimeError),
}


def _subclasses(cls: type[SyncError]) -> set[type[SyncError]]:
    found = set(cls.__subclasses__())
    for sub in list(found):
        found |= _subclasses(sub)
    return found


def test_every_sync_error_carries_its_close_code() -> None:
    for cls, (close, reason, refusal, base) in CLASSES.items():
        error = cls("the detail, which may quote input")
        assert isinstance(error, SyncError) and isinstance(error, base), cls
        assert (error.close, error.close_code, error.reason, error.refusal) == (
            close,
            close.code,
            reason,
            refusal,
        ), cls
    # the table above is the old mapping's: each row that the socket test checks agrees
    for raised, code, reason, counted in EXPECTED:
        if issubclass(raised, SyncError):
            assert (raised.close.code, raised.reason, raised.refusal) == (code, reason, counted)
    # a refused admission carries the code it was given
    refused = Refused(CLOSE.ORIGIN_REFUSED, "origin not allowed", "origin")
    assert (refused.close_code, refused.reason, refused.cause) == (
        4405,
        "origin not allowed",
        "origin",
    )
    assert _subclasses(SyncError) == set(CLASSES) | {Refused}, "a new SyncError: add it here"


SOCKET_CODE = ["web/sync_session.py", "web/sockets.py", "web/lean_socket.py"]


def test_the_socket_code_maps_sync_errors_with_one_clause() -> None:
    """No socket endpoint names a SyncError subclass in an except: `SyncError` says the code."""
    names = {cls.__name__ for cls in CLASSES} | {"Refused"}
    root = Path(__file__).resolve().parents[2] / "server" / "journeyboard"
    for file in SOCKET_CODE:
        for node in ast.walk(ast.parse((root / file).read_text())):
            if isinstance(node, ast.ExceptHandler) and node.type is not None:
                caught = {n.id for n in ast.walk(node.type) if isinstance(n, ast.Name)}
                assert not caught & names, f"{file}:{node.lineno} catches {caught & names}"
