"""A reader for Yjs updates (encoding v1) that accepts exactly what the browser's yjs reads.

yrs (under pycrdt) reads more than yjs does: subdocuments with any options, Move and weak-link
content, type refs 7-15, an XmlHook without its name, var-ints beyond 2**53. An update holding
one of those applies on the server and then throws inside every browser's sync step 2, so the
board looks empty there. `parse_update` reads an update the way yjs 13.6 reads it
(`readClientsStructRefs`, `readItemContent`, `readContentType`, lib0's `readAny`) and raises
`MalformedUpdate` for anything yjs would throw on, or read differently from yrs:

- struct info: 0 is a GC struct, 10 a Skip struct (both only as yjs writes them: the info byte
  exactly 0 or 10), 1-8 an item with content (1 Deleted, 2 JSON, 3 Binary, 4 String, 5 Embed,
  6 Format, 7 Type, 8 Any). 9 (a subdocument) has no place on a board; 11 (Move) and 12-31
  are not yjs content at all.
- type refs 0-2 (Array, Map, Text): yjs knows 0-6, but the XML types 3-6 either read
  differently in yrs (an XmlHook's name) or make yjs throw when a later update gives them
  children that are not XML nodes (see `ACCEPTED_TYPES`); a board never holds XML.
- no empty Deleted item and no empty delete range (yjs throws "Unexpected case" on both;
  other empty structs it reads, and yrs writes some when it encodes pending structs).
- an item refers to its own client's ids (origin, right origin, parent) only below its own
  clock, as every id it could have seen when it was written; yjs takes such ids as present
  and throws when they are not.
- every var-uint (client ids, clocks, lengths, counts) and every Any integer is at most
  2**53 - 1 (JavaScript's `Number.MAX_SAFE_INTEGER`), and a client's clocks stay below it.
- strings are valid UTF-8 (lib0 decodes with `fatal: true`); JSON content parses with the
  rules of `JSON.parse` (no NaN or Infinity literals); Any values use lib0's tags 116-127.
- a client's structs appear once per update (yjs keeps only the last list for a client id, yrs
  applies both, so the browser and the server would hold different boards).

The result lists, per client, every struct with its id range, kind and content ref, and the
delete set as (client, clock, length) ranges, with byte offsets so a caller can rewrite one
struct (see `updates.repair_update`). Parsing is pure and allocation-light: a typing update
costs a few microseconds (docs/SECURITY.md, "Round two: what yjs can read").
"""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final, NamedTuple, NoReturn

MAX_SAFE_INTEGER: Final = 2**53 - 1
"""JavaScript's `Number.MAX_SAFE_INTEGER`: lib0 throws "Integer out of Range" above it (or,
for the last byte of a var-int, silently loses precision), so no var-int may exceed it."""

MAX_ANY_DEPTH: Final = 100
"""How deeply Any values (objects and arrays) may nest. lib0 reads them recursively, so a deep
enough value overflows the browser's stack; no board value nests more than a few levels."""

_LONG_VAR_UINT: Final = re.compile(rb"[\x80-\xff]{1,9}[\x00-\x7f]")
"""A var-int of two to ten bytes (ten: 64 bits and more, which the limit then refuses)."""

GC_REF: Final = 0
SKIP_REF: Final = 10
BITS5: Final = 0x1F
BIT6: Final = 0x20
BIT7: Final = 0x40
BIT8: Final = 0x80


class ContentRef(enum.IntEnum):
    """Item content refs as yjs numbers them (the low five bits of a struct's info byte)."""

    DELETED = 1
    JSON = 2
    BINARY = 3
    STRING = 4
    EMBED = 5
    FORMAT = 6
    TYPE = 7
    ANY = 8
    DOC = 9  # yjs reads it; refused here (a subdocument has no place on a board)
    MOVE = 11  # yrs only


ACCEPTED_CONTENT: Final = frozenset(range(1, 9))
"""Content refs a board update may carry: what yjs reads, without subdocuments."""


class TypeRef(enum.IntEnum):
    """Shared type refs of `ContentType` as yjs numbers them (`typeRefs` in ContentType.js)."""

    ARRAY = 0
    MAP = 1
    TEXT = 2
    XML_ELEMENT = 3
    XML_FRAGMENT = 4
    XML_HOOK = 5
    XML_TEXT = 6


