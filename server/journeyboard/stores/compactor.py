"""The compaction proof, and the check behind a seal, in a process of their own, so that they
hold none of the server's GIL.

A compaction proves its snapshot with `verified_merge` (apply the parts, merge them, read the
merge back): tens of milliseconds of CPU for a large board, a hundred on the sustained-writing
benchmark's document (issue #30). On a thread of the server it still held the GIL in slices,
and the event loop and the store's writer waited for it. A `Compactor` runs it in a child
interpreter instead (`processes.ChildProcess`, which the export workers use too):

- only bytes cross: the parts (a snapshot, then log entries) go in, the proven snapshot comes
  back, or a refusal (None: the log must be kept). Every check `verified_merge` makes is made,
  in the child; what to install, and when, stays with the store;
- one proof at a time, on one thread that owns the child (it starts it, so the child dies with
  it: `PR_SET_PDEATHSIG`), from the first compaction to `close`;
- a proof past `deadline_seconds` kills the child and is refused (the log stays; the next
  compaction starts a fresh child);
- when the child cannot start, or dies during a proof (killed, crashed), that proof runs on the
  compactor's thread as it did before, logged once; the next proof tries a fresh child.

A seal (`Compactor.seal`, `seals.seal_if_clean`) goes the same way: the stored parts in, the
seal out, or None when they need a repair. Its check reads every byte in pure Python (seconds
for a 10 MB board); on a thread of the server, a bystander's round trip waited for the GIL
behind it (hundreds of milliseconds, `benchmarks/hostile_load.py --cold-reads`).

This module imports only `sync` (the proof) and the package's root leaves, like every store.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import struct
from collections.abc import Sequence

from journeyboard.processes import ChildGone, ChildProcess, child_pipes, read_frame, write_frame
from journeyboard.sync.ports import StoreError
from journeyboard.sync.seals import seal_if_clean
from journeyboard.sync.updates import verified_merge

log = logging.getLogger(__name__)

DEADLINE_SECONDS = 60.0
"""How long one proof may take in the child before it is killed and the compaction refused."""

_LENGTH = struct.Struct("!Q")

# An answer's first byte.
_PROVEN = b"p"
_REFUSED = b"r"
_FAILED = b"f"


# A request's first byte.
_PROVE = b"\x00"
_PROVE_COLLECTING = b"\x01"  # the proof collects garbage
_SEAL = b"\x02"


def encode_parts(kind: bytes, parts: Sequence[bytes]) -> bytes:
    """A request: its kind, then each part with its length (for a seal, the document's name
    and the seal key come first, as parts)."""
    pieces = [kind]
    for part in parts:
        pieces.append(_LENGTH.pack(len(part)))
        pieces.append(part)
    return b"".join(pieces)


def decode_parts(request: bytes) -> tuple[bytes, list[bytes]]:
    view = memoryview(request)
    parts: list[bytes] = []
    at = 1
    while at < len(view):
        (length,) = _LENGTH.unpack_from(view, at)
        at += _LENGTH.size
        parts.append(bytes(view[at : at + length]))
        at += length
    return bytes(view[:1]), parts


def answer_to(request: bytes) -> bytes:
    """What the child answers a request: the proven snapshot or the seal, a refusal, or a
    failure (a bug: the store logs it, and the log stays)."""
    kind, parts = decode_parts(request)
    try:
        if kind == _SEAL:
            name, key, *stored = parts
            made = seal_if_clean(name.decode(), key, stored)
        else:
            made = verified_merge(parts, collect_garbage=kind == _PROVE_COLLECTING)
    except Exception as exc:
        return _FAILED + f"{type(exc).__name__}: {exc}".encode()
    return _REFUSED if made is None else _PROVEN + made


def child_main() -> None:
    """The child's loop: read a request, answer it; until stdin ends."""
    requests, answers = child_pipes()
    logging.basicConfig(format="compactor %(process)d: %(levelname)s %(name)s: %(message)s")
    while (request := read_frame(requests)) is not None:
        write_frame(answers, answer_to(request))


class Compactor:
    """Prove compaction snapshots in a child process (see the module)."""

    def __init__(self, *, deadline_seconds: float = DEADLINE_SECONDS) -> None:
        self.deadline_seconds = deadline_seconds
        self._thread = concurrent.futures.ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="store-compactor"
        )
        self._child: ChildProcess | None = None
        """Started by the first proof, on the thread (so it dies with it); replaced once dead."""
        self._told_fallback = False
        self.fallbacks = 0
        """Proofs that ran on the thread because the child could not start or died."""
        self.overdue = 0
        """Proofs killed past their deadline (refused)."""

    @property
    def pid(self) -> int | None:
        """The child's process id while it runs."""
        child = self._child
        return child.pid if child is not None and child.alive() else None

    async def prove(self, parts: Sequence[bytes], *, collect_garbage: bool) -> bytes | None:
        """`verified_merge(parts, collect_garbage=...)`, run in the child: the proven
        snapshot, or None when it was refused (or ran past the deadline)."""
        kind = _PROVE_COLLECTING if collect_garbage else _PROVE
        return await self._run(encode_parts(kind, parts), "compaction proof")

    async def seal(self, name: str, key: bytes, parts: Sequence[bytes]) -> bytes | None:
        """`seals.seal_if_clean(name, key, parts)`, run in the child: the seal, or None when
        the parts need a repair (or the check ran past the deadline)."""
        return await self._run(encode_parts(_SEAL, [name.encode(), key, *parts]), "seal check")

    async def _run(self, request: bytes, what: str) -> bytes | None:
        loop = asyncio.get_running_loop()
        call = loop.run_in_executor(self._thread, self._in_child, request)
        try:
            done, _ = await asyncio.wait({call}, timeout=self.deadline_seconds)
        except asyncio.CancelledError:
            self._kill()  # nobody waits for this answer: stop it
            call.add_done_callback(lambda ended: ended.cancelled() or ended.exception())
            raise
        if not done:
            self.overdue += 1
            self._kill()
            with contextlib.suppress(Exception):
                await call
            log.error(
                "%s over its %gs deadline; its process was killed (a compaction keeps its "
                "log, a seal is not made)",
                what,
                self.deadline_seconds,
            )
            return None
        try:
            answer = call.result()
        except (ChildGone, OSError) as gone:
            self.fallbacks += 1
            (log.debug if self._told_fallback else log.warning)(
                "the compaction process is unavailable (%s); working on a thread instead", gone
            )
            self._told_fallback = True
            answer = await loop.run_in_executor(self._thread, answer_to, request)
        kind, body = answer[:1], answer[1:]
        if kind == _PROVEN:
            return body
        if kind == _REFUSED:
            return None
        raise StoreError(f"the {what} failed: {body.decode(errors='replace')}")

    def _in_child(self, request: bytes) -> bytes:
        """On the thread: send the request to the child (started if need be), wait for it."""
        child = self._child
        if child is None or not child.alive():
            if child is not None:
                child.close()  # reap the dead one
            self._child = None
            child = self._child = ChildProcess("journeyboard.stores.compactor", "child_main")
        return child.call(request)

    def _kill(self) -> None:
        child = self._child
        if child is not None:
            child.kill()

    async def close(self) -> None:
        """End the child and the thread (after the last proof)."""
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._thread, self._close_child)
        self._thread.shutdown(wait=False)

    def _close_child(self) -> None:
        child, self._child = self._child, None
        if child is not None:
            child.close()
