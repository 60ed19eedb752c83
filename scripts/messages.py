"""Extract the server's messages with Babel and bring every catalogue up to date.

    python scripts/messages.py           update server/journeyboard/locale/*/LC_MESSAGES/*.po
    python scripts/messages.py --check   exit 1 when a catalogue misses a message or keeps one
                                         no source uses (tests/test_catalogues.py runs the same)

Three sources, all read with Babel's extractors:
- the package's Python: `_`, `N_`, `ngettext`, and the message argument of the error classes
  (`ApiError(status, code, message)` and its kin), so a refusal needs no marker;
- the export templates (Jinja2's i18n extension: `_()`, `ngettext()`);
- `shared_schema/`: the phases' titles and instructions, the lanes' titles and report
  headings, the quadrants' titles and the stage templates' stage names (`extract_schema`).

New messages arrive empty in sv, nb and da (and flagged for a translator); English's msgstr
stays empty, so English shows the msgid.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "server" / "journeyboard"
LOCALE = PACKAGE / "locale"
SCHEMA = ROOT / "shared_schema"
LANGUAGES = ("en", "sv", "nb", "da")
TEAMS = {"en": "English", "sv": "Swedish", "nb": "Norwegian Bokmål", "da": "Danish"}

KEYWORDS: dict[str, Any] = {
    "_": None,
    "N_": None,
    "ngettext": (1, 2),
    "ApiError": (3,),
    "CommandError": (3,),
    "AccessDenied": (3,),
    "JobRefused": (3,),
    "ExportError": (1,),
    "_unauthorized": (1,),
    "require_facilitator": (2,),
}
"""The calls whose string arguments are messages (argument positions from 1)."""


def extract_schema(
    fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: Any
) -> Iterator[tuple[int, str | None, str, list[str]]]:
    """A Babel extractor for the texts of shared_schema/ that people read."""
    data = json.load(fileobj)
    texts: list[str] = []
    if "phases" in data:
        for phase in data["phases"].values():
            texts += [phase["title"], phase["instructions"]]
    if "lanes" in data:
        for lane in data["lanes"]:
            texts += [lane["title"], *([lane["report_heading"]] if lane["report_heading"] else [])]
    if "quadrants" in data:
        for quadrant in data["quadrants"].values():
            texts += [quadrant["title"], quadrant["plural"]]
    if "templates" in data:
        for template in data["templates"].values():
            texts += template["stages"]
    for text in texts:
        yield 0, None, text, []


def messages() -> Catalog:
    """Every message the server's sources use, as a template catalogue."""
    template = Catalog(project="journeyboard", fuzzy=False)
    found = _from_dir()
    for filename, lineno, message, comments, context in found:
        template.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    for name in ("phases.json", "lanes.json", "quadrants.json", "templates.json"):
        with (SCHEMA / name).open("rb") as file:
            for _, _, message, _ in extract_schema(file, None, None, None):
                template.add(message, None, [(f"shared_schema/{name}", 0)])
    return template


def _from_dir() -> Iterator[tuple[str, int, Any, list[str], str | None]]:
    yield from extract_from_dir(
        PACKAGE,
        [("**/static/**", "ignore"), ("**.py", "python"), ("**/templates/**.j2", "jinja2")],
        keywords=KEYWORDS,
    )


def catalogue_path(language: str) -> Path:
    return LOCALE / language / "LC_MESSAGES" / "messages.po"


def read_catalogue(language: str) -> Catalog:
    path = catalogue_path(language)
    if not path.exists():
        return Catalog(locale=language, project="journeyboard", fuzzy=False)
    with path.open("rb") as file:
        return read_po(file, locale=language)


def problems(template: Catalog | None = None) -> list[str]:
    """What is wrong with the catalogues: a message missing or untranslated, or one no
    source uses any more."""
    template = template or messages()
    wanted = {message.id for message in template if message.id}
    found: list[str] = []
    for language in LANGUAGES:
        catalogue = read_catalogue(language)
        have = {message.id for message in catalogue if message.id}
        found += [f"{language}: missing {msgid!r}" for msgid in sorted(wanted - have, key=str)]
        found += [f"{language}: unused {msgid!r}" for msgid in sorted(have - wanted, key=str)]
        if language != "en":
            found += [
                f"{language}: not translated {message.id!r}"
                for message in catalogue
                if message.id in wanted and (message.fuzzy or not _translated(message.string))
            ]
    return found


def _translated(string: Any) -> bool:
    if isinstance(string, tuple):
        return all(string)
    return bool(string)


def update() -> None:
    template = messages()
    for language in LANGUAGES:
        catalogue = read_catalogue(language)
        created = catalogue.creation_date
        catalogue.update(template, no_fuzzy_matching=True)
        catalogue.obsolete.clear()
        # The header says who keeps it; the date stays the file's own, so a run that changes
        # no message changes no byte.
        catalogue.creation_date = created
        catalogue.project, catalogue.version = "journeyboard", "0.1"
        catalogue.copyright_holder = "the journeyboard authors"
        catalogue.msgid_bugs_address = ""
        catalogue.last_translator = "the journeyboard team"
        catalogue.language_team = TEAMS[language]
        catalogue.header_comment = (
            f"# {TEAMS[language]} messages of the journeyboard server.\n"
            "# The method's terms: docs/GLOSSARY.md. Update with: python scripts/messages.py\n"
            "#"
        )
        out = io.BytesIO()
        write_po(out, catalogue, width=100, omit_header=False, sort_output=False)
        path = catalogue_path(language)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(out.getvalue())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    if args.check:
        found = problems()
        print("\n".join(found) or "the catalogues are complete")
        sys.exit(1 if found else 0)
    update()


if __name__ == "__main__":
    main()
