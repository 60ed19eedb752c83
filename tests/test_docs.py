"""The documentation tables stay in step with the code they describe."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from journeyboard.limits import Limits

ROOT = Path(__file__).resolve().parents[1]


def test_security_doc_lists_every_close_code_and_limit() -> None:
    text = (ROOT / "docs" / "SECURITY.md").read_text()
    codes = json.loads((ROOT / "shared_schema" / "close_codes.json").read_text())["codes"]
    for name, entry in codes.items():
        assert f"| `{name}` | {entry['code']} |" in text, name
    for field in dataclasses.fields(Limits):
        assert f"| `{field.name}` | {field.default} |" in text, field.name
