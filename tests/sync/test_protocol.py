"""The pure codec: round trips, limits, and named errors for malformed frames."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from journeyboard.sync import protocol
from journeyboard.sync.protocol import (
    AwarenessEntry,
    ProtocolError,
    SyncStep1,
    SyncStep2,
    SyncUpdate,
    decode_message,
)


@given(st.integers(min_value=0, max_value=2**53))
def test_var_uint_round_trip(value: int) -> None:
    encoded = protocol.write_var_uint(value)
    assert protocol.read_var_uint(encoded, 0) == (value, len(encoded))


def test_var_uint_known_encodings() -> None:
    assert protocol.write_var_uint(0) == b"\x00"
    assert protocol.write_var_uint(127) == b"\x7f"
    assert protocol.write_var_uint(128) == b"\x80\x01"
    assert protocol.write_var_uint(300) == b"\xac\x02"
    assert len(protocol.write_var_uint(2**53)) == 8


def test_var_uint_limits() -> None:
    with pytest.raises(ProtocolError):
        protocol.write_var_uint(2**53 + 1)
    with pytest.raises(ProtocolError):
        protocol.read_var_uint(b"\xff" * 9, 0)
    with pytest.raises(ProtocolError):
        protocol.read_var_uint(b"\x80\x80", 0)
    for data, pos in ((b"", 0), (b"\x05", 1)):  # nothing left to read
        with pytest.raises(ProtocolError, match="truncated"):
            protocol.read_var_uint(data, pos)


def test_var_uint_reads_at_its_position() -> None:
    """One byte at `pos` (the short way), several bytes, and a non-canonical zero."""
    assert protocol.read_var_uint(b"\xff\x05\x07", 1) == (5, 2)
    assert protocol.read_var_uint(b"\x00\xac\x02", 1) == (300, 3)
    assert protocol.read_var_uint(b"\x80\x00", 0) == (0, 2)


@given(st.binary(max_size=300))
def test_sync_messages_round_trip(payload: bytes) -> None:
    assert decode_message(protocol.encode_sync_step1(payload)) == SyncStep1(payload)
    assert decode_message(protocol.encode_sync_step2(payload)) == SyncStep2(payload)
    assert decode_message(protocol.encode_sync_update(payload)) == SyncUpdate(payload)


@given(
    st.lists(
        st.tuples(
            st.integers(0, 2**53),
            st.integers(0, 2**32),
            st.one_of(st.none(), st.dictionaries(st.text(max_size=5), st.text(max_size=20))),
        ),
        max_size=5,
    )
)
def test_awareness_round_trip(raw: list[tuple[int, int, object]]) -> None:
    import json

    entries = [AwarenessEntry(c, k, json.dumps(s)) for c, k, s in raw]
    payload = protocol.encode_awareness_update(entries)
    assert protocol.decode_awareness_update(payload) == entries


def test_var_string_counts_utf8_bytes() -> None:
    encoded = protocol.write_var_string("å😀")
    assert encoded[0] == len("å😀".encode())
    assert protocol.read_var_string(encoded, 0) == ("å😀", len(encoded))


@pytest.mark.parametrize(
    "frame",
    [
        b"",
        b"\x00",
        b"\x00\x02",
        b"\x00\x02\x05ab",
        b"\x00\x09\x00",
        b"\x09",
        b"\x01\x05ab",
        b"\x80",
    ],
)
def test_malformed_frames_raise_protocol_error(frame: bytes) -> None:
    with pytest.raises(ProtocolError):
        decode_message(frame)


@given(st.binary(max_size=64))
def test_any_bytes_decode_or_raise_protocol_error(frame: bytes) -> None:
    with contextlib.suppress(ProtocolError):
        decode_message(frame)


def test_awareness_with_bad_json_is_refused() -> None:
    payload = protocol.write_var_uint(1) + protocol.write_var_uint(5) + protocol.write_var_uint(1)
    payload += protocol.write_var_string("{not json")
    with pytest.raises(ProtocolError):
        protocol.decode_awareness_update(payload)


def _one_state(raw: bytes) -> bytes:
    return (
        protocol.write_var_uint(1)
        + protocol.write_var_uint(5)
        + protocol.write_var_uint(1)
        + (protocol.write_var_bytes(raw))
    )


def test_awareness_state_that_is_not_utf8_is_refused() -> None:
    with pytest.raises(ProtocolError, match="not UTF-8"):
        protocol.decode_awareness_update(_one_state(b'{"x":"\xff"}'))


def test_awareness_state_over_the_cap_is_refused_before_it_is_read() -> None:
    state = b'{"x":"' + b"a" * 100 + b'"}'
    assert protocol.decode_awareness_update(_one_state(state), len(state))[0].state == (
        state.decode()
    )
    with pytest.raises(protocol.AwarenessTooLarge):
        protocol.decode_awareness_update(_one_state(state), len(state) - 1)
    with pytest.raises(protocol.AwarenessTooLarge):  # over the cap: not parsed at all
        protocol.decode_awareness_update(_one_state(b"\xff" * 200), 100)


def test_keepalive_is_an_empty_update() -> None:
    assert bytes.fromhex("0002020000") == protocol.KEEPALIVE_FRAME


@pytest.mark.parametrize(
    "state",
    [
        '{"x":NaN}',
        '{"x":Infinity}',
        '{"x":-Infinity}',
        '{"x":1e999}',
        "NaN",
        '[1,{"y":[-1e400]}]',
        '\ufeff{"x":1}',  # a byte-order mark: JSON.parse throws on it, as json.loads does
        '{"x":1} {}',
    ],
)
def test_presence_with_nan_or_infinity_is_malformed(state: str) -> None:
    """A browser's JSON.parse throws on these (or the server would write them back as bare
    `Infinity`), for the whole batched frame they travel in."""
    with pytest.raises(ValueError):
        protocol.parse_state(state)
    payload = protocol.encode_awareness_update([AwarenessEntry(5, 1, state)])
    with pytest.raises(ProtocolError):
        protocol.decode_awareness_update(payload)


def test_presence_with_large_but_finite_numbers_is_fine() -> None:
    state = '{"x":1e308,"y":-2.5e-300,"n":123456789012345678901234567890,"s":"NaN"}'
    assert protocol.parse_state(state) == {
        "x": 1e308,
        "y": -2.5e-300,
        "n": 123456789012345678901234567890,
        "s": "NaN",
    }


def test_message_kind_reads_var_uints_not_bytes() -> None:
    assert protocol.message_kind(protocol.encode_sync_step1(b"\x00")) == (0, 0)
    assert protocol.message_kind(protocol.encode_sync_update(b"\x00\x00")) == (0, 2)
    assert protocol.message_kind(b"\x03") == (3, None)
    assert protocol.message_kind(b"\x01\x00") == (1, None)
    # non-canonical zeros and ones decode as the same kinds
    assert protocol.message_kind(b"\x80\x00\x80\x00\x01\x00") == (0, 0)
    assert protocol.message_kind(b"\x83\x00") == (3, None)
    for bad in (b"", b"\x00", b"\x80"):
        with pytest.raises(ProtocolError):
            protocol.message_kind(bad)
