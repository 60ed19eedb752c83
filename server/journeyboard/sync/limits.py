"""Limits that keep one socket, address or board from harming the others.

Defaults fit real workshops: an office of hundreds behind one address, a 2,000-card board
pasted as one ~0.7 MB update, people typing and moving cursors at once.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass

MiB = 1024 * 1024


OFF_AT_ZERO = frozenset({"presence_tick_ms", "busy_window_ms"})
"""Limits that may be 0, meaning off (relay presence at once, never hold a busy room's
release); every other limit must be positive."""


@dataclass(frozen=True, slots=True)
class Limits:
    """Every limit, with its default. All are configurable from the CLI."""

    max_message_bytes: int = 16 * MiB
    """The largest message a writer's socket may send (a board pasted in one update)."""
    max_read_only_message_bytes: int = 512 * 1024
    """The largest message a read-only socket (a viewer, any session socket) may send: a sync
    step 1 and presence. The stock client echoes every state it hears of in one message when
    it joins: 2,000 sockets' states of ~250 bytes each."""
    buffered_bytes_total: int = 256 * MiB
    """Bytes of unfinished incoming messages the process holds for all its sockets together;
    past it, a new message over 64 KiB is refused (4503)."""
    buffered_bytes_per_address: int = 64 * MiB
    """The share of `buffered_bytes_total` that the sockets of one address may hold, so that
    one address cannot keep every other board from receiving a large paste."""
    max_awareness_state_bytes: int = 4096
    """The largest presence state one client may announce; a larger one closes it (4413)."""
    awareness_per_second: float = 30.0
    """Presence updates a socket may send per second; faster ones are coalesced, not relayed."""
    awareness_burst: int = 60
    awareness_queries_per_second: float = 2.0
    """Presence queries a socket may have answered per second. Each answer is every state in
    the room (~250 KB with 60 people near the state size cap); past the rate, the newest
    query waits for the next slot and replaces a waiting one. The stock client sends none on
    its socket (only on its BroadcastChannel)."""
    awareness_query_burst: int = 5
    sync_step1_per_second: float = 2.0
    """Sync step 1 messages a socket may have answered per second. Each answer may be the
    whole board (~0.5 MB for 2,000 cards); past the rate, the newest waits for the next slot
    and replaces a waiting one. The stock client sends one when its socket opens;
    journeyboard's client also asks one, one at a time, to learn that its edits are stored."""
    sync_step1_burst: int = 10
    max_document_bytes: int = 64 * MiB
    messages_per_second: float = 300.0
    message_burst: int = 3000
    bytes_per_second: float = 4 * MiB
    byte_burst: int = 32 * MiB
    sockets_per_board: int = 2000
    sockets_per_address: int = 2000
    sockets_per_address_per_board: int = 500
    """One address on one board: an office behind NAT of up to ~125 people, each with a
    content and a session socket in two tabs, but not enough to fill a board alone."""
    participants_per_board: int = 500
    boards_per_address_per_minute: int = 60
    joins_per_address_per_minute: int = 600
    joins_per_address_per_board_per_minute: int = 100
    """Joins of one board from one address: a whole office joining at once (a burst of this
    many), then one every 0.6 s; one link holder cannot fill the board in seconds."""
    socket_buffer_bytes: int = 64 * MiB
    """Bytes waiting to be written to one socket; a consumer further behind is closed (4408)."""
    busy_fanout_per_second: int = 10_000
    """Updates times sockets per second from which a room holds each release for `busy_window_ms`,
    so that the updates of that window go out merged in one frame per socket."""
    busy_window_ms: float = 2.0
    presence_tick_ms: float = 40.0
    """A room sends its sockets at most one presence frame per tick, with the newest state of
    each client that changed in it (0: relay every change at once)."""
    max_body_bytes: int = 1 * MiB
    """An HTTP body (a join, a command); a larger one is refused with 413 while it is read."""
    max_import_bytes: int = 16 * MiB
    """The body of `POST /api/boards`, which may carry a board's JSON export as `import`."""
    max_header_bytes: int = 64 * 1024
    """The request line and headers of one HTTP request; past it, 431 and the connection closes."""
    header_timeout_seconds: float = 10.0
    """Seconds an HTTP connection has to send a request's headers (and between body chunks)."""
    http_connections_per_address: int = 256
    """Open HTTP connections from one address (not counting sockets, nor trusted proxies)."""
    worker_processes: int = 2
    """Worker processes for heavy work (imports, PDFs, reads of large boards): jobs at once."""
    worker_queue: int = 8
    """Jobs that may wait for a worker; past it, 503 `busy` with Retry-After."""
    worker_memory_bytes: int = 3 * 1024 * MiB
    """The address space of one worker (RLIMIT_AS); a job past it is refused as too large."""
    inline_body_bytes: int = 64 * 1024
    """A `POST /api/boards` body up to this size without `import` is handled on the event loop;
    a larger one, and any import (700 small cards fit in 64 KiB and take ~0.1 s to check), is
    parsed, checked and built in a worker."""
    inline_read_bytes: int = 256 * 1024
    """Boards whose encoded documents are smaller are read and exported on the event loop."""
    import_cpu_seconds: float = 10.0
    """CPU one import may take in its worker (a 20,000-card import takes about 2.5 s)."""
    import_seconds: float = 30.0
    """Wall-clock seconds one import may take, waiting for a worker not counted."""
    imports_per_address_per_minute: int = 10
    """Imports (and any `POST /api/boards` body over `inline_body_bytes`) from one address."""
    stored_bytes_per_address_per_day: int = 128 * MiB
    """The documents of new boards one address may create per day (a rolling allowance)."""
    export_cpu_seconds: float = 150.0
    """CPU one export or large read may take in its worker (a PDF: about 25 s per MB of text)."""
    export_seconds: float = 600.0
    """Wall-clock seconds one export may take, waiting for a worker not counted: a report of
    2 MB of text took 270 s on a busy 2-core machine, where the workers' low priority shows."""
    max_export_text_bytes: int = 4 * MiB
    """Text (every string of the board's documents, UTF-8) a PDF export may hold; past it 413."""

    @property
    def transport_max_bytes(self) -> int:
        """What the websocket layer may buffer for one message; above it closes with 1009.

        Larger than `max_message_bytes` so that an oversized message usually reaches our own
        check and gets our own close code.
        """
        return 4 * self.max_message_bytes


