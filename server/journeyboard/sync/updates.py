"""Checks that keep a stored board readable whatever bytes a client sends.

yrs (the Rust core under pycrdt) accepts some crafted updates that it cannot read back: an
update may apply and still encode into bytes that do not decode, two updates may merge into a
snapshot that does not decode, and some updates panic half-way through `apply_update`, leaving
the document half-changed. Three rules follow, used by the rooms, the stores and the exports:

- `unreadable_reason`: an update is stored only if the browser's yjs reads it
  (`yupdate.parse_update`: yrs reads more than yjs, issue #23) and it round-trips on its own
  in yrs (apply it to a fresh document, encode that, and apply the encoding to another fresh
  document); the encoding, which is what the server will send, must be readable by yjs too.
- `verified_merge`: a compaction replaces the log only with a snapshot that yields the same
  document as the log it replaces.
- `apply_tolerantly`: loading applies what it can, and names what it had to skip, so that one
  bad entry never hides the rest of a board.
- `check_stored`: loading also repairs stored updates the browser's yjs cannot read (stored
  before the first rule knew yjs): each offending struct becomes a GC struct of the same id
  range (`yupdate.repair_update`), everything else stays.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from pycrdt import Doc, merge_updates

from journeyboard.sync import splitting
from journeyboard.sync.protocol import read_var_uint, write_var_uint
from journeyboard.sync.yupdate import (
    ID,
    SKIP_REF,
    MalformedUpdate,
    ParsedUpdate,
    Repair,
    StructKind,
    parse_update,
    read_as_yrs,
    repair_update,
)

log = logging.getLogger(__name__)

CONTROL_FLOW: Final = (KeyboardInterrupt, SystemExit, GeneratorExit, asyncio.CancelledError)
"""Exceptions that are never a verdict on an update (a Rust panic is a BaseException too)."""


def _is_control_flow(exc: BaseException) -> bool:
    return isinstance(exc, CONTROL_FLOW)


def try_apply(doc: Doc[Any], update: bytes) -> BaseException | None:
    """Apply an update; return the error (ValueError, or a Rust panic) instead of raising it."""
    try:
        doc.apply_update(update)
    except BaseException as exc:  # pycrdt raises ValueError, or a pyo3 PanicException
        if _is_control_flow(exc):
            raise
        return exc
    return None


DOES_NOT_APPLY: Final = "does not apply"
"""How `unreadable_reason` begins for an update that is malformed even on its own."""

YJS_CANNOT_READ: Final = "yjs cannot read it"
"""How `unreadable_reason` begins for an update the browser's yjs would throw on: malformed
too, since no yjs client could have written it."""


def is_malformed(reason: str) -> bool:
    """Whether a reason of `unreadable_reason` names an update that is malformed on its own
    (refused as malformed), rather than one that applies but does not read back."""
    return reason.startswith((DOES_NOT_APPLY, YJS_CANNOT_READ))


def yjs_refusal(update: bytes) -> str | None:
    """Why the browser's yjs would not read this update (see `yupdate`), or None."""
    try:
        parse_update(update)
    except MalformedUpdate as exc:
        return f"{YJS_CANNOT_READ}: {exc}"
    return None


@dataclass(frozen=True, slots=True)
class Screened:
    """The verdict of `screen_update`, with the parse when yjs reads the update."""

    reason: str | None
    parsed: ParsedUpdate | None


def unreadable_reason(update: bytes) -> str | None:
    """Why this update must not be stored, or None when yjs reads it and it round-trips.

    Only the update's own structure is checked: an honest update that depends on items this
    document does not have yet still passes (yrs keeps it pending), so a writable client is
    never refused for its ordering. Cost: about 25 microseconds for a typing update.
    """
    return screen_update(update).reason


def screen_update(update: bytes) -> Screened:
    """`unreadable_reason`, keeping the parse for `overlap` (a room reads it once)."""
    try:
        parsed = parse_update(update)
    except MalformedUpdate as exc:
        return Screened(f"{YJS_CANNOT_READ}: {exc}", None)
    return Screened(_round_trip_reason(update, parsed), parsed)


