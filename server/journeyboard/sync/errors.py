"""The errors that end a sync socket: one base, `SyncError`, that carries the close code.

Every error a socket's messages, its room or its admission can raise derives from it and says
how the socket is closed: `close` (a named code of `close_codes.py`), `reason` (the close
frame's reason, and the name the refusal is counted under) and `refusal` (the client is to
blame: logged as a warning and counted). The socket code answers all of them with one clause:

    except SyncError as error:
        channel.close(error.close_code, error.reason)

The subclasses live beside the code that raises them (`protocol.ProtocolError`,
`room.UnreadableUpdate`, `web/admission.Refused`, ...); tests/web/test_sync_errors.py holds the
table of each class and its code.
"""

from __future__ import annotations

from journeyboard.sync.close_codes import CloseCode


class SyncError(Exception):
    """An error that closes a sync socket; a subclass names the code, the reason and the blame."""

    close: CloseCode
    """The close code the socket gets."""
    reason: str
    """The close frame's reason (short, fixed text: never the detail, which may quote input)."""
    refusal: bool = True
    """The client sent something it should not have (a warning, counted under `reason`); False
    for the server's own trouble (a closed room), which the client is asked to retry."""

    @property
    def close_code(self) -> int:
        """The number the close frame carries."""
        return self.close.code
