"""A typed, tolerant view of a whole board, read from the JSON of its two documents.

Every export reads the board through this view. The content document is written by clients and
never validated, so this is where oddities are absorbed: an entry that is not a card is
skipped, a card whose stage is missing or unknown goes to the Unplaced column, and a field of
the wrong type reads as absent.
"""

from __future__ import annotations

import datetime
import re
import statistics
from dataclasses import dataclass, field
from typing import Any, Final

from babel import dates as babel_dates

from journeyboard import i18n, schema

# (kind, title) of each lane of the map, in order; the client reads the same file.
LANES: Final[tuple[tuple[str, str], ...]] = tuple(
    (lane["kind"], lane["title"]) for lane in schema.load("lanes.json")["lanes"]
)
LANE_TITLES: Final = dict(LANES)
UNKNOWN_KIND_TITLE: Final[str] = LANE_TITLES[schema.load("lanes.json")["unknown_kind"]]
UNPLACED: Final = i18n.N_("Unplaced")
"""The stage of cards in no stage, named in the language being rendered (`build_view`)."""
QUADRANT_TITLES: Final[dict[str, str]] = {
    name: quadrant["title"] for name, quadrant in schema.load("quadrants.json")["quadrants"].items()
}


CHANNELS: Final[dict[str, str]] = {
    "web": i18n.N_("web"), "app": i18n.N_("app"), "phone": i18n.N_("phone"),
    "store": i18n.N_("store"), "letter": i18n.N_("letter"), "e-mail": i18n.N_("e-mail"),
    "chat": i18n.N_("chat"), "other": i18n.N_("other"),
}  # fmt: skip
"""The touchpoint channels the board offers (client/src/state/lanes.ts), by their stored value."""


def channel_title(value: str) -> str:
    """A touchpoint's channel in the language being rendered; a value not offered, as written."""
    return i18n._(CHANNELS[value]) if value in CHANNELS else value


def day_title(iso_day: str, style: str = "medium") -> str:
    """A yyyy-mm-dd day as the language being rendered writes it ("30 jan. 2026"); "" as is."""
    if not iso_day:
        return iso_day
    try:
        day = datetime.date.fromisoformat(iso_day)
    except ValueError:
        return iso_day
    return babel_dates.format_date(day, style, locale=i18n.current())


def quadrant_title(name: str) -> str:
    """A quadrant's title ("Quick win") in the language being rendered; an unknown name as is."""
    title = QUADRANT_TITLES.get(name)
    return i18n._(title) if title else name


def _text(value: Any, limit: int = 100_000) -> str:
    return value[:limit] if isinstance(value, str) else ""


_ISO_DAY: Final = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_day(value: Any) -> str:
    """A real calendar date written yyyy-mm-dd, or "" for anything else (as the client reads it)."""
    if not isinstance(value, str) or _ISO_DAY.fullmatch(value) is None:
        return ""
    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        return ""
    return value


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


@dataclass(frozen=True, slots=True)
class Stage:
    id: str
    name: str
    pos: str
    order: int  # 1-based column number; 0 for Unplaced


@dataclass(frozen=True, slots=True)
class Rating:
    effort: float
    impact: float
    n: int
    effort_spread: float
    impact_spread: float
    quadrant: str


@dataclass(frozen=True, slots=True)
class Decision:
    """One person's decision on a solution (the `decide` command), as it was kept."""

    person: str
    name: str
    department: str
    role: str
    decision: str  # "approve" or "reject"
    comment: str
    at_ms: int

    @property
    def day(self) -> str:
        """The day it was made (yyyy-mm-dd, UTC)."""
        return datetime.datetime.fromtimestamp(self.at_ms / 1000, datetime.UTC).date().isoformat()


@dataclass(frozen=True, slots=True)
class Measured:
    """A touchpoint's latest value of one metric ("nps", "csat", "ces" or a KPI's name)."""

    metric: str
    value: float
    date: str  # yyyy-mm-dd
    unit: str


def latest_measured(series: dict[str, Any]) -> dict[str, tuple[Measured, ...]]:
    """From `workshop.metrics.series_json`'s `touchpoints`: each card's latest value of each
    metric, metrics in name order."""
    latest: dict[str, tuple[Measured, ...]] = {}
    for card, metrics in _dict(series).items():
        values: list[Measured] = []
        for metric, entry in sorted(_dict(metrics).items()):
            points = [p for p in _dict(entry).get("points") or [] if isinstance(p, dict)]
            if not points:
                continue
            last = max(points, key=lambda point: str(point.get("date", "")))
            number = _number(last.get("value"))
            if number is not None:
                values.append(
                    Measured(
                        str(metric), number, _iso_day(last.get("date")), _text(entry.get("unit"))
                    )
                )
        if values:
            latest[str(card)] = tuple(values)
    return latest