ACCEPTED_TYPES: Final = frozenset((TypeRef.ARRAY, TypeRef.MAP, TypeRef.TEXT))
"""Type refs a board update may carry: the types the board writes. The XML types are refused:
an XmlHook because yjs reads a name after its ref and yrs does not (the server and the
browsers would read different boards), an XmlFragment or XmlElement because yjs throws when
it reads one holding anything but XML nodes (a later update can put a number in it, which no
check of a single update can see), and XmlText with them (no board writes XML)."""


class StructKind(enum.Enum):
    ITEM = "item"
    GC = "gc"
    SKIP = "skip"


class MalformedUpdate(ValueError):
    """An update yjs would not read (or would read differently from yrs).

    `reason` is a fixed phrase with numbers only (never text from the update), safe to log;
    `offset` is the byte where reading stopped.
    """

    def __init__(self, reason: str, offset: int) -> None:
        super().__init__(f"{reason} (at byte {offset})")
        self.reason = reason
        self.offset = offset


class ID(NamedTuple):
    client: int
    clock: int


class Struct(NamedTuple):
    """One struct of an update: an item, a GC range or a Skip range.

    `start` and `end` are byte offsets of the struct inside the update (from its info byte to
    the end of its content). `parent` is a root name (str), an item id, or None when the item
    takes its parent from its origin.
    """

    kind: StructKind
    client: int
    clock: int
    length: int
    start: int
    end: int
    content_ref: int | None = None
    type_ref: int | None = None
    origin: ID | None = None
    right_origin: ID | None = None
    parent: str | ID | None = None
    parent_sub: str | None = None
    low_surrogates: tuple[int, ...] = ()
    """For a String item: the offsets of the second halves of its surrogate pairs (its
    astral characters, such as most emoji). yrs cannot split an item there (see
    `updates.splits_a_pair`)."""

    @property
    def end_clock(self) -> int:
        return self.clock + self.length


@dataclass(frozen=True, slots=True)
class ClientStructs:
    """A client's consecutive structs in an update, starting at `clock`."""

    client: int
    clock: int
    structs: tuple[Struct, ...]

    @property
    def end_clock(self) -> int:
        return self.structs[-1].end_clock if self.structs else self.clock


@dataclass(frozen=True, slots=True)
class DeleteRange:
    client: int
    clock: int
    length: int


@dataclass(frozen=True, slots=True)
class ParsedUpdate:
    clients: tuple[ClientStructs, ...]
    delete_set: tuple[DeleteRange, ...]
    delete_set_start: int
    """Byte offset where the delete set begins (the structs section ends there)."""

    def structs(self) -> Iterator[Struct]:
        for entry in self.clients:
            yield from entry.structs


def _refuse_constant(name: str) -> NoReturn:
    raise ValueError(name)


def _js_json_valid(text: str) -> bool:
    """Whether `JSON.parse` accepts this text: Python's parser minus NaN and Infinity."""
    try:
        json.loads(text, parse_constant=_refuse_constant, parse_int=len, parse_float=len)
    except (ValueError, RecursionError):
        return False
    return True


def _utf16_length(text: str) -> tuple[int, tuple[int, ...]]:
    """A string's length in JavaScript (UTF-16 code units), which is a ContentString's
    length, and the offsets of the second halves of its surrogate pairs."""
    if text.isascii():
        return len(text), ()
    lows: list[int] = []
    offset = 0
    for char in text:
        if ord(char) > 0xFFFF:
            lows.append(offset + 1)
            offset += 2
        else:
            offset += 1
    return offset, tuple(lows)