def restated_by_yrs(update: bytes, parsed: ParsedUpdate) -> bytes:
    """The bytes yrs encodes for a fresh document that applied `update` (parsed as `parsed`)
    when it keeps every struct as it came: each client's structs behind a Skip struct from
    clock 0 to where they start (none when they start at 0), then the same delete set.

    `_round_trip_reason` compares yrs's encoding with this. When they are equal, the encoding
    is made of the bytes the parse has read and a Skip struct, read with the same client ids
    and clocks, so yjs reads it as it read the update, and it is not parsed a second time; and
    yrs has just applied those bytes (the Skip is its own), so it is not applied again either.
    That holds while `yupdate._read_struct` reads a struct from its bytes, its client id and
    its clock alone, and `yupdate._read_update` checks nothing across a client's structs (a
    rule such as "no Skip first" would break it); a parser that did either would have to drop
    this (docs/DECISIONS.md, "The round trip does not parse yrs's encoding again")."""
    out = [write_var_uint(len(parsed.clients))]
    for block in parsed.clients:
        structs = block.structs
        if not structs:
            return b""  # yrs leaves out a client with no structs: never equal
        if block.clock:
            out += (
                write_var_uint(len(structs) + 1),
                write_var_uint(block.client),
                b"\x00",
                bytes((SKIP_REF,)),  # a Skip's info byte is its ref alone
                write_var_uint(block.clock),
            )
        else:
            out += (write_var_uint(len(structs)), write_var_uint(block.client), b"\x00")
        out.append(update[structs[0].start : structs[-1].end])
    out.append(update[parsed.delete_set_start :])
    return b"".join(out)


def _round_trip_reason(update: bytes, parsed: ParsedUpdate | None = None) -> str | None:
    """Why `update` (whose yjs parse is `parsed`, when known) does not round-trip in yrs."""
    probe: Doc[Any] = Doc()
    error = try_apply(probe, update)
    if error is not None:
        return f"{DOES_NOT_APPLY}: {type(error).__name__}: {error}"
    try:
        encoded = probe.get_update()
    except BaseException as exc:
        if _is_control_flow(exc):
            raise
        return f"does not encode: {type(exc).__name__}: {exc}"
    # Typing, the common update, is kept pending in the probe and encodes as two bytes: the
    # length tells, without building the restated form.
    if (
        parsed is not None
        and len(encoded) >= len(update)
        and encoded == restated_by_yrs(update, parsed)
    ):
        # What yjs has read already, and what yrs has just applied, behind a Skip
        # (`restated_by_yrs`): neither needs to read it again.
        return None
    error = try_apply(Doc(), encoded)
    if error is not None:
        return f"does not decode after encoding: {type(error).__name__}: {error}"
    refusal = yjs_refusal(encoded)
    if refusal is not None:  # yrs read it differently from yjs
        return f"its encoding: {refusal}"
    return None


@dataclass(frozen=True, slots=True)
class Skipped:
    """A stored update that loading had to leave out."""

    index: int
    update: bytes
    reason: str


def waits_for_missing(parsed: ParsedUpdate, known: dict[int, int]) -> bool:
    """Whether yrs would keep part of this update pending: a client's structs start beyond
    the clock the document has for it (or skip some), an item refers to another client's
    clock that neither the document nor this update holds, or it deletes such clocks (held
    too, so that `splits_a_pair` sees the text a delete lands in).

    yrs merges what it keeps pending with what arrives later, and a later update that writes
    the same clocks with other content makes it crash the whole process (SIGSEGV). So such
    an update is held back, not applied, until what it waits for has arrived; by then yrs
    skips every clock it already has. An honest client sends one only in a race (an edit
    typed while its reconnecting sync step 2 is on the way), and that step 2 fills the gap.
    """
    available = dict(known)
    for entry in parsed.clients:
        have = known.get(entry.client, 0)
        if entry.clock > have:
            return True
        if entry.structs:
            available[entry.client] = max(have, entry.end_clock)
    for struct in parsed.structs():
        if struct.kind is StructKind.SKIP:
            if struct.end_clock > known.get(struct.client, 0):
                return True
            continue
        for ref in (struct.origin, struct.right_origin, struct.parent):
            if isinstance(ref, ID) and ref.clock >= available.get(ref.client, 0):
                return True
    return any(r.clock + r.length > available.get(r.client, 0) for r in parsed.delete_set)


