"""A large Yjs v1 update cut into smaller updates that apply to the same document.

yrs holds the GIL for the whole of one `apply_update`: a 10 MB snapshot (a 12,000-card board)
takes half a second on a slow core, and nothing else in the process runs meanwhile, not even
an event loop whose thread is free. Cut at struct boundaries, the same snapshot applies as
pieces of `PIECE_BYTES` (about 15 ms each there), and the interpreter can hand the GIL over
between them (`updates.apply_tolerantly`, run in a thread by `loading.restore`).

An update is the structs of each client in turn (each client's structs consecutive, from a
first clock) and then a delete set; a struct's bytes do not depend on where it sits, as its
clock follows from the first clock and the lengths before it. So a run of one client's
consecutive structs is an update of its own (one client, those structs, an empty delete set),
and the delete set is one more (no structs, the same delete set), applied last.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from journeyboard.sync.protocol import MAX_VAR_UINT, write_var_uint
from journeyboard.sync.yupdate import ClientStructs, ParsedUpdate

PIECE_BYTES: Final = 256 * 1024
"""The structs' bytes in one piece (a piece holds at least one struct, however long)."""

_NO_DELETES: Final = b"\x00"


@dataclass(frozen=True, slots=True)
class Piece:
    """A run of one client's consecutive structs of an update, as an update of its own."""

    entry: ClientStructs
    """The run, as the update's reader would have read it."""
    start: int
    end: int
    """Its bytes in the update it was cut from."""

    @property
    def parsed(self) -> ParsedUpdate:
        return ParsedUpdate((self.entry,), (), 0)


def worth_cutting(update: bytes, parsed: ParsedUpdate, size: int = PIECE_BYTES) -> bool:
    """Whether `update` is larger than a piece, and its ids can be written again (yrs reads
    clocks and client ids up to 2**64; the writer here, as yjs, goes to 2**53)."""
    return len(update) > size and all(
        entry.client <= MAX_VAR_UINT and entry.end_clock <= MAX_VAR_UINT for entry in parsed.clients
    )


def cut(update: bytes, parsed: ParsedUpdate, size: int = PIECE_BYTES) -> list[list[Piece]]:
    """Each client's structs in `update` (read as `parsed`) as runs of about `size` bytes,
    client by client, in clock order."""
    runs: list[list[Piece]] = []
    for entry in parsed.clients:
        structs = entry.structs
        pieces: list[Piece] = []
        first = 0
        while first < len(structs):
            start = structs[first].start
            last = first
            while last + 1 < len(structs) and structs[last + 1].end - start <= size:
                last += 1
            run = structs[first : last + 1]
            pieces.append(Piece(ClientStructs(entry.client, run[0].clock, run), start, run[-1].end))
            first = last + 1
        if pieces:
            runs.append(pieces)
    return runs


def encode(update: bytes, runs: Sequence[Sequence[Piece]]) -> bytes:
    """An update of the structs of these runs (each one client's consecutive pieces, each
    client once) with an empty delete set."""
    out = bytearray(write_var_uint(len(runs)))
    for run in runs:
        first, last = run[0], run[-1]
        out += write_var_uint(sum(len(piece.entry.structs) for piece in run))
        out += write_var_uint(first.entry.client)
        out += write_var_uint(first.entry.clock)
        out += update[first.start : last.end]
    out += _NO_DELETES
    return bytes(out)


def deletes(update: bytes, parsed: ParsedUpdate) -> bytes:
    """An update of `update`'s delete set alone."""
    return _NO_DELETES + update[parsed.delete_set_start :]