class _Reader:
    """Reads the way yjs does (strict), or the way yrs does (not strict: to find where each
    struct of a stored update ends, so that `repair_update` can replace one)."""

    __slots__ = ("data", "end", "limit", "lows", "pos", "seen", "strict")

    def __init__(self, data: bytes, strict: bool = True) -> None:
        self.data = data
        self.pos = 0
        self.end = len(data)
        self.strict = strict
        self.limit = MAX_SAFE_INTEGER if strict else 2**64 - 1
        self.seen: dict[bytes, int] = {}
        self.lows: tuple[int, ...] = ()

    def fail(self, reason: str) -> NoReturn:
        raise MalformedUpdate(reason, self.pos)

    def uint8(self) -> int:
        if self.pos >= self.end:
            self.fail("unexpected end of update")
        byte = self.data[self.pos]
        self.pos += 1
        return byte

    def var_uint(self) -> int:
        data = self.data
        pos = self.pos
        if pos < self.end and data[pos] < 0x80:
            self.pos = pos + 1
            return data[pos]
        # A longer var-int (a client id, mostly): found by a regex, decoded once per update.
        match = _LONG_VAR_UINT.match(data, pos, self.end)
        if match is None:
            return self._var_uint_slowly()
        stop = match.end()
        raw = data[pos:stop]
        value = self.seen.get(raw)
        if value is None:
            value = 0
            for index, byte in enumerate(raw):
                value |= (byte & 0x7F) << (7 * index)
            if value > self.limit:
                self.pos = stop
                self.fail("integer above 2**53")
            self.seen[raw] = value
        self.pos = stop
        return value

    def _var_uint_slowly(self) -> NoReturn:
        """Say why no var-int ends here: the update ends first, or it is far too long."""
        pos = self.pos
        while pos < self.end and self.data[pos] >= 0x80:
            pos += 1
        self.pos = pos
        if pos >= self.end:
            self.fail("unexpected end of update")
        self.fail("integer above 2**53")

    def var_int(self) -> None:
        """lib0's signed var-int (6 bits and a sign in the first byte); the value is not kept."""
        byte = self.uint8()
        value = byte & 0x3F
        shift = 6
        while byte & 0x80:
            byte = self.uint8()
            value |= (byte & 0x7F) << shift
            shift += 7
            if value > self.limit or shift > 70:
                self.fail("integer above 2**53")
        if value > self.limit:
            self.fail("integer above 2**53")

    def bytes_(self, length: int) -> bytes:
        start = self.pos
        if length > self.end - start:
            self.fail("unexpected end of update")
        self.pos = start + length
        return self.data[start : self.pos]

    def string(self) -> str:
        raw = self.bytes_(self.var_uint())
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            self.fail("string is not valid UTF-8")

    def json(self) -> None:
        text = self.string()
        if self.strict and not _js_json_valid(text):
            self.fail("JSON content does not parse")

    def any(self, depth: int = 0) -> None:
        tag = self.uint8()
        if tag in (127, 126, 121, 120):  # undefined, null, false, true
            return
        if tag == 125:
            self.var_int()
        elif tag == 124:
            self.bytes_(4)
        elif tag in (123, 122):  # float64, bigint64
            self.bytes_(8)
        elif tag == 119:
            self.string()
        elif tag in (118, 117):
            if depth >= MAX_ANY_DEPTH and self.strict:
                self.fail("value nested too deeply")
            count = self.var_uint()
            for _ in range(count):
                if tag == 118:
                    self.string()
                self.any(depth + 1)
        elif tag == 116:
            self.bytes_(self.var_uint())
        else:
            self.fail(f"unknown value tag {tag}")

    def id_(self) -> ID:
        return ID(self.var_uint(), self.var_uint())


YRS_TYPES_WITHOUT_NAME: Final = frozenset((0, 1, 2, 4, 5, 6, 9, 15))
"""Type refs yrs reads with nothing after them (3, XmlElement, carries its name)."""


_NO_PAIRS: Final[tuple[int, ...]] = ()


def _read_content(reader: _Reader, ref: int) -> tuple[int, int | None]:
    """Read an item's content; return (its length in clocks, its type ref for ContentType).
    A String's surrogate pairs are left in `reader.lows`."""
    if ref == ContentRef.STRING:
        length, reader.lows = _utf16_length(reader.string())
        return length, None
    if ref == ContentRef.ANY:
        count = reader.var_uint()
        for _ in range(count):
            reader.any()
        return count, None
    if ref == ContentRef.TYPE:
        type_ref = reader.var_uint()
        if not reader.strict:
            if type_ref == TypeRef.XML_ELEMENT:
                reader.string()
            elif type_ref not in YRS_TYPES_WITHOUT_NAME:
                reader.fail(f"type ref {type_ref} is not a yrs type")
        elif type_ref not in ACCEPTED_TYPES:
            if type_ref <= TypeRef.XML_TEXT:
                reader.fail(f"type ref {type_ref} is an XML type, which a board never holds")
            reader.fail(f"type ref {type_ref} is not a yjs type")
        return 1, type_ref
    if ref == ContentRef.DELETED:
        return reader.var_uint(), None
    if ref == ContentRef.JSON:
        count = reader.var_uint()
        for _ in range(count):
            text = reader.string()
            if reader.strict and text != "undefined" and not _js_json_valid(text):
                reader.fail("JSON content does not parse")
        return count, None
    if ref == ContentRef.BINARY:
        reader.bytes_(reader.var_uint())
        return 1, None
    if ref == ContentRef.EMBED:
        reader.json()
        return 1, None
    if ref == ContentRef.FORMAT:
        reader.string()
        reader.json()
        return 1, None
    if ref == ContentRef.DOC:
        if reader.strict:
            reader.fail("subdocument content (ref 9) has no place on a board")
        reader.string()  # its guid
        reader.any()  # its options
        return 1, None
    reader.fail(f"content ref {ref} is not yjs content")