@dataclass(frozen=True, slots=True)
class Card:
    id: str
    kind: str
    stage: Stage  # the Unplaced stage when missing or unknown
    stage_id: str | None  # as written in the document
    pos: str
    text: str
    author: str
    fields: dict[str, Any]  # the kind-specific fields, as written
    votes: int = 0
    rating: Rating | None = None
    decisions: tuple[Decision, ...] = ()
    """Every decision kept on this card, oldest first (`standing` has each person's latest)."""

    @property
    def standing(self) -> tuple[Decision, ...]:
        """Each person's latest decision, in the order these were made."""
        latest: dict[str, Decision] = {}
        for decision in self.decisions:
            latest.pop(decision.person, None)
            latest[decision.person] = decision
        return tuple(latest.values())

    @property
    def outcome(self) -> str:
        """ "approved" or "rejected" when every standing decision agrees, "disputed" when they
        differ, "" when nobody has decided."""
        kinds = {decision.decision for decision in self.standing}
        if kinds == {"approve"}:
            return "approved"
        if kinds == {"reject"}:
            return "rejected"
        return "disputed" if kinds else ""

    @property
    def progress(self) -> str:
        """The plan's progress (the content field `status`): "open", "doing", "done", or as
        written; empty reads as "open"."""
        return self.get_text("status") or "open"

    @property
    def lane(self) -> str:
        """The title of the card's lane, in the language being rendered."""
        return i18n._(LANE_TITLES.get(self.kind, UNKNOWN_KIND_TITLE))

    def get_text(self, key: str) -> str:
        return _text(self.fields.get(key))

    @property
    def emotion(self) -> float | None:
        value = _number(self.fields.get("emotion"))
        return None if value is None else max(-3.0, min(3.0, value))

    @property
    def due(self) -> str:
        """The action plan's due date (yyyy-mm-dd), or "" when unset or malformed."""
        return _iso_day(self.fields.get("due"))

    @property
    def moment_of_truth(self) -> bool:
        return self.fields.get("moment_of_truth") is True


@dataclass(frozen=True, slots=True)
class Person:
    id: str
    name: str
    department: str
    role: str
    removed: bool
    joined_at_ms: int = 0


@dataclass(slots=True)
class BoardView:
    id: str
    title: str
    persona: str
    scope: str
    customer_goal: str
    phase: str
    votes_per_person: int
    max_votes_per_card: int | None
    stages: list[Stage]
    unplaced: Stage
    cards: list[Card]
    people: list[Person]
    votes_revealed: bool
    ratings_revealed: bool
    skipped: int = 0  # entries that were not well-formed cards or stages
    # what could not be read, for the JSON export: {"root", "id", "field", "reason"} items
    skipped_notes: list[dict[str, Any]] = field(default_factory=list)
    card_by_id: dict[str, Card] = field(default_factory=dict)
    history: list[dict[str, Any]] = field(default_factory=list)
    """The earlier sessions (follow-up workshops), oldest first, as the session document keeps
    them (`workshop.followup`)."""
    session_number: int = 1
    measured: dict[str, tuple[Measured, ...]] = field(default_factory=dict)
    """Each touchpoint's latest measured value per metric (server records, not content)."""
    heat_metric: str | None = None
    """The metric the exports' heat map colours touchpoints by (None: the first the board
    has; exports/heat.py)."""

    def columns(self) -> list[Stage]:
        """The stages in order, plus Unplaced when any card sits there."""
        if any(card.stage is self.unplaced for card in self.cards):
            return [*self.stages, self.unplaced]
        return list(self.stages)

    def cards_in(self, stage: Stage, kind: str | None = None) -> list[Card]:
        return [
            card
            for card in self.cards
            if card.stage is stage and (kind is None or card.kind == kind)
        ]

    def of_kind(self, kind: str) -> list[Card]:
        return [card for card in self.cards if card.kind == kind]

    def emotion_curve(self) -> list[tuple[Stage, float, float, float, int] | None]:
        """Per stage: (stage, median, min, max, n) of the feeling scores, or None if none."""
        curve: list[tuple[Stage, float, float, float, int] | None] = []
        for stage in self.stages:
            scores = [
                e for card in self.cards_in(stage, "feeling") if (e := card.emotion) is not None
            ]
            if scores:
                curve.append(
                    (stage, statistics.median(scores), min(scores), max(scores), len(scores))
                )
            else:
                curve.append(None)
        return curve

    def author_name(self, card: Card) -> str:
        for person in self.people:
            if person.id == card.author:
                return person.name
        return card.author

    def author_department(self, card: Card) -> str:
        """The department of the person who wrote `card` (by id, else by a unique name)."""
        author_id = card.fields.get("author_id")
        for person in self.people:
            if person.id in (author_id, card.author):
                return person.department
        named = [person for person in self.people if card.author and person.name == card.author]
        return named[0].department if len(named) == 1 else ""


def _sort_key(pos: str, item_id: str) -> tuple[str, str]:
    return (pos, item_id)


