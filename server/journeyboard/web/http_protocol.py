"""uvicorn's HTTP protocol with guards against slow and greedy clients.

uvicorn's httptools protocol has no timeout on reading a request's headers, no cap on their
size and no cap on connections per address: one host trickling a byte a second on a thousand
connections could starve the process. `GuardedHttpProtocol` adds, per connection:

- a header deadline: from the moment a connection opens, or a response completes, the next
  request's headers must be complete within `header_timeout_seconds`; otherwise 408 and close.
  (uvicorn's own keep-alive timer is cancelled by any byte, so it cannot do this.)
- a header size cap: more than `max_header_bytes` without the end of the headers gives 431.
- a cap on open HTTP connections per client address (`http_connections_per_address`); the one
  over it is answered 429 and closed at once. Connections from a trusted proxy are not counted
  (the proxy enforces its own per-client cap, see docs/OPERATIONS.md). A connection that becomes
  a websocket leaves the count: sockets have their own limits in the socket gate.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any, ClassVar

from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol
from uvicorn.server import ServerState

from journeyboard.sync.limits import Counter, Limits
from journeyboard.web.lean_socket import TrustedProxies

LINGER_SECONDS = 2.0
"""How long a refused connection is kept half-closed, so the client reads our answer.

Closing a socket that still has unread bytes from the client sends a reset, which can destroy
the answer before the client reads it. Instead the server ends its side (FIN) after the
answer, drops whatever still arrives, and closes on the client's EOF or after this long.
"""


def plain_response(status: int, code: str, message: str) -> bytes:
    """A complete HTTP/1.1 response with our JSON error body that closes the connection."""
    body = json.dumps({"error": {"code": code, "message": message}}).encode()
    head = (
        b"content-type: application/json\r\n"
        b"x-content-type-options: nosniff\r\n"
        b"content-length: " + str(len(body)).encode() + b"\r\n"
        b"connection: close\r\n\r\n"
    )
    return STATUS_LINE[status] + head + body


class GuardedHttpProtocol(HttpToolsProtocol):
    """One HTTP connection, as uvicorn's httptools protocol, with the guards above."""

    limits: ClassVar[Limits]
    proxies: ClassVar[TrustedProxies | None]
    per_address: ClassVar[Counter]

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self._address: str | None = None
        """The address this connection is counted under, while it is counted."""
        self._header_timer: asyncio.TimerHandle | None = None
        self._awaiting_headers = True
        self._header_bytes = 0
        self._upgraded = False
        self._refused = False
        self._linger: asyncio.TimerHandle | None = None

    # asyncio.Protocol ---------------------------------------------------------------------

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        address = self.client[0] if self.client else "-"
        if self.proxies is None or address not in self.proxies:
            if not self.per_address.try_add(address):
                self.logger.warning("refusing an HTTP connection: too many from %s", address)
                self._refuse(429, "too_many_connections", "too many connections from this address")
                return
            self._address = address
        self._arm_header_timer()

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return  # lingering after a refusal: read and drop
        super().data_received(data)
        if self._upgraded or self.transport.is_closing() or not self._awaiting_headers:
            return
        self._header_bytes += len(data)
        if self._header_bytes > self.limits.max_header_bytes:
            self.logger.info("refusing a request whose headers are too large")
            self._refuse(431, "headers_too_large", "the request headers are too large")

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_header_timer()
        if self._linger is not None:
            self._linger.cancel()
            self._linger = None
        self._release()
        super().connection_lost(exc)

    # parser callbacks and uvicorn hooks ---------------------------------------------------

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._awaiting_headers = True
        if self._header_timer is None:
            self._arm_header_timer()

    def on_headers_complete(self) -> None:
        self._awaiting_headers = False
        self._header_bytes = 0
        self._cancel_header_timer()
        super().on_headers_complete()

    def on_response_complete(self) -> None:
        idle = not self.pipeline
        super().on_response_complete()
        if idle and not self.transport.is_closing():
            self._awaiting_headers = True
            self._header_bytes = 0
            if self._header_timer is None:
                self._arm_header_timer()

    def handle_websocket_upgrade(self) -> None:
        self._upgraded = True
        self._cancel_header_timer()
        self._release()
        super().handle_websocket_upgrade()

    # the guards ---------------------------------------------------------------------------

    def _arm_header_timer(self) -> None:
        self._header_timer = self.loop.call_later(
            self.limits.header_timeout_seconds, self._on_header_timeout
        )

    def _cancel_header_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _on_header_timeout(self) -> None:
        self._header_timer = None
        if self._upgraded or self.transport.is_closing() or not self._awaiting_headers:
            return
        if self.cycle is None or self.cycle.response_complete:
            self._refuse(408, "request_timeout", "the request headers took too long")
        else:  # the previous response is still being written: give the next headers more time
            self._arm_header_timer()

    def _refuse(self, status: int, code: str, message: str) -> None:
        """Answer with an error and end the connection, whatever the client sends meanwhile."""
        self._refused = True
        self._cancel_header_timer()
        transport = self.transport
        transport.write(plain_response(status, code, message))
        if transport.can_write_eof():
            transport.write_eof()
            self._linger = self.loop.call_later(LINGER_SECONDS, transport.abort)
        else:
            transport.close()

    def _release(self) -> None:
        if self._address is not None:
            self.per_address.remove(self._address)
            self._address = None


def guarded_protocol(limits: Limits, config: Config) -> type[GuardedHttpProtocol]:
    """The HTTP protocol class to give uvicorn as `http`, with its own per-address counts."""
    proxies = TrustedProxies(config.forwarded_allow_ips) if config.proxy_headers else None
    return type(
        "JourneyboardHttpProtocol",
        (GuardedHttpProtocol,),
        {
            "limits": limits,
            "proxies": proxies,
            "per_address": Counter(limits.http_connections_per_address),
        },
    )
