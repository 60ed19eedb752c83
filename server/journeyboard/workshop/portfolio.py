"""A whole workshop in one JSON export, and read back from one (issue #27, item 6).

The export of a workshop with more than one journey is its root journey's export (so that an
importer of one board still reads the root) with a `workshop` member that lists every journey:
`{source_board, relation, parent, stage, title, persona, picture}` and, for each journey but
the root, its own board export under `export`. Pictures travel as base64 of the stored WebP or
PNG and are decoded and encoded again on import, like an upload.

`build_journeys` is pure (it runs in the worker that builds an import's documents);
`create_journeys` stores what it built, with new ids and the relations mapped onto them.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any

import jsonschema

from journeyboard import schema
from journeyboard.stores.records import RELATIONS, BoardRecord, Picture
from journeyboard.workshop import documents, pictures
from journeyboard.workshop.errors import ApiError

MAX_JOURNEYS = 50


def picture_json(picture: Picture | None) -> dict[str, str] | None:
    if picture is None:
        return None
    return {"media_type": picture.media_type, "data": base64.b64encode(picture.data).decode()}


def journey_entry(
    record: BoardRecord, picture: Picture | None, export: dict[str, Any] | None
) -> dict[str, Any]:
    """One journey of a workshop export (`export` None for the root: it is the file itself)."""
    entry: dict[str, Any] = {
        "source_board": record.id,
        "relation": record.relation,
        "parent": record.parent,
        "stage": record.stage,
        "title": record.title,
        "persona": record.persona,
        "picture": picture_json(picture),
    }
    if export is not None:
        entry["export"] = export
    return entry


@dataclass(frozen=True, slots=True)
class BuiltJourney:
    """A journey of an imported workshop, built and checked, not yet stored."""

    source: str
    relation: str
    parent: str | None
    stage: str | None
    title: str
    persona: dict[str, Any]
    picture: tuple[str, bytes] | None
    seed: bytes | None
    content: bytes | None


def _invalid(message: str) -> ApiError:
    # An import's reason stays English, like imports.InvalidExport's (not our catalogue's).
    return ApiError(400, "invalid_import", "import/workshop: %(reason)s", reason=message)


def _persona(value: Any) -> dict[str, Any]:
    from journeyboard.workshop.journeys import clean_persona

    validator = jsonschema.Draft202012Validator(
        {"$ref": "#/$defs/persona", "$defs": schema.load("http.json")["$defs"]}
    )
    if value is None:
        return {}
    if next(validator.iter_errors(value), None) is not None:
        raise _invalid("a journey's persona does not match shared_schema/http.json#/$defs/persona")
    return clean_persona(value)


def _picture(value: Any) -> tuple[str, bytes] | None:
    if value is None:
        return None
    if not isinstance(value, dict) or not isinstance(value.get("data"), str):
        raise _invalid("a picture is {media_type, data} with data in base64")
    try:
        raw = base64.b64decode(value["data"], validate=True)
    except (binascii.Error, ValueError):
        raise _invalid("a picture's data is not base64") from None
    media_type, data, _, _ = pictures.reencode(raw)
    return media_type, data


def build_journeys(imported: dict[str, Any], created_at_ms: int, build: Any) -> list[BuiltJourney]:
    """The journeys an import's `workshop` member lists, checked and built (the root first,
    with no documents: the import itself is the root's); [] for a board export.

    `build(export, title, persona)` makes a journey's (seed, content) from its board export.
    Parents must come before their journeys; raise ApiError 400 otherwise.
    """
    workshop = imported.get("workshop")
    if workshop is None:
        return []
    entries = workshop.get("journeys") if isinstance(workshop, dict) else None
    if not isinstance(entries, list) or not entries:
        raise _invalid("workshop.journeys is a list of journeys")
    if len(entries) > MAX_JOURNEYS:
        raise _invalid(f"a workshop holds at most {MAX_JOURNEYS} journeys")
    built: list[BuiltJourney] = []
    seen: set[str] = set()
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise _invalid("a journey is an object")
        source = entry.get("source_board")
        relation = entry.get("relation")
        parent, stage = entry.get("parent"), entry.get("stage")
        if not isinstance(source, str) or not source or source in seen:
            raise _invalid("each journey has a source_board of its own")
        if relation not in RELATIONS or (relation == "root") != (index == 0):
            raise _invalid("the first journey is the root, and only the first")
        if index and (not isinstance(parent, str) or parent not in seen):
            raise _invalid("a journey's parent comes before it")
        if stage is not None and (relation != "detail" or not isinstance(stage, str)):
            raise _invalid("only a detailed journey has a stage")
        title = entry.get("title")
        title = title.strip() if isinstance(title, str) and title.strip() else ""
        persona = _persona(entry.get("persona"))
        picture = _picture(entry.get("picture"))
        seed = content = None
        if index:
            export = entry.get("export")
            if not isinstance(export, dict) or "workshop" in export:
                raise _invalid("each journey but the root carries its board export")
            seed, content = build(
                export,
                title or str(export.get("board", {}).get("title", "")) or "Journey",
                persona,
                {
                    "relation": relation,
                    "stage": stage,
                    "persona_profile": persona,
                },
            )
        seen.add(source)
        built.append(
            BuiltJourney(
                source,
                str(relation),
                parent if index else None,
                stage,
                title,
                persona,
                picture,
                seed,
                content,
            )
        )
    return built


async def create_journeys(
    records: Any, update_log: Any, root: BoardRecord, built: list[BuiltJourney], now_ms: int
) -> list[str]:
    """Store an imported workshop's journeys under the new root; return their new ids (the
    root's first). The relations point at the new ids."""
    if not built:
        return [root.id]
    ids = {built[0].source: root.id}
    head = built[0]
    if head.persona:
        root.persona = head.persona
        await records.save_board(root)
    if head.picture is not None:
        await records.put_picture(root.id, Picture(*head.picture))
    for index, journey in enumerate(built[1:], 1):
        assert journey.seed is not None and journey.parent is not None
        record = BoardRecord(
            id=documents.new_id(),
            title=journey.title or "Journey",
            created_at_ms=max(now_ms, root.created_at_ms) + index,  # listed in the export's order
            workshop=root.id,
            relation=journey.relation,
            parent=ids[journey.parent],
            stage=journey.stage,
            persona=journey.persona,
            language=root.language,
        )
        ids[journey.source] = record.id
        seed = documents.place_journey(journey.seed, {"workshop": root.id, "parent": record.parent})
        await records.create_board(record, documents.session_name(record.id), seed)
        if journey.content is not None:
            await update_log.append_update(documents.content_name(record.id), journey.content)
        if journey.picture is not None:
            await records.put_picture(record.id, Picture(*journey.picture))
    return list(ids.values())
