"""The journeys of a workshop: adding one, listing them, and their structured personas.

A workshop is its root journey (the board it started as; its id is the workshop's) and the
journeys added to it: persona variants (siblings of the root with its stages, copied), detailed
journeys (children linked to a stage of their parent, starting empty) and to-be journeys (a
copy of an as-is journey's stages and cards, linked to it). Each journey is a board of its own,
with its own documents; the relations live in the board records (`BoardRecord.workshop`,
`relation`, `parent`, `stage`, `persona`).
"""

from __future__ import annotations

import asyncio
import statistics
from dataclasses import dataclass
from typing import Any

from pycrdt import Doc, Map, Text

from journeyboard.stores.records import BoardRecord
from journeyboard.workshop import documents, summaries
from journeyboard.workshop.boards import BoardService, Identity, now_ms
from journeyboard.workshop.commands import journeys_key
from journeyboard.workshop.errors import ApiError

MAX_JOURNEYS = 50
"""Journeys one workshop may hold (the root included)."""

PERSONA_TEXT = ("name", "quote", "description")
PERSONA_LISTS = ("goals", "frustrations")
PERSONA_ATTRIBUTES = ("age_band", "segment", "frequency")
PERSONA_ITEMS = 20
"""Goals and needs, and frustrations: at most this many of each."""


def require_facilitator(identity: Identity, message: str) -> None:
    """Refuse (403, `message`: a literal, extracted into the catalogues) a non-facilitator."""
    if identity.role != "facilitator":
        raise ApiError(403, "forbidden", message)


def clean_persona(value: Any) -> dict[str, Any]:
    """A persona as stored: the fields of `shared_schema/http.json#/$defs/persona` that carry
    something, text stripped (the body was validated against the schema already)."""
    if isinstance(value, str):
        value = {"name": value}
    if not isinstance(value, dict):
        return {}
    out: dict[str, Any] = {}
    for key in PERSONA_TEXT:
        text = str(value.get(key, "")).strip()
        if text:
            out[key] = text
    for key in PERSONA_LISTS:
        if len(value.get(key) or []) > PERSONA_ITEMS:
            raise ApiError(
                400,
                "invalid_body",
                "%(field)s: at most %(most)s entries",
                field=key,
                most=PERSONA_ITEMS,
            )
        items = [str(item).strip() for item in value.get(key) or [] if str(item).strip()]
        if items:
            out[key] = items
    attributes = value.get("attributes") or {}
    kept = {k: str(attributes.get(k, "")).strip() for k in PERSONA_ATTRIBUTES}
    kept = {k: v for k, v in kept.items() if v}
    if kept:
        out["attributes"] = kept
    return out


def copy_content(content: dict[str, Any], *, with_cards: bool) -> bytes | None:
    """A new content document with the stages (and cards) read from another one: the same
    ids, so a copy's stages and cards line up with the original's. Votes and ratings live
    elsewhere (records, session) and are never copied."""
    stages = {k: v for k, v in content.get("stages", {}).items() if isinstance(v, dict)}
    cards = (
        {k: v for k, v in content.get("cards", {}).items() if isinstance(v, dict)}
        if with_cards
        else {}
    )
    if not stages and not cards:
        return None
    doc: Doc[Any] = Doc()
    with doc.transaction():
        target = doc.get("stages", type=Map)
        for stage_id, stage in stages.items():
            target[stage_id] = Map(
                {"name": str(stage.get("name", "")), "pos": str(stage.get("pos", ""))}
            )
        if cards:
            target_cards = doc.get("cards", type=Map)
            for card_id, card in cards.items():
                fields = {k: v for k, v in card.items() if k != "text"}
                text = card.get("text")
                target_cards[card_id] = Map(
                    {**fields, "text": Text(text if isinstance(text, str) else "")}
                )
    return doc.get_update()


def stage_name(doc: Doc[Any], stage: str) -> str:
    """A stage's name as a content document holds it ("" when it has no such stage)."""
    try:
        entry = doc.get("stages", type=Map).get(stage)
    except Exception:  # a client may have made the root another type
        return ""
    name = entry.get("name") if isinstance(entry, Map) else None
    return name if isinstance(name, str) else ""


def _stage_name(content: dict[str, Any], stage: str) -> str:
    entry = content.get("stages", {}).get(stage)
    return str(entry.get("name", "")) if isinstance(entry, dict) else ""


