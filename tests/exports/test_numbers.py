"""The one rounding rule, held to the cases the board's tests read too."""

from __future__ import annotations

import math

import pytest

from journeyboard import schema
from journeyboard.exports import numbers

CASES = schema.load("examples/rounding.json")
FORMS = ("one_decimal", "whole", "signed_one_decimal", "signed_whole")


@pytest.mark.parametrize("form", FORMS)
def test_every_shared_case(form: str) -> None:
    write = getattr(numbers, form)
    assert len(CASES[form]) > 4
    for value, text in CASES[form]:
        assert (value, write(value)) == (value, text)


def test_the_cases_the_issue_names() -> None:
    assert [numbers.one_decimal(x) for x in (4.25, 4.35, -1.25)] == ["4.3", "4.4", "-1.3"]
    assert f"{4.35:.1f}" == "4.3"  # what the binary float alone would say


def test_a_decimal_comma_and_no_number() -> None:
    assert numbers.one_decimal(4.75, ",") == "4,8"
    assert numbers.one_decimal(math.nan) == numbers.NO_NUMBER == numbers.whole(math.inf)
    assert numbers.signed_one_decimal(-math.inf) == numbers.NO_NUMBER
    assert numbers.one_decimal(1e300).endswith(".0") and numbers.whole(-1e-300) == "0"
    with pytest.raises(ValueError):
        numbers.rounded(math.nan)


def test_local_decimals_round_by_the_rule_and_write_the_languages_mark() -> None:
    from journeyboard import i18n
    from journeyboard.exports.numbers import local_decimal

    minus = "\u2212"
    for language, mark in (("en", "."), ("sv", ","), ("nb", ","), ("da", ",")):
        with i18n.using(language):
            assert local_decimal(4.35) == f"4{mark}4"  # half away from zero, as written
            assert local_decimal(-1.25) == f"-1{mark}3"
            assert local_decimal(-2.5, signed=True) == f"{minus}2{mark}5"
            assert local_decimal(1.5, signed=True) == f"+1{mark}5"
            assert local_decimal(-0.04, signed=True) == f"0{mark}0"  # never "-0.0"
            assert local_decimal(float("nan")) == "—"
