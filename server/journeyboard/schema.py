"""Access to `shared_schema/`, the JSON files both the server and the client read."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

_PACKAGED = Path(__file__).parent / "shared_schema"
_SOURCE_TREE = Path(__file__).resolve().parents[2] / "shared_schema"


def schema_dir() -> Path:
    """The shared_schema folder: inside the wheel, or at the top of a source checkout."""
    for candidate in (_PACKAGED, _SOURCE_TREE):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("shared_schema/ not found beside the package or in the source tree")


@functools.cache
def load(name: str) -> Any:
    """Parse one JSON file of shared_schema/ (cached)."""
    with (schema_dir() / name).open(encoding="utf-8") as file:
        return json.load(file)


def quadrant_of(effort: float, impact: float) -> str:
    """The effort/impact quadrant (e.g. "quick_win") of a solution's mean effort and impact (1..5).

    The rule is shared_schema/quadrants.json's: impact is high from `high_impact_from` up, effort
    is low up to `low_effort_up_to`; the quadrant is the one that names those two levels.
    """
    table = load("quadrants.json")
    levels = {
        "impact": "high" if impact >= table["high_impact_from"] else "low",
        "effort": "low" if effort <= table["low_effort_up_to"] else "high",
    }
    for name, quadrant in table["quadrants"].items():
        if quadrant["impact"] == levels["impact"] and quadrant["effort"] == levels["effort"]:
            return str(name)
    raise LookupError(f"shared_schema/quadrants.json has no quadrant for {levels}")
