"""Websocket close codes, named.

Generated from shared_schema/close_codes.json by scripts/close_codes.py. Do not edit: change the
table and run `python scripts/close_codes.py` (tests/test_close_codes.py fails while this file is
stale).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True, slots=True)
class CloseCode:
    """One entry of the shared table."""

    name: str
    code: int
    final: bool
    """The client stops reconnecting and shows `message`."""
    message: str


class CLOSE:
    """Every named close code (`CLOSE.NOT_FOUND.code`); a misspelt name fails mypy."""

    GOING_AWAY: Final = CloseCode(
        name="GOING_AWAY",
        code=1001,
        final=False,
        message="The server is restarting; reconnecting.",
    )

    SERVICE_RESTART: Final = CloseCode(
        name="SERVICE_RESTART",
        code=1012,
        final=False,
        message="The server is restarting; reconnecting.",
    )

    TRY_AGAIN_LATER: Final = CloseCode(
        name="TRY_AGAIN_LATER",
        code=1013,
        final=False,
        message="The server cannot store changes right now; reconnecting.",
    )

    MALFORMED: Final = CloseCode(
        name="MALFORMED",
        code=4400,
        final=True,
        message="The connection sent a message the server could not read.",
    )

    UNAUTHORIZED: Final = CloseCode(
        name="UNAUTHORIZED",
        code=4401,
        final=True,
        message="This link is not valid. Ask the facilitator for a new one.",
    )

    FORBIDDEN: Final = CloseCode(
        name="FORBIDDEN",
        code=4403,
        final=True,
        message="You no longer have access to this board.",
    )

    NOT_FOUND: Final = CloseCode(
        name="NOT_FOUND",
        code=4404,
        final=True,
        message="This board does not exist.",
    )

    ORIGIN_REFUSED: Final = CloseCode(
        name="ORIGIN_REFUSED",
        code=4405,
        final=True,
        message="This page is not allowed to connect to the board server.",
    )

    LINK_ROTATED: Final = CloseCode(
        name="LINK_ROTATED",
        code=4410,
        final=True,
        message="The facilitator replaced this link. Ask for the new one.",
    )

    TOO_LARGE: Final = CloseCode(
        name="TOO_LARGE",
        code=4413,
        final=True,
        message="A change was too large for the board.",
    )

    RATE_LIMITED: Final = CloseCode(
        name="RATE_LIMITED",
        code=4429,
        final=True,
        message="Too many messages; reload the page to reconnect.",
    )

    SLOW_CONSUMER: Final = CloseCode(
        name="SLOW_CONSUMER",
        code=4408,
        final=False,
        message="The connection fell behind; resyncing.",
    )

    TOO_MANY_CONNECTIONS: Final = CloseCode(
        name="TOO_MANY_CONNECTIONS",
        code=4430,
        final=False,
        message="Too many connections to this board or from this network; retrying.",
    )

    SERVER_BUSY: Final = CloseCode(
        name="SERVER_BUSY",
        code=4503,
        final=False,
        message="The server is busy; retrying shortly.",
    )

    DOCUMENT_TOO_LARGE: Final = CloseCode(
        name="DOCUMENT_TOO_LARGE",
        code=4414,
        final=True,
        message="The board has reached its size limit; your last change was not saved.",
    )

    UNREADABLE_UPDATE: Final = CloseCode(
        name="UNREADABLE_UPDATE",
        code=4422,
        final=True,
        message="Your last change could not be read back by the server and was not saved. Reload the page.",
    )


ALL: Final[tuple[CloseCode, ...]] = (
    CLOSE.GOING_AWAY,
    CLOSE.SERVICE_RESTART,
    CLOSE.TRY_AGAIN_LATER,
    CLOSE.MALFORMED,
    CLOSE.UNAUTHORIZED,
    CLOSE.FORBIDDEN,
    CLOSE.NOT_FOUND,
    CLOSE.ORIGIN_REFUSED,
    CLOSE.LINK_ROTATED,
    CLOSE.TOO_LARGE,
    CLOSE.RATE_LIMITED,
    CLOSE.SLOW_CONSUMER,
    CLOSE.TOO_MANY_CONNECTIONS,
    CLOSE.SERVER_BUSY,
    CLOSE.DOCUMENT_TOO_LARGE,
    CLOSE.UNREADABLE_UPDATE,
)
"""Every close code, in the order of the table."""