def apply_tolerantly(
    updates: Sequence[bytes],
    held: list[int] | None = None,
    parsed: Sequence[ParsedUpdate | None] | None = None,
    cuts: Cuts | None = None,
) -> tuple[Doc[Any], list[Skipped]]:
    """Build a document from stored updates, leaving out the ones that fail to apply.

    A failed apply may have changed the document half-way (a panic inside yrs), so after a
    failure the document is built again from scratch without the failing update.

    With `held`, an update that waits for clocks the document lacks (`waits_for_missing`)
    is applied only once they have arrived, later in the log; the indexes of those still
    waiting at the end are added to `held`, unapplied (a room keeps them waiting). `parsed`
    gives the updates as read already (`check_stored` reads them; a 10 MB board takes
    seconds of pure Python to read, so it is read once, and off the event loop).

    A large update is applied in pieces (`apply_in_pieces`); `cuts` holds how, by index:
    given for updates not read again (a seal recorded them), and filled in for the others.
    """
    skipped: list[Skipped] = []
    left_out: set[int] = set()
    if held is None:
        parsed = []
    elif parsed is None:
        parsed = [_parse_as_yrs(update) for update in updates]
    given = dict(cuts or {})
    while True:
        doc: Doc[Any] = Doc()
        failed: Skipped | None = None
        waiting: list[int] = []
        if cuts is not None:
            cuts.clear()
            cuts.update(given)
        part = _Parts(updates, parsed, cuts)
        with doc.transaction():
            for index in range(len(updates)):
                if index in left_out:
                    continue
                if held is not None:
                    known = state_vector(doc)
                    this = parsed[index]
                    if this is not None and waits_for_missing(this, known):
                        waiting.append(index)
                        continue
                failed = part.apply(doc, index)
                if failed is not None:
                    break
                if waiting:
                    failed = _release(doc, part, parsed, waiting)
                    if failed is not None:
                        break
        if failed is None:
            if held is not None:
                held.extend(waiting)
            return doc, skipped
        skipped.append(failed)
        left_out.add(failed.index)


Cuts = dict[int, splitting.Cut]
"""How the large updates of a log were applied in pieces, by their index in it."""


@dataclass(frozen=True, slots=True)
class _Parts:
    """The updates `apply_tolerantly` applies, as read, and how the large ones were cut."""

    updates: Sequence[bytes]
    parsed: Sequence[ParsedUpdate | None]
    cuts: Cuts | None

    def apply(self, doc: Doc[Any], index: int) -> Skipped | None:
        """Apply update `index`: as it was cut before, if it was, else in pieces if large."""
        update = self.updates[index]
        known = None if self.cuts is None else self.cuts.get(index)
        if known is not None:
            error = apply_cut(doc, update, known)
        else:
            this = self.parsed[index] if self.parsed else None
            error, cut = apply_in_pieces(doc, update, this)
            if cut is not None and self.cuts is not None:
                self.cuts[index] = cut
        if error is None:
            return None
        return Skipped(index, update, f"{type(error).__name__}: {error}")


