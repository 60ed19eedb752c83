"""docs/BENCHMARKS.md holds the server's figures (benchmarks/compare.py) and the browser's
(benchmarks/browser.py); each benchmark rewrites only its own part of the file.

The browser's part sits between two markers, just before the server's raw results, so that
a rerun of either keeps the other's figures.
"""

from __future__ import annotations

BROWSER_START = "<!-- browser benchmark: start -->"
BROWSER_END = "<!-- browser benchmark: end -->"
RAW_RESULTS = "\n## Raw results\n"


def browser_section(text: str) -> str | None:
    """The browser's section of `text`, markers included, if it has one."""
    if BROWSER_START not in text or BROWSER_END not in text:
        return None
    start = text.index(BROWSER_START)
    return text[start : text.index(BROWSER_END, start) + len(BROWSER_END)]


def without_browser_section(text: str) -> str:
    section = browser_section(text)
    return text if section is None else text.replace(section + "\n\n", "").replace(section, "")


def with_browser_section(text: str, section: str | None) -> str:
    """`text` with `section` in place of its browser section (or before the raw results)."""
    text = without_browser_section(text)
    if section is None:
        return text
    if RAW_RESULTS in text:
        head, tail = text.split(RAW_RESULTS, 1)
        return f"{head.rstrip()}\n\n{section}\n{RAW_RESULTS}{tail}"
    return f"{text.rstrip()}\n\n{section}\n" if text.strip() else f"{section}\n"
