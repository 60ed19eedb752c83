"""Text measurement without a browser: widths, word wrapping and the boxes text occupies.

The charts and the poster wrap labels and keep them from colliding, so they need to know how
wide a string is before anything renders it. They name DejaVu Sans first in their font stack
(`FONT_FAMILY`; the Dockerfile and scripts/system-deps install it), and the PDF renderer finds
it through fontconfig. This module measures with that same font file: `font_file` asks
fontconfig (`fc-match`) which file it gives for the family, regular and bold, and reads each
glyph's advance width from it with fontTools, so å, ä, ö, æ, ø and any other letter the font
has are measured as they print. A character the font lacks is drawn by a fallback font; it
counts as a full em (CJK is about that wide). Every width carries a 4% margin, for fallbacks
that are wider than DejaVu Sans (Verdana is as wide; Arial and Liberation Sans are narrower).

Each font is read once per process (`functools.cache`) and each character's width once per
font. Without fontconfig or any font file, every character counts as a full em: the layout
is then loose, never overflowing.
"""

from __future__ import annotations

import functools
import logging
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from fontTools.ttLib import TTFont

log = logging.getLogger(__name__)

FONT_FAMILY: Final = "DejaVu Sans, Verdana, Arial, Helvetica, sans-serif"
MEASURED_FAMILY: Final = "DejaVu Sans"
"""The family the SVG's font stack names first, which this module measures with."""
KNOWN_FILES: Final = {
    False: Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    True: Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
}
"""Where Debian's fonts-dejavu-core puts the files, for a system without `fc-match`."""
MARGIN: Final = 1.04
ASCENT: Final = 0.93  # hhea ascent of DejaVu Sans, in em
DESCENT: Final = 0.24
LINE_HEIGHT: Final = 1.22
FULL_EM: Final = 1000.0


def font_file(bold: bool = False) -> Path | None:
    """The font file fontconfig renders `MEASURED_FAMILY` with (None: none found)."""
    return _font_file(bold)


@functools.cache
def _font_file(bold: bool) -> Path | None:
    pattern = f"{MEASURED_FAMILY}:bold" if bold else MEASURED_FAMILY
    fc_match = shutil.which("fc-match")
    if fc_match is not None:
        try:
            found = subprocess.run(
                [fc_match, "--format=%{file}", pattern],
                capture_output=True,
                text=True,
                timeout=10,
                check=True,
            ).stdout.strip()
        except (OSError, subprocess.SubprocessError) as exc:
            log.warning("fc-match failed (%s); looking for the font file itself", exc)
        else:
            if found and Path(found).is_file() and found.endswith((".ttf", ".otf")):
                return Path(found)
    known = KNOWN_FILES[bold]
    return known if known.is_file() else None


class FontWidths:
    """The advance widths of one font file, in thousandths of an em, read with fontTools."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._widths: dict[str, float] = {}
        self._cmap: dict[int, str] = {}
        self._advances: dict[str, tuple[int, int]] = {}
        self._units = 1000
        if path is None:
            log.warning("no %s font found: text is measured a full em a letter", MEASURED_FAMILY)
            return
        with TTFont(path, lazy=True) as font:
            self._cmap = dict(font.getBestCmap())
            self._advances = {name: font["hmtx"][name] for name in set(self._cmap.values())}
            self._units = int(font["head"].unitsPerEm)

    def advance(self, char: str) -> float:
        """One character's advance width in 1/1000 em (a full em when the font lacks it)."""
        width = self._widths.get(char)
        if width is None:
            glyph = self._cmap.get(ord(char))
            width = FULL_EM if glyph is None else self._advances[glyph][0] * 1000 / self._units
            self._widths[char] = width
        return width


@functools.cache
def font_widths(bold: bool = False) -> FontWidths:
    """The widths of the font the exports print with, regular or bold (read once)."""
    return FontWidths(font_file(bold))


def text_width(text: str, size: float, bold: bool = False) -> float:
    """The width of one line of text at a font size (same unit out as in), with a margin."""
    widths = font_widths(bold)
    return sum(widths.advance(char) for char in text) * size / 1000 * MARGIN


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
