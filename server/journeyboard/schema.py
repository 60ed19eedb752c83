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
