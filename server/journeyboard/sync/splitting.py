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
from typing import Any, Final, NamedTuple

from journeyboard.sync.protocol import MAX_VAR_UINT, write_var_uint
from journeyboard.sync.yupdate import ClientStructs, ParsedUpdate

PIECE_BYTES: Final = 256 * 1024
"""The structs' bytes in one piece (a piece holds at least one struct, however long)."""

_NO_DELETES: Final = b"\x00"


class Run(NamedTuple):
    """One client's consecutive structs of an update: `number` of them from `clock`, in the
    update's bytes from `start` to `end`."""

    client: int
    clock: int
    number: int
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Piece:
    """A run of about `PIECE_BYTES`, with the structs as the update's reader read them."""

    entry: ClientStructs

    @property
    def parsed(self) -> ParsedUpdate:
        return ParsedUpdate((self.entry,), (), 0)

    @property
    def run(self) -> Run:
        structs = self.entry.structs
        return Run(
            self.entry.client, self.entry.clock, len(structs), structs[0].start, structs[-1].end
        )


@dataclass(frozen=True, slots=True)
class Cut:
    """How an update was applied in pieces: each step an update of its runs (`encode`), in
    order, then its delete set (`deletes`) from its offset, unless it has none. A seal
    records it (`seals.py`), so that a part it vouches for, not read again, is cut too."""

    steps: tuple[tuple[Run, ...], ...]
    deletes: int | None

    def to_json(self) -> dict[str, Any]:
        return {
            "steps": [[list(run) for run in step] for step in self.steps],
            "deletes": self.deletes,
        }

    @classmethod
    def from_json(cls, data: Any, length: int) -> Cut:
        """The cut a seal recorded for an update of `length` bytes; ValueError if it does
        not describe one (the seal is then not used)."""
        steps = tuple(tuple(Run(*map(_count, run)) for run in step) for step in data["steps"])
        deletes = data["deletes"]
        for step in steps:
            if not step or any(not run.start < run.end <= length for run in step):
                raise ValueError("a cut's run lies outside its update")
        if deletes is not None and not 0 < _count(deletes) <= length:
            raise ValueError("a cut's delete set lies outside its update")
        return cls(steps, deletes)


def _count(value: Any) -> int:
    if type(value) is not int or not 0 <= value <= MAX_VAR_UINT:
        raise ValueError(f"not a count: {value!r}")
    return value


def worth_cutting(update: bytes, parsed: ParsedUpdate, size: int = PIECE_BYTES) -> bool:
    """Whether `update` is larger than a piece, and its ids can be written again (yrs reads
    clocks and client ids up to 2**64; the writer here, as yjs, goes to 2**53)."""
    return len(update) > size and all(
        entry.client <= MAX_VAR_UINT and entry.end_clock <= MAX_VAR_UINT for entry in parsed.clients
    )


def cut(parsed: ParsedUpdate, size: int = PIECE_BYTES) -> list[list[Piece]]:
    """Each client's structs in an update (read as `parsed`) as pieces of about `size`
    bytes, client by client, in clock order."""
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
            pieces.append(Piece(ClientStructs(entry.client, run[0].clock, run)))
            first = last + 1
        if pieces:
            runs.append(pieces)
    return runs


def joined(pieces: Sequence[Piece]) -> Run:
    """One client's consecutive pieces as one run."""
    first, last = pieces[0].run, pieces[-1].run
    return Run(first.client, first.clock, sum(p.run.number for p in pieces), first.start, last.end)


def encode(update: bytes, runs: Sequence[Run]) -> bytes:
    """An update of these runs of `update` (each client at most once) with no delete set."""
    out = bytearray(write_var_uint(len(runs)))
    for run in runs:
        out += write_var_uint(run.number)
        out += write_var_uint(run.client)
        out += write_var_uint(run.clock)
        out += update[run.start : run.end]
    out += _NO_DELETES
    return bytes(out)


def deletes(update: bytes, start: int) -> bytes:
    """An update of `update`'s delete set alone, which begins at `start`."""
    return _NO_DELETES + update[start:]
