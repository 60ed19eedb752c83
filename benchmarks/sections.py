"""docs/BENCHMARKS.md holds the server's figures (benchmarks/compare.py), the browser's
(benchmarks/browser.py), the stores' (benchmarks/stores.py), the workshops'
(benchmarks/workshop.py), the cold start's (benchmarks/coldstart.py) and issue #30's
sustained-writing and report figures (by hand); each benchmark rewrites only its own part.

Every part but the server's sits between two markers, before the server's raw results, so
that a rerun of any one keeps the others' figures: a section already in the file is replaced
where it stands, a new one goes just before the raw results.
"""

from __future__ import annotations

BROWSER_START = "<!-- browser benchmark: start -->"
BROWSER_END = "<!-- browser benchmark: end -->"
STORES_START = "<!-- stores benchmark: start -->"
STORES_END = "<!-- stores benchmark: end -->"
WORKSHOP_START = "<!-- workshop benchmark: start -->"
WORKSHOP_END = "<!-- workshop benchmark: end -->"
COLDSTART_START = "<!-- coldstart benchmark: start -->"
COLDSTART_END = "<!-- coldstart benchmark: end -->"
ROUND_THREE_START = "<!-- speed round three: start -->"
ROUND_THREE_END = "<!-- speed round three: end -->"
"""Issue #30's sustained-writing and report figures (persist.py, commit_latency.py,
report_pdf.py), written by hand from their output."""
RAW_RESULTS = "\n## Raw results\n"

MARKED = (
    (BROWSER_START, BROWSER_END),
    (STORES_START, STORES_END),
    (WORKSHOP_START, WORKSHOP_END),
    (COLDSTART_START, COLDSTART_END),
    (ROUND_THREE_START, ROUND_THREE_END),
)
"""Every marked section, in the order a fresh file gets them."""


def marked_section(text: str, start: str, end: str) -> str | None:
    """The part of `text` from `start` to `end`, markers included, if it has one."""
    if start not in text or end not in text:
        return None
    at = text.index(start)
    return text[at : text.index(end, at) + len(end)]


def without_marked_section(text: str, start: str, end: str) -> str:
    section = marked_section(text, start, end)
    return text if section is None else text.replace(section + "\n\n", "").replace(section, "")


def with_marked_section(text: str, section: str | None, start: str, end: str) -> str:
    """`text` with `section` in place of its old one (or before the raw results if none).

    `section` None removes the old one.
    """
    old = marked_section(text, start, end)
    if section is None:
        return without_marked_section(text, start, end)
    if old is not None:
        return text.replace(old, section)
    if RAW_RESULTS in text:
        head, tail = text.split(RAW_RESULTS, 1)
        return f"{head.rstrip()}\n\n{section}\n{RAW_RESULTS}{tail}"
    return f"{text.rstrip()}\n\n{section}\n" if text.strip() else f"{section}\n"


def without_marked_sections(text: str) -> str:
    """`text` with no marked section: the part benchmarks/compare.py writes."""
    for start, end in MARKED:
        text = without_marked_section(text, start, end)
    return text


def with_sections_of(text: str, old: str) -> str:
    """`text` (a fresh compare.py report) with every marked section that `old` holds."""
    for start, end in MARKED:
        section = marked_section(old, start, end)
        if section is not None:
            text = with_marked_section(text, section, start, end)
    return text


def browser_section(text: str) -> str | None:
    """The browser's section of `text`, markers included, if it has one."""
    return marked_section(text, BROWSER_START, BROWSER_END)


def without_browser_section(text: str) -> str:
    return without_marked_section(text, BROWSER_START, BROWSER_END)


def with_browser_section(text: str, section: str | None) -> str:
    """`text` with `section` in place of its browser section (or before the raw results)."""
    return with_marked_section(text, section, BROWSER_START, BROWSER_END)


def stores_section(text: str) -> str | None:
    """The stores' section of `text`, markers included, if it has one."""
    return marked_section(text, STORES_START, STORES_END)


def with_stores_section(text: str, section: str | None) -> str:
    """`text` with `section` in place of its stores section (or before the raw results)."""
    return with_marked_section(text, section, STORES_START, STORES_END)


def workshop_section(text: str) -> str | None:
    """The workshops' section of `text`, markers included, if it has one."""
    return marked_section(text, WORKSHOP_START, WORKSHOP_END)


def with_workshop_section(text: str, section: str | None) -> str:
    """`text` with `section` in place of its workshops section (or before the raw results)."""
    return with_marked_section(text, section, WORKSHOP_START, WORKSHOP_END)
