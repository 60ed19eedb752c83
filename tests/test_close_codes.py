"""The named close codes: generated from shared_schema/close_codes.json, fresh, and typed.

`server/journeyboard/sync/close_codes.py` and `client/src/generated/closeCodes.ts` are both
checked in; this file fails when the Python module is stale (`npm run check` does the same for
the TypeScript one, and the last test here reads it too).
"""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path
from types import ModuleType

import pytest

from journeyboard.sync import close_codes
from journeyboard.sync.close_codes import ALL, CLOSE

ROOT = Path(__file__).resolve().parents[1]
TABLE = json.loads((ROOT / "shared_schema" / "close_codes.json").read_text())["codes"]


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "close_codes_gen", ROOT / "scripts/close_codes.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_module_is_generated_from_the_table() -> None:
    source = Path(close_codes.__file__).read_text()
    assert source == _generator().render(), "run: python scripts/close_codes.py"


def test_a_changed_table_makes_the_module_stale() -> None:
    gen = _generator()
    table = json.loads((ROOT / "shared_schema" / "close_codes.json").read_text())
    table["codes"]["GONE_FISHING"] = {"code": 4999, "final": True, "message": "Back soon."}
    assert gen.render(table) != gen.render()
    assert "GONE_FISHING: Final = CloseCode(" in gen.render(table)
    table["codes"]["not a name"] = {"code": 4998, "final": True, "message": "x"}
    with pytest.raises(ValueError, match="not a name"):
        gen.render(table)


def test_every_code_of_the_table_is_a_named_constant() -> None:
    assert [c.name for c in ALL] == list(TABLE)
    for entry in ALL:
        assert getattr(CLOSE, entry.name) is entry
        assert (entry.code, entry.final, entry.message) == (
            TABLE[entry.name]["code"],
            TABLE[entry.name]["final"],
            TABLE[entry.name]["message"],
        )
    assert len({c.code for c in ALL}) == len(ALL)  # no two names share a number


def test_a_misspelt_close_code_fails_the_type_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The reason for generating: `CLOSE.FORBIDEN` used to pass mypy (a `__getattr__`)."""
    from mypy import api

    monkeypatch.setenv("MYPYPATH", str(ROOT / "server"))  # this checkout's package

    snippet = tmp_path / "typo.py"
    snippet.write_text(
        "from journeyboard.sync.close_codes import CLOSE\n"
        "ok: int = CLOSE.FORBIDDEN.code\n"
        "bad: int = CLOSE.FORBIDEN.code\n"
    )
    out, _err, status = api.run(
        [
            "--strict",
            "--no-incremental",
            "--follow-imports=silent",
            "--cache-dir=/dev/null",
            "--config-file=",
            str(snippet),
        ]
    )
    assert status == 1, out
    assert re.search(r'typo\.py:3: error: "type\[CLOSE\]" has no attribute "FORBIDEN"', out), out
    assert "typo.py:2" not in out


def test_the_client_constants_match_the_table() -> None:
    generated = (ROOT / "client" / "src" / "generated" / "closeCodes.ts").read_text()
    for name, entry in TABLE.items():
        assert re.search(
            rf"\b{name}: \{{\n\s+name: '{name}',\n\s+code: {entry['code']},", generated
        ), f"{name}: run `npm run gen:types` in client/"
