"""Text measurement without a browser: widths, word wrapping and the boxes text occupies.

The charts and the poster wrap labels and keep them from colliding, so they need to know how
wide a string is before anything renders it. They name DejaVu Sans first in their font stack
(Debian and most Linux systems ship it, and so do the PDF renderers' images), and this module
carries its advance widths for printable ASCII, regular and bold, in thousandths of an em, as
read once from DejaVuSans.ttf / DejaVuSans-Bold.ttf with fontTools. A table of 190 numbers is
enough: it needs no font file or dependency at run time, and it is conservative for the
fallbacks (Verdana is as wide, Arial/Helvetica/Liberation Sans are narrower), so text measured
here stays inside its box wherever it renders. A letter with a diacritic is measured as its
base letter; anything else outside the table counts as a full em (CJK is about that wide),
and every width carries a 4% margin.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Final

FONT_FAMILY: Final = "DejaVu Sans, Verdana, Arial, Helvetica, sans-serif"

# Advance widths of U+0020..U+007E in 1/1000 em.
_REGULAR: Final = (
    318, 401, 460, 838, 636, 950, 780, 275, 390, 390, 500, 838, 318, 361, 318, 337, 636, 636,
    636, 636, 636, 636, 636, 636, 636, 636, 337, 337, 838, 838, 838, 531, 1000, 684, 686, 698,
    770, 632, 575, 775, 752, 295, 295, 656, 557, 863, 748, 787, 603, 787, 695, 635, 611, 732,
    684, 989, 685, 611, 685, 390, 337, 390, 838, 500, 500, 613, 635, 550, 635, 615, 352, 635,
    634, 278, 278, 579, 278, 974, 634, 612, 635, 635, 411, 521, 392, 634, 592, 818, 592, 592,
    525, 636, 337, 636, 838,
)  # fmt: skip
_BOLD: Final = (
    348, 456, 521, 838, 696, 1002, 872, 306, 457, 457, 523, 838, 380, 415, 380, 365, 696, 696,
    696, 696, 696, 696, 696, 696, 696, 696, 400, 400, 838, 838, 838, 580, 1000, 774, 762, 734,
    830, 683, 683, 821, 837, 372, 372, 775, 637, 995, 837, 850, 733, 850, 770, 720, 682, 812,
    774, 1103, 771, 724, 725, 457, 365, 457, 838, 500, 500, 675, 716, 593, 716, 678, 435, 716,
    712, 343, 343, 665, 343, 1042, 712, 687, 716, 716, 493, 595, 478, 712, 652, 924, 645, 652,
    582, 712, 365, 712, 838,
)  # fmt: skip
# Punctuation the exports write themselves (same in both weights but for a few pixels).
_EXTRA: Final = {
    "\u2013": 500, "\u2014": 1000, "\u2026": 1000, "\u2022": 640, "\u2605": 896, "\u2212": 838,
    "\u25cf": 873, "\u201c": 660, "\u201d": 660, "\u2018": 380, "\u2019": 380, "\u00b7": 380,
    "\u2192": 838, "\u2191": 838, "\u00b1": 838, "\u00a0": 348,
}  # fmt: skip
MARGIN: Final = 1.04
ASCENT: Final = 0.93  # hhea ascent of DejaVu Sans, in em
DESCENT: Final = 0.24
LINE_HEIGHT: Final = 1.22


def _advance(char: str, table: tuple[int, ...]) -> int:
    code = ord(char)
    if 32 <= code <= 126:
        return table[code - 32]
    if char in _EXTRA:
        return _EXTRA[char]
    base = unicodedata.normalize("NFD", char)[:1]
    if base and base != char and 32 <= ord(base) <= 126:
        return table[ord(base) - 32]
    if unicodedata.combining(char):
        return 0
    return 1000


def text_width(text: str, size: float, bold: bool = False) -> float:
    """The width of one line of text at a font size (same unit out as in), with a margin."""
    table = _BOLD if bold else _REGULAR
    return sum(_advance(char, table) for char in text) * size / 1000 * MARGIN


@dataclass(frozen=True, slots=True)
class Box:
    """An axis-aligned rectangle: x, y of its top-left corner, w, h."""

    x: float
    y: float
    w: float
    h: float

    @property
    def right(self) -> float:
        return self.x + self.w

    @property
    def bottom(self) -> float:
        return self.y + self.h

    def overlaps(self, other: Box, gap: float = 0.0) -> bool:
        """True when the two share any area (or come closer than gap)."""
        return (
            self.x < other.right + gap
            and other.x < self.right + gap
            and self.y < other.bottom + gap
            and other.y < self.bottom + gap
        )

    def inside(self, frame: Box, slack: float = 1e-6) -> bool:
        return (
            self.x >= frame.x - slack
            and self.y >= frame.y - slack
            and self.right <= frame.right + slack
            and self.bottom <= frame.bottom + slack
        )

    def grown(self, by: float) -> Box:
        return Box(self.x - by, self.y - by, self.w + 2 * by, self.h + 2 * by)


@dataclass(frozen=True, slots=True)
class TextBox:
    """Where a piece of drawn text sits, for layout checks: its box, its lines and its role."""

    box: Box
    lines: tuple[str, ...]
    role: str


def _split_word(word: str, width: float, size: float, bold: bool) -> list[str]:
    """A word wider than the line, broken into pieces that fit: at its own hyphens if they do,
    else anywhere, each piece but the last then ending in a hyphen."""
    parts = [part + "-" for part in word.split("-")[:-1]] + [word.split("-")[-1]]
    if len(parts) > 1 and all(text_width(part, size, bold) <= width for part in parts):
        joined: list[str] = []
        for part in parts:
            if joined and text_width(joined[-1] + part, size, bold) <= width:
                joined[-1] += part
            else:
                joined.append(part)
        return joined
    pieces: list[str] = []
    current = ""
    for char in word:
        if current and text_width(current + char + "-", size, bold) > width:
            pieces.append(current + "-")
            current = char
        else:
            current += char
    return [*pieces, current]


def wrap(
    text: str,
    width: float,
    size: float,
    *,
    bold: bool = False,
    max_lines: int | None = None,
    break_words: bool = True,
) -> list[str]:
    """Text broken into lines no wider than width, at spaces.

    A word wider than a whole line is hyphenated when break_words (else it is left whole and
    overflows, which callers check with fits()). Past max_lines the last line ends with "…"
    after the last whole word that fits.
    """
    words = text.split()
    lines: list[str] = []
    current = ""
    for word in words:
        candidate = f"{current} {word}" if current else word
        if text_width(candidate, size, bold) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        if break_words and text_width(word, size, bold) > width:
            *whole, current = _split_word(word, width, size, bold)
            lines.extend(whole)
        else:
            current = word
    if current:
        lines.append(current)
    if max_lines is not None and len(lines) > max_lines:
        kept = lines[:max_lines]
        last = kept[-1]
        while last and text_width(last + "…", size, bold) > width:
            last = last.rsplit(" ", 1)[0] if " " in last else last[:-1]
        kept[-1] = last + "…"
        return kept
    return lines or [""]


def fits(lines: list[str], width: float, size: float, bold: bool = False) -> bool:
    return all(text_width(line, size, bold) <= width + 1e-9 for line in lines)


def block_width(lines: list[str] | tuple[str, ...], size: float, bold: bool = False) -> float:
    return max((text_width(line, size, bold) for line in lines), default=0.0)


def block_height(count: int, size: float) -> float:
    """The height a block of lines takes, from the first ascent to the last descent."""
    return (ASCENT + DESCENT) * size + max(count - 1, 0) * LINE_HEIGHT * size
