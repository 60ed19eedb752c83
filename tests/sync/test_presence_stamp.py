"""The server's stamp on a presence state (`presence.stamp`): the "user" field says what the
server knows of the socket, whatever the client wrote, and the state is otherwise the client's.

The stamp writes the field after the last member of a state without one, without parsing it
again; these tests hold that to what parsing, setting the field and writing it out gives."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from journeyboard.sync.connection import Connection
from journeyboard.sync.presence import stamp
from journeyboard.sync.protocol import ProtocolError
from sync.fakes import FakeChannel

PRESENCE = {"name": "Åsa Lindqvist", "color": "#2f4858", "role": "participant", "id": "p_1"}

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**53), 2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=12,
)
keys = st.sampled_from(["cursor", "view", "editing", "user", "usér", "x"]) | st.text(max_size=6)
states = st.dictionaries(keys, json_values, max_size=5)
presences = st.dictionaries(st.text(max_size=6), st.text(max_size=10) | st.integers(), max_size=4)


def unique_members(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    names = [name for name, _ in pairs]
    assert len(names) == len(set(names)), f"a member written twice: {names}"
    return dict(pairs)


def stamped_by(state: str, presence: dict[str, Any]) -> str:
    """`state` as the room relays it from a socket with this presence."""
    return stamp(state, Connection(FakeChannel(), True, presence=presence).presence_json())


def expected(state: str, presence: dict[str, Any]) -> dict[str, Any]:
    value = json.loads(state)
    value = value if isinstance(value, dict) else {}
    value["user"] = presence
    return value


@given(
    states,
    presences,
    st.booleans(),
    st.sampled_from([(",", ":"), (", ", ": ")]),
    st.sampled_from(["", " ", "\n", "\t \r\n"]),
)
def test_a_stamped_state_reads_as_the_state_with_the_server_s_user(
    value: dict[str, Any],
    presence: dict[str, Any],
    ascii_only: bool,
    separators: tuple[str, str],
    space: str,
) -> None:
    state = space + json.dumps(value, ensure_ascii=ascii_only, separators=separators) + space
    stamped = stamped_by(state, presence)
    assert json.loads(stamped, object_pairs_hook=unique_members) == expected(state, presence)


def test_a_user_field_the_client_wrote_is_replaced_once_whichever_way_it_is_spelled() -> None:
    for state in (
        '{"cursor":null,"user":{"name":"Forged","role":"facilitator"}}',
        '{"cursor":null,"\\u0075ser":{"name":"Forged"}}',  # the same key, escaped
        '{"view":{"user":"nested"}}',
    ):
        stamped = stamped_by(state, PRESENCE)
        assert json.loads(stamped, object_pairs_hook=unique_members) == expected(state, PRESENCE)


def test_states_that_are_not_objects_and_empty_objects_get_the_user_alone() -> None:
    for state in ("{}", "{ }", " {\n} ", "[1, 2]", "5", '"text"', "true"):
        assert json.loads(stamped_by(state, PRESENCE)) == {"user": PRESENCE}


def test_a_presence_changed_in_place_is_written_anew() -> None:
    presence = dict(PRESENCE)
    conn = Connection(FakeChannel(), True, presence=presence)
    assert json.loads(stamp('{"cursor":null}', conn.presence_json()))["user"]["name"] == (
        "Åsa Lindqvist"
    )
    presence["name"] = "Åsa L."
    assert json.loads(stamp('{"cursor":null}', conn.presence_json()))["user"]["name"] == "Åsa L."


def test_a_presence_that_is_not_json_is_a_protocol_error() -> None:
    conn = Connection(FakeChannel(), True, presence={"name": float("nan")})
    with pytest.raises(ProtocolError):
        conn.presence_json()


def test_without_a_presence_the_state_is_left_as_it_came() -> None:
    state = '{"cursor": {"x": 1}, "user": {"name": "Mine"}}'
    assert Connection(FakeChannel(), True).presence_json() is None
    assert stamp(state, None) is state
