"""The documentation tables stay in step with the code they describe."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from journeyboard.sync.limits import Limits

ROOT = Path(__file__).resolve().parents[1]


def test_security_doc_lists_every_close_code_and_limit() -> None:
    text = (ROOT / "docs" / "SECURITY.md").read_text()
    codes = json.loads((ROOT / "shared_schema" / "close_codes.json").read_text())["codes"]
    for name, entry in codes.items():
        assert f"| `{name}` | {entry['code']} |" in text, name
    for field in dataclasses.fields(Limits):
        assert f"| `{field.name}` | {field.default} |" in text, field.name


def test_workshop_doc_is_generated_from_the_schema() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "workshop_doc", ROOT / "scripts" / "workshop_doc.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert (ROOT / "docs" / "WORKSHOP.md").read_text() == module.render(), (
        "run: python scripts/workshop_doc.py > docs/WORKSHOP.md"
    )


def test_phase_gated_commands_exist() -> None:
    phases = json.loads((ROOT / "shared_schema" / "phases.json").read_text())
    commands = json.loads((ROOT / "shared_schema" / "commands.json").read_text())["$defs"]
    for phase in phases["phases"].values():
        for command in phase["commands"]:
            assert command in commands
    assert set(phases["order"]) == set(phases["phases"])