def build_view(board_id: str, content: dict[str, Any], session: dict[str, Any]) -> BoardView:
    """Build the view from `roots_to_json` of the content and session documents."""
    skipped = 0
    notes: list[dict[str, Any]] = [
        note for note in content.get("_skipped") or [] if isinstance(note, dict)
    ]
    stage_items: list[tuple[str, str, str]] = []
    for stage_id, entry in _dict(content.get("stages")).items():
        if not isinstance(entry, dict):
            skipped += 1
            continue
        stage_items.append((str(stage_id), _text(entry.get("name"), 500), _text(entry.get("pos"))))
    stage_items.sort(key=lambda item: _sort_key(item[2], item[0]))
    stages = [
        Stage(sid, name, pos, index + 1) for index, (sid, name, pos) in enumerate(stage_items)
    ]
    by_id = {stage.id: stage for stage in stages}
    unplaced = Stage("", i18n._(UNPLACED), "", 0)

    board = _dict(session.get("board"))
    state = _dict(session.get("session"))
    revealed = _dict(state.get("revealed"))
    votes_shown = bool(revealed.get("votes"))
    ratings_shown = bool(revealed.get("ratings"))
    vote_totals = _dict(session.get("votes"))
    rating_stats = _dict(session.get("ratings"))
    decided = _dict(session.get("decisions"))

    cards: list[Card] = []
    for card_id, entry in _dict(content.get("cards")).items():
        if not isinstance(entry, dict) or not isinstance(entry.get("kind"), str):
            skipped += 1
            continue
        written_stage = entry.get("stage")
        card_stage = written_stage if isinstance(written_stage, str) else None
        fields = {
            key: value
            for key, value in entry.items()
            if key not in ("kind", "stage", "pos", "text", "author")
        }
        votes = _number(vote_totals.get(card_id)) if votes_shown else None
        cards.append(
            Card(
                id=str(card_id),
                kind=entry["kind"],
                stage=by_id.get(card_stage or "", unplaced),
                stage_id=card_stage,
                pos=_text(entry.get("pos")),
                text=_text(entry.get("text")),
                author=_text(entry.get("author"), 200),
                fields=fields,
                votes=int(votes or 0),
                rating=_rating(rating_stats.get(card_id)) if ratings_shown else None,
                decisions=_decisions(decided.get(card_id)),
            )
        )
    cards.sort(key=lambda card: (card.stage.order or 10**9, _sort_key(card.pos, card.id)))

    people: list[Person] = []
    for person_id, entry in _dict(session.get("participants")).items():
        if isinstance(entry, dict):
            people.append(
                Person(
                    str(person_id),
                    _text(entry.get("name"), 200),
                    _text(entry.get("department"), 200),
                    _text(entry.get("role"), 40),
                    entry.get("removed") is True,
                    int(_number(entry.get("joined_at_ms")) or 0),
                )
            )
    people.sort(key=lambda person: (person.joined_at_ms, person.name.casefold(), person.id))
    per_card = _number(state.get("max_votes_per_card"))
    view = BoardView(
        id=board_id,
        title=_text(board.get("title"), 500),
        persona=_text(board.get("persona"), 500),
        scope=_text(board.get("scope"), 1000),
        customer_goal=_text(board.get("customer_goal"), 1000),
        phase=_text(state.get("phase")) or "lobby",
        votes_per_person=int(_number(state.get("votes_per_person")) or 3),
        max_votes_per_card=int(per_card) if per_card else None,
        stages=stages,
        unplaced=unplaced,
        cards=cards,
        people=people,
        votes_revealed=votes_shown,
        ratings_revealed=ratings_shown,
        skipped=skipped,
        skipped_notes=notes,
    )
    view.card_by_id = {card.id: card for card in cards}
    kept = _dict(session.get("history"))
    view.history = [
        entry
        for _key, entry in sorted(
            kept.items(), key=lambda item: int(item[0]) if str(item[0]).isdigit() else 0
        )
        if isinstance(entry, dict)
    ]
    number = _number(state.get("number"))
    view.session_number = int(number) if number and number >= 1 else 1
    return view


def _decisions(value: Any) -> tuple[Decision, ...]:
    """A card's kept decisions (server-written, read tolerantly all the same)."""
    if not isinstance(value, list):
        return ()
    kept: list[Decision] = []
    for entry in value:
        if not isinstance(entry, dict) or entry.get("decision") not in ("approve", "reject"):
            continue
        kept.append(
            Decision(
                # Who decided: their participant id (by name when none was kept).
                person=_text(entry.get("person"), 200) or "name:" + _text(entry.get("name"), 200),
                name=_text(entry.get("name"), 200),
                department=_text(entry.get("department"), 200),
                role=_text(entry.get("role"), 40),
                decision=str(entry["decision"]),
                comment=_text(entry.get("comment"), 2000),
                at_ms=int(_number(entry.get("at_ms")) or 0),
            )
        )
    return tuple(kept)


def _rating(value: Any) -> Rating | None:
    if not isinstance(value, dict):
        return None
    numbers = [
        _number(value.get(key))
        for key in ("effort", "impact", "n", "effort_spread", "impact_spread")
    ]
    if any(number is None for number in numbers):
        return None
    effort, impact, n, effort_spread, impact_spread = (float(x or 0) for x in numbers)
    return Rating(
        effort, impact, int(n), effort_spread, impact_spread, _text(value.get("quadrant"))
    )