def apply_in_pieces(
    doc: Doc[Any], update: bytes, parsed: ParsedUpdate | None, size: int | None = None
) -> tuple[BaseException | None, splitting.Cut | None]:
    """`try_apply` of an update read as `parsed`; a large one as the pieces
    `splitting.cut` makes of it, so that no single call into yrs holds the GIL for long, and
    then how it was cut (None: applied whole).

    Each client's pieces go in clock order, a piece once the document holds what it refers
    to (`waits_for_missing`: yrs would keep it pending); pieces whose references cross go
    together, and the delete set last. The document ends as the whole update would leave it.
    """
    size = size or splitting.PIECE_BYTES
    if parsed is None or not splitting.worth_cutting(update, parsed, size):
        return try_apply(doc, update), None
    steps: list[tuple[splitting.Run, ...]] = []
    pending = [deque(pieces) for pieces in splitting.cut(parsed, size)]
    while pending:
        moved = False
        for pieces in pending:
            while pieces and not waits_for_missing(pieces[0].parsed, state_vector(doc)):
                steps.append((pieces.popleft().run,))
                error = try_apply(doc, splitting.encode(update, steps[-1]))
                if error is not None:
                    return error, None
                moved = True
        pending = [pieces for pieces in pending if pieces]
        if pending and not moved:
            steps.append(tuple(splitting.joined(list(pieces)) for pieces in pending))
            error = try_apply(doc, splitting.encode(update, steps[-1]))
            if error is not None:
                return error, None
            break
    cut = splitting.Cut(tuple(steps), parsed.delete_set_start if parsed.delete_set else None)
    if cut.deletes is not None:
        error = try_apply(doc, splitting.deletes(update, cut.deletes))
        if error is not None:
            return error, None
    return None, cut


def apply_cut(doc: Doc[Any], update: bytes, cut: splitting.Cut) -> BaseException | None:
    """Apply an update as it was cut before (`apply_in_pieces`), without reading it."""
    for step in cut.steps:
        error = try_apply(doc, splitting.encode(update, step))
        if error is not None:
            return error
    return None if cut.deletes is None else try_apply(doc, splitting.deletes(update, cut.deletes))


def _parse_as_yrs(update: bytes) -> ParsedUpdate | None:
    try:
        return read_as_yrs(update)
    except MalformedUpdate:
        return None


def _release(
    doc: Doc[Any], part: _Parts, parsed: Sequence[ParsedUpdate | None], waiting: list[int]
) -> Skipped | None:
    """Apply the waiting updates whose clocks have arrived, until none is left to apply."""
    progress = True
    while progress and waiting:
        progress = False
        for index in list(waiting):
            this = parsed[index]
            assert this is not None
            if waits_for_missing(this, state_vector(doc)):
                continue
            waiting.remove(index)
            progress = True
            failed = part.apply(doc, index)
            if failed is not None:
                return failed
    return None


def overlap(parsed: ParsedUpdate, known: dict[int, int]) -> dict[int, int]:
    """The clients whose structs in this update start below the clocks the document already
    has, with those clocks: such an update restates part of what is known, and yrs
    integrates the rest of a straddling struct from an offset.

    An honest client restates only what it wrote (a resend); a crafted update can restate
    other content under the same ids. See `new_structs_refusal`: a second net behind
    `splits_a_pair`, which stopped every case the pair fuzz found.
    """
    since: dict[int, int] = {}
    for entry in parsed.clients:
        have = known.get(entry.client, 0)
        if entry.clock < have and entry.structs:
            since[entry.client] = have
    return since


Pairs = dict[int, set[int]]
"""Per client id, the clocks of the second halves of surrogate pairs in its String items."""


def add_pairs(pairs: Pairs, parsed: ParsedUpdate) -> None:
    """Record the surrogate pairs of an update's String items."""
    for struct in parsed.structs():
        if struct.low_surrogates:
            clocks = pairs.setdefault(struct.client, set())
            clocks.update(struct.clock + offset for offset in struct.low_surrogates)


def splits_a_pair(parsed: ParsedUpdate, pairs: Pairs, known: dict[int, int]) -> bool:
    """Whether applying this update would split an item between the two halves of a
    surrogate pair: a delete range that starts or ends there, an item inserted there (its
    origin or right origin), or a struct restating known clocks whose new part starts there.

    yrs keeps strings in UTF-8 and loses a clock when it splits a pair, so every later struct
    of the item's writer is encoded one clock off and every joiner's yjs throws. yjs never
    splits a pair on its own, and the board's client never asks it to (textDiff).
    """
    own: Pairs = {}
    add_pairs(own, parsed)

    def inside(client: int, clock: int) -> bool:
        return clock in pairs.get(client, ()) or clock in own.get(client, ())

    for r in parsed.delete_set:
        if inside(r.client, r.clock) or inside(r.client, r.clock + r.length):
            return True
    for struct in parsed.structs():
        if struct.origin is not None and inside(struct.origin.client, struct.origin.clock + 1):
            return True
        if struct.right_origin is not None and inside(*struct.right_origin):
            return True
        have = known.get(struct.client, 0)
        if struct.clock < have < struct.end_clock and have - struct.clock in struct.low_surrogates:
            return True
    return False


