"""The errors a caller is told about: one base, `ApiError`, with an HTTP status and a stable code.

Everything the web layer answers as `{"error": {"code": ..., "message": ...}}` derives from it:
the workshop's own refusals (`AccessDenied`, `CommandError`) and the web layer's checks of a
request. It lives here, below the web layer, so the workshop can raise it without knowing web.
"""

from __future__ import annotations

from collections.abc import Mapping


class ApiError(Exception):
    """A refused request: an HTTP `status`, a stable `code` for programs, a `message` for people.

    `message` is English and is the msgid of the server's catalogues (journeyboard/i18n.py):
    the values that change between refusals are `%(name)s` placeholders filled from `params`,
    so the error handler can answer it in the asker's language. `.message` is the English text.
    """

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        retry_after: int | None = None,
        params: Mapping[str, object] | None = None,
        **values: object,
    ) -> None:
        params = {**(params or {}), **values}
        text = message % params if params else message
        super().__init__(text)
        self.status = status
        self.code = code
        self.message = text
        self.template = message
        """The untranslated msgid, placeholders unfilled."""
        self.params = params
        self.retry_after = retry_after
        """Seconds after which trying again may succeed (sent as `Retry-After`), if known."""
