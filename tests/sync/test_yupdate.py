"""The Yjs v1 update reader (`sync/yupdate.py`): it reads what yjs and pycrdt write, and it
refuses what the browser's yjs throws on (issue #23, finding 1)."""

from __future__ import annotations

from typing import Any

import pytest
from pycrdt import Array, Doc, Map, Text, XmlElement, XmlFragment, XmlText

from journeyboard.sync.protocol import write_var_uint
from journeyboard.sync.yupdate import (
    ID,
    MAX_SAFE_INTEGER,
    DeleteRange,
    MalformedUpdate,
    StructKind,
    parse_update,
    refusal_reason,
)


def map_entry(content: bytes, client: int = 1, clock: int = 0, key: bytes = b"x") -> bytes:
    """One struct: an entry `key` of the root map "board", holding `content` (info byte first)."""
    info, rest = content[0] | 0x20, content[1:]  # BIT6: the entry has a key
    struct = bytes([info]) + b"\x01" + b"\x05board" + bytes([len(key)]) + key + rest
    return b"\x01\x01" + write_var_uint(client) + write_var_uint(clock) + struct + b"\x00"


def test_reads_what_pycrdt_writes() -> None:
    doc: Doc[Any] = Doc(client_id=7)
    board = doc.get("board", type=Map)
    board["s"] = "x"
    board["t"] = Text("h\u00e9\U0001f600")
    board["a"] = Array([1, 2.5, None, {"k": [True]}])
    board["b"] = b"\x00\x01"
    board["m"] = Map({"k": "v"})
    del board["s"]
    parsed = parse_update(doc.get_update())
    [entry] = parsed.clients
    assert entry.client == 7 and entry.clock == 0
    text = next(s for s in entry.structs if s.content_ref == 4 and s.clock == 2)
    assert text.length == 4  # UTF-16 code units, as a JavaScript string counts them
    assert text.parent == ID(7, 1)
    nested = next(s for s in entry.structs if s.type_ref == 1)
    assert nested.parent == "board" and nested.parent_sub == "m"
    assert nested.kind is StructKind.ITEM
    assert entry.end_clock == max(s.end_clock for s in entry.structs)
    assert parsed.delete_set == (DeleteRange(7, 0, 1),)


def test_other_empty_structs_are_read_as_yjs_reads_them() -> None:
    """yjs reads an empty string item or GC struct, and yrs writes some when it encodes
    pending structs: refusing them would refuse the server's own snapshots."""
    assert refusal_reason(map_entry(b"\x04\x00")) is None
    assert refusal_reason(b"\x01\x01\x01\x00\x00\x00\x00") is None


def test_a_plain_entry_is_read() -> None:
    parsed = parse_update(map_entry(b"\x08\x01\x77\x02hi"))  # Any: one string
    [struct] = parsed.structs()
    assert (struct.client, struct.clock, struct.length, struct.content_ref) == (1, 0, 1, 8)
    assert struct.parent == "board" and struct.parent_sub == "x"


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"\x07\x09", "type ref 9"),  # Doc as a type ref: yrs reads it, yjs does not
        (b"\x07\x0f", "type ref 15"),  # Undefined
        (b"\x07\x05", "XML type"),  # XmlHook: yrs reads no name after the ref, yjs does
        (b"\x07\x05\x01h", "XML type"),
        (b"\x01\x00", "empty deleted item"),  # yjs: "Unexpected case"
        (b"\x09\x03abc\x7e", "subdocument"),  # subdoc with options null ("shouldLoad")
        (b"\x0b\x00\x01\x00", "content ref 11"),  # Move
        (b"\x0c\x00", "content ref 12"),
        (b"\x08\x01\x70", "unknown value tag 112"),
        (b"\x08\x01\x77\x02\xff\xfe", "UTF-8"),
        (b"\x02\x01\x03NaN", "JSON"),
        (b"\x05\x08Infinity", "JSON"),
    ],
)
def test_refuses_what_yjs_cannot_read(content: bytes, reason: str) -> None:
    with pytest.raises(MalformedUpdate, match=reason):
        parse_update(map_entry(content))


def test_refuses_xml_which_a_board_never_holds() -> None:
    doc: Doc[Any] = Doc()
    doc.get("xml", type=XmlFragment).children.append(XmlElement("p", {}, [XmlText("hi")]))
    with pytest.raises(MalformedUpdate, match="XML type"):
        parse_update(doc.get_update())


def test_refuses_references_to_its_own_future() -> None:
    origin_ahead = b"\x01\x01\x01\x00\x88\x01\x05\x01\x77\x01a\x00"  # origin (1, 5) at clock 0
    with pytest.raises(MalformedUpdate, match="future"):
        parse_update(origin_ahead)
    assert refusal_reason(origin_ahead.replace(b"\x88\x01\x05", b"\x88\x02\x05")) is None


def test_refuses_empty_delete_ranges() -> None:
    with pytest.raises(MalformedUpdate, match="empty delete range"):
        parse_update(b"\x00\x01\x07\x01\x03\x00")
    assert refusal_reason(b"\x00\x01\x07\x01\x03\x01") is None


def test_refuses_integers_beyond_javascript() -> None:
    assert refusal_reason(map_entry(b"\x08\x01\x77\x00", client=MAX_SAFE_INTEGER)) is None
    reason = refusal_reason(map_entry(b"\x08\x01\x77\x00", client=MAX_SAFE_INTEGER + 1))
    assert reason is not None and "2**53" in reason
    assert refusal_reason(map_entry(b"\x08\x01\x77\x00", clock=MAX_SAFE_INTEGER)) is not None
    big_any_int = b"\x08\x01\x7d" + b"\xff" * 8 + b"\x7f"
    assert refusal_reason(map_entry(big_any_int)) is not None


def test_refuses_a_client_listed_twice() -> None:
    one = map_entry(b"\x08\x01\x7e")
    twice = b"\x02" + one[1:-1] + one[1:-1].replace(b"\x01\x00", b"\x01\x01", 1) + b"\x00"
    with pytest.raises(MalformedUpdate, match="twice"):
        parse_update(twice)


def test_refuses_truncated_updates_everywhere() -> None:
    doc: Doc[Any] = Doc(client_id=3)
    doc.get("board", type=Map)["x"] = Text("hello")
    update = doc.get_update()
    for cut in range(len(update) - 1):  # the last byte is the empty delete set's count
        assert refusal_reason(update[:cut]) is not None, cut