def encode_state_vector(clocks: dict[int, int]) -> bytes:
    return write_var_uint(len(clocks)) + b"".join(
        write_var_uint(client) + write_var_uint(clock) for client, clock in clocks.items()
    )


def new_structs_refusal(doc: Doc[Any], since: dict[int, int]) -> str | None:
    """Why yjs could not read what the document now holds of these clients beyond these
    clocks (what an update that restated known clocks added), or None."""
    clocks = state_vector(doc)
    clocks.update(since)
    try:
        added = doc.get_update(encode_state_vector(clocks))
    except BaseException as exc:
        if _is_control_flow(exc):
            raise
        return f"does not encode: {type(exc).__name__}: {exc}"
    return yjs_refusal(added)


def state_vector(doc: Doc[Any]) -> dict[int, int]:
    """A document's state vector as client id -> clock (its encoding orders clients freely)."""
    data = doc.get_state()
    count, pos = read_var_uint(data, 0)
    clocks: dict[int, int] = {}
    for _ in range(count):
        client, pos = read_var_uint(data, pos)
        clocks[client], pos = read_var_uint(data, pos)
    return clocks


def _canonical(doc: Doc[Any]) -> bytes:
    again: Doc[Any] = Doc()
    again.apply_update(doc.get_update())
    return bytes(again.get_update())


def same_document(a: Doc[Any], b: Doc[Any]) -> bool:
    """Whether two documents hold the same state: the same clocks and the same content, both
    encoded once more through a fresh document so that encoding order does not matter."""
    return state_vector(a) == state_vector(b) and _canonical(a) == _canonical(b)


def verified_merge(parts: Sequence[bytes], *, collect_garbage: bool = False) -> bytes | None:
    """Merge stored updates into one snapshot that is proven to yield the same document as
    the parts, or None when no such snapshot could be made (then the log must be kept).

    With `collect_garbage`, the snapshot is the document's own encoding, in which deleted
    content is gone (a merge keeps the content of deleted items, only marked deleted); it is
    proven the same way, and the merge is the fallback.

    `merge_updates` is tried first (it needs no document); when its result does not decode or
    differs, the snapshot is the encoding of the document the parts build, checked the same
    way. None is left only when the parts themselves do not apply.
    """
    expected, skipped = apply_tolerantly(parts)
    if skipped:
        log.error("compaction refused: %d stored updates do not apply", len(skipped))
        return None
    if collect_garbage:
        collected = expected.get_update()
        if _yields(collected, expected):
            return collected
    try:
        merged: bytes | None = merge_updates(*parts)
    except BaseException as exc:
        if _is_control_flow(exc):
            raise
        merged = None
    if merged is not None and yjs_refusal(merged) is not None:
        log.warning("compaction: yjs cannot read the merged snapshot; re-encoding the document")
        merged = None
    if merged is not None:
        result: Doc[Any] = Doc()
        if try_apply(result, merged) is None:
            if same_document(expected, result):
                return merged
            # It decodes but differs: the parts are out of causal order, and yrs reads them
            # differently one by one than merged. Keep the log rather than pick a reading.
            log.error("compaction refused: the merged snapshot differs from the log")
            return None
    log.warning("compaction: the merged snapshot does not decode; re-encoding the document")
    encoded = expected.get_update()
    if _yields(encoded, expected):
        return encoded
    log.error("compaction refused: no snapshot yields the same document as the log")
    return None


def _yields(snapshot: bytes, expected: Doc[Any]) -> bool:
    if yjs_refusal(snapshot) is not None:
        return False
    result: Doc[Any] = Doc()
    return try_apply(result, snapshot) is None and same_document(expected, result)