async def add_journey(
    boards: BoardService, identity: Identity, body: dict[str, Any]
) -> BoardRecord:
    """Add a journey to the workshop of `identity.board` (a validated `add_journey` body);
    raise ApiError 403 (not a facilitator), 404 (no such stage on the parent), 409 (the
    workshop is full) or 400 (a detailed journey without a stage)."""
    require_facilitator(identity, "only facilitators can add journeys")
    relation = str(body["relation"])
    workshop = identity.workshop
    parent = workshop if relation == "persona" else identity.board
    stage: str | None = None
    if relation == "detail":
        if "stage" not in body:
            raise ApiError(400, "stage_required", "a detailed journey needs the stage it details")
        stage = str(body["stage"])
    elif "stage" in body:
        raise ApiError(400, "invalid_body", "only a detailed journey takes a stage")
    persona = clean_persona(body.get("persona"))
    async with boards.rooms.bus.board_lock(journeys_key(workshop.id)):
        journeys = await boards.records.list_journeys(workshop.id)
        if len(journeys) >= MAX_JOURNEYS:
            raise ApiError(
                409,
                "too_many_journeys",
                "a workshop holds at most %(most)s journeys",
                most=MAX_JOURNEYS,
            )
        content = await boards.read_content(
            parent.id, lambda doc: documents.roots_to_json(doc, documents.CONTENT_ROOTS)
        )
        if stage is not None and stage not in content.get("stages", {}):
            raise ApiError(404, "unknown_stage", "the parent journey has no such stage")
        title = str(body.get("title") or "").strip() or _default_title(
            relation, parent, persona, _stage_name(content, stage or "")
        )
        if relation == "persona":
            update = copy_content(content, with_cards=False)
        elif relation == "to_be":
            update = copy_content(content, with_cards=True)
        else:
            update = None
        # Strictly after the newest journey: the workshop lists its journeys in this order.
        created_at_ms = max(now_ms(), *(journey.created_at_ms + 1 for journey in journeys))
        record = BoardRecord(
            id=documents.new_id(),
            title=title,
            created_at_ms=created_at_ms,
            workshop=workshop.id,
            relation=relation,
            parent=parent.id,
            stage=stage,
            persona=persona,
            language=workshop.language,
        )
        seed = documents.seed_session(
            title,
            persona.get("name", ""),
            "",
            created_at_ms,
            journey={
                "workshop": workshop.id,
                "relation": relation,
                "parent": parent.id,
                "stage": stage,
                "persona_profile": persona,
            },
        )
        await boards.records.create_board(record, documents.session_name(record.id), seed)
        if update is not None:
            await boards.update_log.append_update(documents.content_name(record.id), update)
    return record


def _default_title(
    relation: str, parent: BoardRecord, persona: dict[str, Any], stage_name: str
) -> str:
    if relation == "persona":
        return f"{parent.title}: {persona.get('name') or 'another persona'}"
    if relation == "detail":
        return f"{parent.title}: {stage_name or 'detail'}"
    return f"{parent.title} (to-be)"


READ_AT_ONCE = 4
"""Journeys the listing reads at the same time."""

TOP_PAINS = 3
"""How many pain points each journey of the portfolio shows."""


@dataclass(slots=True)
class Summary:
    """What the portfolio shows of one journey's content (`_summary`)."""

    counts: dict[str, int]
    emotion: dict[str, float]
    stages: list[dict[str, str]]
    pains: list[tuple[str, str]]
    """(card id, text) of each pain point, in map order (stage, then position)."""


def _summary(doc: Doc[Any]) -> Summary:
    """Card, pain and solution counts, the feelings' median per stage, the stages in order and
    the pain points, read tolerantly (field by field)."""
    summary = Summary({"cards": 0, "pains": 0, "solutions": 0}, {}, [], [])
    feelings: dict[str, list[float]] = {}
    try:
        stage_map = doc.get("stages", type=Map)
        cards = list(doc.get("cards", type=Map).items())
    except Exception:  # a client may have made a root another type
        return summary
    placed: list[tuple[str, str, str]] = []
    for key, entry in stage_map.items():
        name = entry.get("name") if isinstance(entry, Map) else None
        pos = entry.get("pos") if isinstance(entry, Map) else None
        placed.append((str(pos) if isinstance(pos, str) else "", str(key), _short(name)))
    placed.sort()
    summary.stages = [{"id": key, "name": name} for _, key, name in placed]
    order = {key: index for index, (_, key, _) in enumerate(placed)}
    pains: list[tuple[int, str, str, str]] = []
    for card_id, card in cards:
        if not isinstance(card, Map):
            continue
        summary.counts["cards"] += 1
        kind, stage = card.get("kind"), card.get("stage")
        if kind == "pain":
            summary.counts["pains"] += 1
            pos = card.get("pos")
            where = order.get(stage, len(order)) if isinstance(stage, str) else len(order)
            text = _short(card.get("text"))
            pains.append((where, pos if isinstance(pos, str) else "", str(card_id), text))
        elif kind == "solution":
            summary.counts["solutions"] += 1
        elif kind == "feeling":
            value = card.get("emotion")
            if (
                isinstance(stage, str)
                and stage in order
                and isinstance(value, int | float)
                and not isinstance(value, bool)
                and value == value  # not NaN
            ):
                feelings.setdefault(stage, []).append(max(-3.0, min(3.0, float(value))))
    pains.sort()
    summary.pains = [(card_id, text) for _, _, card_id, text in pains if text.strip()]
    summary.emotion = {stage: statistics.median(scores) for stage, scores in feelings.items()}
    return summary


