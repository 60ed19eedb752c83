"""A figure over several runs: its median and its spread, as the reports print them."""

# ruff: noqa: RUF001  (the spread is printed with an en dash)
from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Any

WIDE = 0.30
"""A spread wider than this share of its median is marked: that figure did not reproduce."""


@dataclass(frozen=True)
class Spread:
    """The median of one figure over the runs, with its min and max."""

    median: float
    low: float
    high: float

    @classmethod
    def of(cls, values: list[float]) -> Spread:
        return cls(float(statistics.median(values)), min(values), max(values))

    @property
    def wide(self) -> bool:
        return self.median > 0 and (self.high - self.low) / self.median > WIDE

    def show(self, digits: int = 1, unit: str = "") -> str:
        """`median (low-high)` with an en dash, marked ⚠ when wide; the median alone when
        every run agreed."""
        median = f"{self.median:.{digits}f}{unit}"
        if self.low == self.high:
            return median
        mark = " ⚠" if self.wide else ""
        return f"{median} ({self.low:.{digits}f}–{self.high:.{digits}f}){mark}"


def figure(results: list[dict[str, Any]], key: str) -> Spread:
    """The spread of `key` over a list of runs' results."""
    return Spread.of([float(r[key]) for r in results])
