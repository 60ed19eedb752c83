"""The errors a caller is told about: one base, `ApiError`, with an HTTP status and a stable code.

Everything the web layer answers as `{"error": {"code": ..., "message": ...}}` derives from it:
the workshop's own refusals (`AccessDenied`, `CommandError`) and the web layer's checks of a
request. It lives here, below the web layer, so the workshop can raise it without knowing web.
"""

from __future__ import annotations


class ApiError(Exception):
    """A refused request: an HTTP `status`, a stable `code` for programs, a `message` for people."""

    def __init__(
        self, status: int, code: str, message: str, *, retry_after: int | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.retry_after = retry_after
        """Seconds after which trying again may succeed (sent as `Retry-After`), if known."""