def _short(value: Any, limit: int = 200) -> str:
    """A text of the document (a Text or a str), cut to `limit` characters."""
    if isinstance(value, Text | str):
        return str(value)[:limit]
    return ""


def _votes(doc: Doc[Any]) -> tuple[str, dict[str, int] | None]:
    """The journey's phase, and each card's vote total once votes are revealed (else None)."""
    session = doc.get("session", type=Map)
    phase = str(session.get("phase", "lobby"))
    revealed = session.get("revealed")
    if not (isinstance(revealed, Map) and revealed.get("votes") is True):
        return phase, None
    totals: dict[str, int] = {}
    for card_id, value in doc.get("votes", type=Map).items():
        if isinstance(value, int | float) and not isinstance(value, bool):
            totals[str(card_id)] = int(value)
    return phase, totals


def top_pains(pains: list[tuple[str, str]], votes: dict[str, int] | None) -> list[dict[str, Any]]:
    """The portfolio's pain points of a journey: the most-voted once votes are revealed (ties
    in map order), else the first in map order, with no count."""
    if votes is None:
        return [{"text": text, "votes": None} for _, text in pains[:TOP_PAINS]]
    ranked = sorted(pains, key=lambda pain: -votes.get(pain[0], 0))
    return [{"text": text, "votes": votes.get(card_id, 0)} for card_id, text in ranked[:TOP_PAINS]]


async def list_journeys(boards: BoardService, identity: Identity) -> dict[str, Any]:
    """The `journeys_answer` of `shared_schema/http.json`: every journey of the workshop."""
    workshop = identity.workshop
    entries: list[dict[str, Any]] = []
    listed = await boards.records.list_journeys(workshop.id)
    # Every document read in a worker thread, remembered while it does not change, and no
    # room opened for it (summaries.py): a 50-journey workshop is 100 documents, read a few
    # at a time (more threads would only take turns with the event loop for the GIL).
    at_once = asyncio.Semaphore(READ_AT_ONCE)

    async def journey_of(record: BoardRecord) -> tuple[Summary, tuple[str, dict[str, int] | None]]:
        async with at_once:
            summary = await summaries.read(boards, documents.content_name(record.id), _summary)
            votes = await summaries.read(boards, documents.session_name(record.id), _votes)
            return summary, votes

    read = await asyncio.gather(*(journey_of(journey) for journey in listed))
    for journey, (summary, (phase, votes)) in zip(listed, read, strict=True):
        persona = dict(journey.persona)
        if await boards.records.get_picture(journey.id) is not None:
            persona["picture"] = True
        entries.append(
            {
                "id": journey.id,
                "title": journey.title,
                "relation": journey.relation,
                "parent": journey.parent,
                "stage": journey.stage,
                "persona": persona,
                "phase": phase,
                "counts": summary.counts,
                "emotion": summary.emotion,
                "stages": summary.stages,
                "top_pains": top_pains(summary.pains, votes),
            }
        )
    return {"workshop": workshop.id, "journeys": entries}


async def set_persona(
    boards: BoardService, identity: Identity, body: dict[str, Any]
) -> dict[str, Any]:
    """Replace the journey's persona (a validated `persona` body); facilitators only. The
    session document's `board.persona` (its name) and `board.persona_profile` follow."""
    require_facilitator(identity, "only facilitators can change the persona")
    persona = clean_persona(body)
    async with boards.rooms.bus.board_lock(identity.board.id):
        record = await boards.records.get_board(identity.board.id)
        if record is None:
            raise ApiError(404, "not_found", "no such board")
        record.persona = persona
        await boards.records.save_board(record)

    def change(doc: Doc[Any]) -> None:
        board = doc.get("board", type=Map)
        board["persona"] = persona.get("name", "")
        board["persona_profile"] = persona

    await boards.change_session(identity.board.id, change)
    return persona


async def picture_changed(boards: BoardService, board_id: str, present: bool) -> None:
    """Tell the journey's clients its persona picture changed (`board.persona_picture`, a
    counter they fetch the picture again on)."""

    def change(doc: Doc[Any]) -> None:
        board = doc.get("board", type=Map)
        count = board.get("persona_picture")
        board["persona_picture"] = (count if isinstance(count, int) else 0) + 1 if present else 0

    await boards.change_session(board_id, change)
