"""The socket states and the one table of moves between them (web/socket_state.py): every move
the table leaves out raises, one test each, and every move it lists is taken somewhere."""

from __future__ import annotations

import itertools

import pytest

from journeyboard.web.socket_state import IllegalTransition, SocketState, allowed

S = SocketState

LEGAL = {
    (S.HANDSHAKE, S.ADMITTING),
    (S.HANDSHAKE, S.CLOSING),
    (S.HANDSHAKE, S.CLOSED),
    (S.ADMITTING, S.OPEN),
    (S.ADMITTING, S.CLOSING),
    (S.ADMITTING, S.CLOSED),
    (S.OPEN, S.CLOSING),
    (S.OPEN, S.CLOSED),
    (S.CLOSING, S.CLOSED),
}
ILLEGAL = sorted(
    set(itertools.product(S, S)) - LEGAL, key=lambda pair: (pair[0].name, pair[1].name)
)


@pytest.mark.parametrize(("old", "new"), sorted(LEGAL, key=lambda p: (p[0].name, p[1].name)))
def test_a_listed_move_is_taken(old: SocketState, new: SocketState) -> None:
    assert allowed(old, new)
    assert old.to(new) is new


@pytest.mark.parametrize(
    ("old", "new"), ILLEGAL, ids=[f"{old.value}-to-{new.value}" for old, new in ILLEGAL]
)
def test_an_illegal_move_raises(old: SocketState, new: SocketState) -> None:
    assert not allowed(old, new)
    with pytest.raises(IllegalTransition) as raised:
        old.to(new)
    assert (raised.value.old, raised.value.new) == (old, new)
    assert f"from {old.value} to {new.value}" in str(raised.value)


def test_there_are_sixteen_illegal_moves() -> None:
    assert len(ILLEGAL) == 16  # 25 pairs, 9 listed: no state moves to itself, none goes back


def test_closing_is_closing_or_closed() -> None:
    assert [state for state in S if state.closing] == [S.CLOSING, S.CLOSED]