class TokenBucket:
    """Allow `rate` units a second on average, and bursts up to `capacity`."""

    __slots__ = ("_level", "_updated", "capacity", "rate")

    def __init__(self, rate: float, capacity: float) -> None:
        self.rate = rate
        self.capacity = capacity
        self._level = capacity
        self._updated = time.monotonic()

    def take(self, amount: float = 1.0) -> bool:
        now = time.monotonic()
        self._level = min(self.capacity, self._level + (now - self._updated) * self.rate)
        self._updated = now
        if amount > self._level:
            return False
        self._level -= amount
        return True


class KeyedRateLimiter:
    """At most `limit` events per key in any `window` seconds (a bucket per key, LRU-bounded)."""

    def __init__(self, limit: int, window: float = 60.0, max_keys: int = 100_000) -> None:
        self.limit = limit
        self.window = window
        self.max_keys = max_keys
        self._buckets: OrderedDict[str, TokenBucket] = OrderedDict()

    def allow(self, key: str, amount: float = 1.0) -> bool:
        """Whether `amount` more events of `key` fit (and if so, count them)."""
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = TokenBucket(self.limit / self.window, self.limit)
            self._buckets[key] = bucket
            if len(self._buckets) > self.max_keys:
                self._buckets.popitem(last=False)
        else:
            self._buckets.move_to_end(key)
        return bucket.take(amount)


class Counter:
    """Open sockets per key, with a ceiling."""

    def __init__(self, ceiling: int) -> None:
        self.ceiling = ceiling
        self._counts: dict[str, int] = {}

    def try_add(self, key: str) -> bool:
        count = self._counts.get(key, 0)
        if count >= self.ceiling:
            return False
        self._counts[key] = count + 1
        return True

    def remove(self, key: str) -> None:
        count = self._counts.get(key, 0) - 1
        if count > 0:
            self._counts[key] = count
        else:
            self._counts.pop(key, None)
