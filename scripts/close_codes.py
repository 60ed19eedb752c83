"""Generate server/journeyboard/sync/close_codes.py from shared_schema/close_codes.json.

Usage: python scripts/close_codes.py           write the module
       python scripts/close_codes.py --check   exit 1 when the committed module is stale

Every close code becomes a `Final` attribute of the class `CLOSE`, so a misspelt name
(`CLOSE.FORBIDEN`) fails mypy instead of the running server. tests/test_close_codes.py runs the
check; the client's `npm run gen:types` writes client/src/generated/closeCodes.ts from the same
table.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "shared_schema" / "close_codes.json"
OUTPUT = ROOT / "server" / "journeyboard" / "sync" / "close_codes.py"

HEADER = '''\
"""Websocket close codes, named.

Generated from shared_schema/close_codes.json by scripts/close_codes.py. Do not edit: change the
table and run `python scripts/close_codes.py` (tests/test_close_codes.py fails while this file is
stale).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True, slots=True)
class CloseCode:
    """One entry of the shared table."""

    name: str
    code: int
    final: bool
    """The client stops reconnecting and shows `message`."""
    message: str


class CLOSE:
    """Every named close code (`CLOSE.NOT_FOUND.code`); a misspelt name fails mypy."""
'''


def _literal(text: str) -> str:
    """A double-quoted Python string literal (JSON's escapes are Python's too)."""
    return json.dumps(text, ensure_ascii=False)


def render(table: dict[str, object] | None = None) -> str:
    """The module's source for a parsed close_codes.json (the file on disk by default)."""
    if table is None:
        table = json.loads(SOURCE.read_text(encoding="utf-8"))
    codes = table["codes"]
    assert isinstance(codes, dict), "close_codes.json has no codes"
    lines = [HEADER]
    names: list[str] = []
    for name, entry in codes.items():
        if not (name.isidentifier() and name.isupper()):
            raise ValueError(f"close code name {name!r} is not an upper-case identifier")
        code, final, message = entry["code"], entry["final"], entry["message"]
        if not (isinstance(code, int) and isinstance(final, bool) and isinstance(message, str)):
            raise ValueError(f"close code {name}: code, final or message has the wrong type")
        names.append(name)
        lines.append(
            f"    {name}: Final = CloseCode(\n"
            f"        name={_literal(name)},\n"
            f"        code={code},\n"
            f"        final={final},\n"
            f"        message={_literal(message)},\n"
            "    )\n"
        )
    body = "\n".join(lines)
    members = "".join(f"    CLOSE.{name},\n" for name in names)
    return (
        f"{body}\n\n"
        f"ALL: Final[tuple[CloseCode, ...]] = (\n{members})\n"
        '"""Every close code, in the order of the table."""\n'
    )


def main(argv: list[str]) -> int:
    source = render()
    if "--check" in argv:
        committed = OUTPUT.read_text(encoding="utf-8") if OUTPUT.exists() else ""
        if committed != source:
            print(
                f"{OUTPUT.relative_to(ROOT)} is stale against shared_schema/close_codes.json; "
                "run `python scripts/close_codes.py`.",
                file=sys.stderr,
            )
            return 1
        return 0
    OUTPUT.write_text(source, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