def _read_item(reader: _Reader, info: int, client: int, clock: int, start: int) -> Struct:
    origin = reader.id_() if info & BIT8 else None
    right_origin = reader.id_() if info & BIT7 else None
    parent: str | ID | None = None
    parent_sub: str | None = None
    if not info & (BIT7 | BIT8):
        parent = reader.string() if reader.var_uint() == 1 else reader.id_()
        if info & BIT6:
            parent_sub = reader.string()
    if reader.strict:
        for ref_id in (origin, right_origin, parent):
            if isinstance(ref_id, ID) and ref_id.client == client and ref_id.clock >= clock:
                reader.fail("an item refers to its own client's future")
    ref = info & (BITS5 if reader.strict else 0x0F)  # yrs reads four bits
    reader.lows = _NO_PAIRS
    length, type_ref = _read_content(reader, ref)
    return Struct(
        StructKind.ITEM,
        client,
        clock,
        length,
        start,
        reader.pos,
        ref,
        type_ref,
        origin,
        right_origin,
        parent,
        parent_sub,
        reader.lows,
    )


def _read_struct(reader: _Reader, client: int, clock: int) -> Struct:
    """One struct, read from its bytes, its client id and its clock alone: the round trip's
    shortcut (`updates.restated_by_yrs`) relies on that, and on `_read_update` checking
    nothing across a client's structs."""
    start = reader.pos
    info = reader.uint8()
    ref = info & (BITS5 if reader.strict else 0x0F)
    if ref in (GC_REF, SKIP_REF):
        if info != ref and reader.strict:
            reader.fail(f"struct info {info} is not how yjs writes a GC or Skip")
        length = reader.var_uint()
        kind = StructKind.GC if ref == GC_REF else StructKind.SKIP
        struct = Struct(kind, client, clock, length, start, reader.pos)
    else:
        struct = _read_item(reader, info, client, clock, start)
    if reader.strict:
        if struct.length == 0 and struct.content_ref == ContentRef.DELETED:
            reader.fail("empty deleted item")
        if struct.end_clock > MAX_SAFE_INTEGER:
            reader.fail("clock above 2**53")
    return struct


def _read_update(reader: _Reader) -> ParsedUpdate:
    clients: list[ClientStructs] = []
    seen: set[int] = set()
    for _ in range(reader.var_uint()):
        count = reader.var_uint()
        client = reader.var_uint()
        if client in seen:
            reader.fail("a client's structs appear twice")
        seen.add(client)
        first = clock = reader.var_uint()
        structs: list[Struct] = []
        for _ in range(count):
            struct = _read_struct(reader, client, clock)
            clock = struct.end_clock
            structs.append(struct)
        clients.append(ClientStructs(client, first, tuple(structs)))
    delete_set_start = reader.pos
    ranges: list[DeleteRange] = []
    for _ in range(reader.var_uint()):
        client = reader.var_uint()
        for _ in range(reader.var_uint()):
            clock = reader.var_uint()
            length = reader.var_uint()
            if reader.strict:
                if length == 0:
                    reader.fail("empty delete range")
                if clock + length > MAX_SAFE_INTEGER:
                    reader.fail("clock above 2**53")
            ranges.append(DeleteRange(client, clock, length))
    return ParsedUpdate(tuple(clients), tuple(ranges), delete_set_start)


def parse_update(data: bytes) -> ParsedUpdate:
    """Read a Yjs v1 update as yjs does; raise `MalformedUpdate` for anything yjs cannot read.

    Only the update's own structure is checked: items may refer to ids this update does not
    hold (yjs keeps such items pending), and the delete set may name any ids.
    """
    return _read_update(_Reader(bytes(data)))


