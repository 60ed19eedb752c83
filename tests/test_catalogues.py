"""The server's catalogues: every language has every message English has, translated, and no
message that no source uses any more (extracted with Babel, as scripts/messages.py does)."""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path
from types import ModuleType

from journeyboard import i18n

ROOT = Path(__file__).resolve().parents[1]


def _messages_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("messages_script", ROOT / "scripts/messages.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_catalogue_has_every_message_and_no_unused_one() -> None:
    script = _messages_script()
    template = script.messages()
    assert len(template) > 150  # errors, exports, phases, lanes, quadrants, templates
    assert script.problems(template) == [], "run: python scripts/messages.py, then translate"


def test_the_check_sees_a_missing_and_an_unused_message(tmp_path: Path) -> None:
    script = _messages_script()
    template = script.messages()
    template.add("a message only the code has")
    template.delete("Unplaced")
    found = script.problems(template)
    assert "sv: missing 'a message only the code has'" in found
    assert "da: unused 'Unplaced'" in found


def test_languages_are_read_from_tags_and_accept_language() -> None:
    assert i18n.normalise("sv-FI") == "sv"
    assert i18n.normalise("no") == i18n.normalise("nn") == i18n.normalise("nb_NO") == "nb"
    assert i18n.normalise("fr") is None
    assert i18n.from_accept_language("fr-FR, de;q=0.9, da;q=0.8, sv;q=0.7") == "da"
    assert i18n.from_accept_language("en;q=0.1, nn;q=0.5") == "nb"
    assert i18n.from_accept_language("fr") is None
    assert i18n.choose(None, "fr", "sv") == "sv"
    assert i18n.choose(None) == "en"


def test_a_message_in_each_language() -> None:
    assert i18n.translate("en", "Pain points") == "Pain points"
    assert i18n.translate("sv", "Pain points") == "Smärtpunkter"
    assert i18n.translate("nb", "Backstage") == "Bak kulissene"
    assert i18n.translate("da", "Discovery") == "Kortlægning"
    limit = "the request body is larger than %(limit)s bytes"
    assert i18n.translate("sv", limit, {"limit": 10}) == "förfrågans innehåll är större än 10 byte"


REFUSALS = {"ApiError": 2, "CommandError": 2, "AccessDenied": 2, "ExportError": 0}
"""The error classes and the position of their message argument."""
NOT_OURS = {"detail", "message", "str(exc)", "exc.template", "reply[3]"}
"""Message arguments that are not our English: a library's words (jsonschema's, an import's
reason), or a refusal passed on with its msgid (`exc.template`, a worker's reply)."""


def test_every_refusal_names_its_message_where_the_extractor_finds_it() -> None:
    """A refusal's message is a literal, or a constant marked with N_: otherwise the
    extraction misses it and it is never translated."""
    unmarked: list[str] = []
    for path in sorted((ROOT / "server/journeyboard").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        marked = {
            target.id
            for node in ast.walk(tree)
            if isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Call)
            and ast.unparse(node.value.func) in ("N_", "i18n.N_")
            for target in node.targets
            if isinstance(target, ast.Name)
        }
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = ast.unparse(node.func).split(".")[-1]
            where = REFUSALS.get(name)
            if where is None or len(node.args) <= where:
                continue
            argument = node.args[where]
            text = ast.unparse(argument)
            if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                continue
            if text in marked or text in NOT_OURS or text.startswith(("N_(", "i18n.N_(")):
                continue
            unmarked.append(f"{path.relative_to(ROOT)}:{node.lineno}: {text}")
    assert unmarked == []
