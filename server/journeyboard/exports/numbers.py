"""How every export writes a number: one rounding rule, the board's (client/src/state/format.ts).

Means and spreads show one decimal, rounded half away from zero on the value as written in
decimal (4.25 → "4.3", 4.35 → "4.4", -1.25 → "-1.3"), so a float stored a hair below a half
(4.35 is 4.3499…) still rounds up, as a person reading "4.35" expects. Counts and scores show
whole numbers by the same rule. No export ever shows "-0.0". The cases both sides are held to
are in shared_schema/examples/rounding.json.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Context, Decimal
from typing import Final

from babel import numbers as babel_numbers

from journeyboard import i18n

# Enough digits for any float written out in full (1e308 has 309), so quantize never traps.
_CONTEXT: Final = Context(prec=400, rounding=ROUND_HALF_UP)
_TENTH: Final = Decimal("0.1")
_WHOLE: Final = Decimal("1")
MINUS: Final = "\u2212"  # the true minus sign the board prints before a signed score
NO_NUMBER: Final = "—"  # what the board shows for a value that is not a finite number


def rounded(value: float, places: int = 1) -> Decimal:
    """`value` rounded half away from zero to `places` decimals, on its shortest decimal form.

    `str(float)` is the shortest text that reads back as the same float, which is what
    JavaScript's `String(x)` gives too, so both sides round the same digits. A result of zero
    is always positive zero.
    """
    if not math.isfinite(value):
        raise ValueError(f"{value!r} is not a finite number")
    step = _WHOLE if places == 0 else Decimal(1).scaleb(-places)
    result = Decimal(str(float(value))).quantize(step, context=_CONTEXT)
    return result.copy_abs() if result.is_zero() else result


def one_decimal(value: float, decimal_mark: str = ".") -> str:
    """A mean or a spread: "4.3", "-1.3", "0.0"; "—" for NaN or an infinity."""
    if not math.isfinite(value):
        return NO_NUMBER
    text = f"{rounded(value, 1):f}"
    return text.replace(".", decimal_mark)


def whole(value: float) -> str:
    """A count or a score: "5", "-3", "0" (half away from zero: 2.5 → "3")."""
    if not math.isfinite(value):
        return NO_NUMBER
    return f"{rounded(value, 0):f}"


def _signed(text: str) -> str:
    if text.startswith("-"):
        return MINUS + text[1:]
    if text.strip("0.") == "" or text == NO_NUMBER:
        return text
    return "+" + text


def signed_one_decimal(value: float) -> str:
    """A median score as the board labels it: "+1.5", "\u22122.5" (a true minus), "0.0"."""
    return _signed(one_decimal(value))


def signed_whole(value: float) -> str:
    """A score as the board writes it: "+2", "\u22123" (a true minus), "0"."""
    return _signed(whole(value))


def local_decimal(value: float, *, signed: bool = False) -> str:
    """A mean or a spread as the language being rendered writes it (Babel's CLDR data): "4.3"
    in English, "4,3" in Swedish, Norwegian and Danish; rounded by the rule above first.
    `signed`: "+1,5", "\u22122,5" (a true minus), "0,0"."""
    if not math.isfinite(value):
        return NO_NUMBER
    text = babel_numbers.format_decimal(rounded(value, 1), format="0.0", locale=i18n.current())
    if text[:1] in ("-", MINUS):
        return (MINUS if signed else "-") + text[1:]
    if signed and rounded(value, 1) != 0:
        return "+" + text
    return text