def read_as_yrs(data: bytes) -> ParsedUpdate:
    """Read an update as yrs reads it (its structure only, nothing refused that yrs reads):
    what a stored update holds, whether or not yjs could read it."""
    return _read_update(_Reader(bytes(data), strict=False))


def refusal_reason(data: bytes) -> str | None:
    """Why yjs would not read this update, or None when it reads it."""
    try:
        parse_update(data)
    except MalformedUpdate as exc:
        return str(exc)
    return None


# repairing a stored update ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Quarantined:
    """A struct that `repair_update` replaced (by a GC struct of the same id range) or left
    out (a client id or clock beyond 2**53, or an empty Deleted item); `reason` names no user
    text."""

    client: int
    clock: int
    length: int
    reason: str


@dataclass(frozen=True, slots=True)
class Repair:
    update: bytes
    """The repaired update: yjs reads it, and yrs reads it as the original minus the
    quarantined structs."""
    quarantined: tuple[Quarantined, ...]
    dropped_deletes: int
    """Delete ranges left out (empty, or beyond 2**53)."""


def _var_uint(value: int) -> bytes:
    out = bytearray()
    while value > 0x7F:
        out.append(0x80 | (value & 0x7F))
        value >>= 7
    out.append(value)
    return bytes(out)


def _problem(data: bytes, struct: Struct) -> str | None:
    """Why yjs would not read this struct (read as yrs wrote it), or None."""
    reader = _Reader(data)
    reader.pos = struct.start
    reader.end = struct.end
    try:
        again = _read_struct(reader, struct.client, struct.clock)
    except MalformedUpdate as exc:
        return exc.reason
    if again.end != struct.end or again.length != struct.length:
        return "yjs reads the struct differently from yrs"
    return None


def repair_update(data: bytes) -> Repair:
    """Rewrite a stored update so that yjs reads it, keeping every struct yjs can read.

    The update is read as yrs reads it (it was stored because yrs read it). Each item yjs
    cannot read becomes a GC struct of the same client, clock and length (yjs and yrs then
    treat the item's children as garbage too); a Skip or GC struct written oddly is written
    the way yjs writes it; a client whose ids or clocks exceed 2**53 is left out whole, as
    are empty Deleted items and delete ranges yjs cannot read. Raises `MalformedUpdate` when even
    yrs's reading fails, or the result is still not readable (the caller then quarantines
    the whole update).
    """
    data = bytes(data)
    parsed = read_as_yrs(data)
    quarantined: list[Quarantined] = []
    sections: list[bytes] = []
    for entry in parsed.clients:
        if entry.client > MAX_SAFE_INTEGER or entry.end_clock > MAX_SAFE_INTEGER:
            quarantined.extend(
                Quarantined(s.client, s.clock, s.length, "client id or clock above 2**53")
                for s in entry.structs
            )
            continue
        body = bytearray()
        count = 0
        for struct in entry.structs:
            problem = _problem(data, struct)
            if problem is None:
                body += data[struct.start : struct.end]
                count += 1
                continue
            quarantined.append(Quarantined(struct.client, struct.clock, struct.length, problem))
            if struct.length == 0:
                continue
            ref = SKIP_REF if struct.kind is StructKind.SKIP else GC_REF
            body += bytes([ref]) + _var_uint(struct.length)
            count += 1
        if count:
            sections.append(_var_uint(count) + _var_uint(entry.client) + _var_uint(entry.clock))
            sections.append(bytes(body))
    kept: dict[int, list[DeleteRange]] = {}
    dropped = 0
    for r in parsed.delete_set:
        if r.length == 0 or r.client > MAX_SAFE_INTEGER or r.clock + r.length > MAX_SAFE_INTEGER:
            dropped += 1
        else:
            kept.setdefault(r.client, []).append(r)
    out = bytearray(_var_uint(len(sections) // 2))
    for part in sections:
        out += part
    out += _var_uint(len(kept))
    for client, ranges in kept.items():
        out += _var_uint(client) + _var_uint(len(ranges))
        for r in ranges:
            out += _var_uint(r.clock) + _var_uint(r.length)
    repaired = bytes(out)
    parse_update(repaired)  # raises if the repair did not make it readable
    return Repair(repaired, tuple(quarantined), dropped)
