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
