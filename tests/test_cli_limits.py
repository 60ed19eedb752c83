"""`--limit NAME=VALUE`: every limit can be set, and a bad value is one clear line."""

from __future__ import annotations

import pytest

from journeyboard.cli import parse_limits


def test_a_limit_is_overridden_by_name_and_keeps_its_type() -> None:
    limits = parse_limits(["presence_tick_ms=25", "sockets_per_board=10"])
    assert limits.presence_tick_ms == 25.0 and limits.sockets_per_board == 10


def test_zero_turns_the_presence_tick_and_the_busy_window_off() -> None:
    limits = parse_limits(["presence_tick_ms=0", "busy_window_ms=0"])
    assert limits.presence_tick_ms == 0 and limits.busy_window_ms == 0


@pytest.mark.parametrize(
    ("pair", "message"),
    [
        ("sockets_per_board=0", "limit sockets_per_board must be positive"),
        ("presence_tick_ms=-5", "limit presence_tick_ms must be positive"),
        ("presence_tick_ms=often", "limit presence_tick_ms needs a number, not 'often'"),
        ("nonsense=3", "unknown limit 'nonsense'"),
    ],
)
def test_a_bad_limit_is_refused_with_its_name(pair: str, message: str) -> None:
    with pytest.raises(SystemExit, match=message):
        parse_limits([pair])