@dataclass(frozen=True, slots=True)
class StoredRepair:
    """A stored update yjs cannot read, and what loading did about it."""

    index: int
    original: bytes
    reason: str
    """Why yjs cannot read it, and what was quarantined: fixed phrases and numbers only."""
    quarantined_structs: int
    """Structs of it replaced by GC structs or left out (-1: it was re-encoded as a whole)."""


@dataclass(frozen=True, slots=True)
class LoadCheck:
    """The outcome of `check_stored`."""

    updates: list[bytes]
    """What to build the document from: every update here passed the yjs check."""
    appended: list[bytes]
    """Repaired updates to append to the log (committed before the originals are moved)."""
    repairs: list[StoredRepair]
    """Originals to move to the store's quarantine, in order."""
    pairs: Pairs
    """The surrogate pairs of every String item in `updates` (see `splits_a_pair`)."""
    parsed: list[ParsedUpdate | None]
    """Each of `updates` as read (for `apply_tolerantly`, so that it need not read again)."""


def _repaired(update: bytes) -> Repair | None:
    """`repair_update`, kept only when yrs reads the result too."""
    try:
        repair = repair_update(update)
    except MalformedUpdate:
        return None
    if try_apply(Doc(), repair.update) is not None:
        return None
    return repair


def _describe(repair: Repair) -> str:
    reasons = sorted({q.reason for q in repair.quarantined})
    ids = ", ".join(f"{q.client}:{q.clock}+{q.length}" for q in repair.quarantined[:5])
    more = f" and {len(repair.quarantined) - 5} more" if len(repair.quarantined) > 5 else ""
    return (
        f"{len(repair.quarantined)} structs quarantined ({ids}{more}: {'; '.join(reasons)}), "
        f"{repair.dropped_deletes} delete ranges left out"
    )


def check_stored(updates: Sequence[bytes]) -> LoadCheck:
    """Check every stored update with the rule clients are held to (yjs must read it) and
    repair the ones that fail: the offending structs become GC structs, the rest is kept.

    An update whose structs cannot be told apart even as yrs reads them, but which yrs
    applies to the document, is replaced by the document's own encoding, repaired the same
    way (only what yrs could not place, items still waiting for others, then stays behind
    in the quarantine). One that yrs does not apply either is left where it is, for
    `apply_tolerantly` to skip and the room to quarantine as before.
    """
    slots: list[bytes | None] = list(updates)
    reads: list[ParsedUpdate | None] = [None] * len(updates)
    appended: list[bytes] = []
    repairs: list[StoredRepair] = []
    unrepaired: list[tuple[int, str]] = []
    pairs: Pairs = {}
    for index, update in enumerate(updates):
        try:
            read = reads[index] = parse_update(update)
            add_pairs(pairs, read)
            continue
        except MalformedUpdate as exc:
            refusal = f"{YJS_CANNOT_READ}: {exc}"
        repair = _repaired(update)
        if repair is None:
            unrepaired.append((index, refusal))
            continue
        read = reads[index] = parse_update(repair.update)
        add_pairs(pairs, read)
        slots[index] = repair.update
        appended.append(repair.update)
        reason = f"{refusal}; repaired: {_describe(repair)}"
        repairs.append(StoredRepair(index, update, reason, len(repair.quarantined)))
    if unrepaired:
        doc, skipped = apply_tolerantly(updates)
        failing = {bad.index for bad in skipped}
        integrated = [(index, refusal) for index, refusal in unrepaired if index not in failing]
        if integrated:
            whole = _repaired(doc.get_update())
            if whole is not None:
                read = parse_update(whole.update)
                reads.append(read)
                add_pairs(pairs, read)
                slots.append(whole.update)
                appended.append(whole.update)
                kept = f"the document re-encoded and repaired ({_describe(whole)})"
            else:
                kept = "nothing (the document's encoding could not be repaired either)"
            for index, refusal in integrated:
                reason = f"{refusal}; not repairable on its own; kept instead: {kept}"
                repairs.append(StoredRepair(index, updates[index], reason, -1))
                slots[index] = None
    keep = [index for index, update in enumerate(slots) if update is not None]
    readable = [update for update in slots if update is not None]
    return LoadCheck(readable, appended, repairs, pairs, [reads[index] for index in keep])
