"""The compiled workshop summary: one report model, rendered as HTML and as Markdown.

`build_report` reads a `BoardView` into a `Report`, which holds every word and number the report
says, already formatted (exports/numbers.py). The templates in exports/templates/ only lay it
out, so the HTML, the Markdown and the PDF (which prints the HTML) say the same things.

The HTML template is rendered by Jinja2 with autoescape and is well-formed XML as well as HTML
(XHTML-style empty elements, no named entities, inline SVG charts), with no script at all; its
stylesheets are files beside it, inlined. The Markdown template escapes every value for the
place it stands in (exports/markdown.py) by default.

Every card's text appears once in the report, outside the charts: pain points and solutions are
numbered (P1, S1) in their own sections, and the map, the plan and "left open" refer to them by
those numbers.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

import jinja2
from babel import dates
from markupsafe import Markup

from journeyboard import i18n, schema
from journeyboard.collation import sort_key
from journeyboard.exports import charts, comparison, heat, markdown
from journeyboard.exports.numbers import local_decimal, signed_whole
from journeyboard.i18n import N_, _, ngettext
from journeyboard.workshop.boardview import (
    BoardView,
    Card,
    Decision,
    Measured,
    Person,
    Stage,
    channel_title,
    day_title,
    quadrant_title,
)
from journeyboard.workshop.phases import phases

STYLESHEETS: Final = ("report.css", "print.css")
"""Inlined into the HTML in this order; one that does not exist (yet) is skipped."""

NO_DEPARTMENT: Final = N_("No department given")
STATUSES: Final = (N_("open"), N_("doing"), N_("done"))
"""The plan's progress values the board offers, shown in the report's language; any other as
written. Decisions are not a status: they come from the `decide` command (RULINGS.md)."""
DECISION_TITLES: Final = {"approve": N_("Approved"), "reject": N_("Rejected")}


@dataclass(frozen=True, slots=True)
class Fact:
    label: str
    value: str


@dataclass(frozen=True, slots=True)
class Department:
    name: str
    people: tuple[str, ...]  # "Anna Virtanen (facilitator)"


@dataclass(frozen=True, slots=True)
class CardEntry:
    """A card in the map: its text and what the board shows beside it."""

    id: str
    text: str
    details: tuple[
        str, ...
    ]  # "phone", "moment of truth", "KPI: …", "NPS +12", "feeling -2" (a true minus), "Claims"


@dataclass(frozen=True, slots=True)
class Lane:
    heading: str
    cards: tuple[CardEntry, ...]


@dataclass(frozen=True, slots=True)
class StageSection:
    title: str  # "2. Reporting the claim", or "Unplaced"
    lanes: tuple[Lane, ...]
    pains: tuple[str, ...]  # the numbers of its pain points: "P1", "P4"
    solutions: tuple[str, ...]
    column_start: bool = False
    """The printed map's second column starts here (`_balance_map`)."""


@dataclass(frozen=True, slots=True)
class CurvePoint:
    stage: str
    median: str  # "-2.5" with a true minus; "—" when the stage has no scored feeling
    lowest: str
    highest: str
    feelings: int


@dataclass(frozen=True, slots=True)
class Pain:
    ref: str  # "P1"
    id: str
    text: str
    votes: str  # "5", or "—" when the votes were not revealed
    stage: str
    solutions: tuple[str, ...]  # "S2"


@dataclass(frozen=True, slots=True)
class Solution:
    """A row of the action plan, with the rating that placed it in the matrix."""

    ref: str  # "S1"
    id: str
    text: str
    owner: str
    due: str
    decision: str  # each person's standing decision with who and when, or "—"
    progress: str  # "open", "doing", "done" (the card's status) in the report's language
    answers: str  # "P3", or "—"
    quadrant: str  # "Quick win", or "not rated"
    effort: str  # "3.0 ± 0.7", or "—"
    impact: str
    raters: str


@dataclass(frozen=True, slots=True)
class PlanColumn:
    """A column of the action plan after the solution's text: the `Solution` field it shows,
    its heading (translated) and its cells' class."""

    field: str
    heading: str
    css: str = ""


PLAN_COLUMNS: Final = (
    ("owner", N_("Owner"), ""),
    ("due", N_("Due"), "date"),
    ("decision", N_("Decision"), ""),
    ("progress", N_("Progress"), ""),
    ("answers", N_("Answers"), ""),
    ("quadrant", N_("Quadrant"), ""),
    ("effort", N_("Effort (1 to 5)"), "number"),
    ("impact", N_("Impact (1 to 5)"), "number"),
    ("raters", N_("Raters"), "number"),
)
"""The action plan's columns after the solution's text, in order."""

RATING_FIELDS: Final = frozenset({"quadrant", "effort", "impact", "raters"})
"""The plan's columns that come from the ratings, left out while they are not revealed."""

PLAN_WIDE: Final = (26, 8, 70)
"""The solution column's width in %, when columns are left out: 26, and 8 more for each
column left out, at most 70 (an inline style, on paper and on screen alike)."""


@dataclass(frozen=True, slots=True)
class Plan:
    """Which of the action plan's columns say something. A column in which no solution has a
    value (an owner, a due date, a decision, ...) is left out and named in a note, so that a
    plan not yet made is not a page of dashes; the ratings' columns are left out while the
    ratings are not revealed, and the note says that instead."""

    columns: tuple[PlanColumn, ...]
    left_out: str  # the blank ones: "Owner, Due and Raters", or ""

    @property
    def wide(self) -> int:
        """The solution column's width in %, when columns were left out (0: print.css's)."""
        start, step, most = PLAN_WIDE
        left_out = len(PLAN_COLUMNS) - len(self.columns)
        return min(most, start + step * left_out) if left_out else 0


def _plan(solutions: Sequence[Solution], ratings_revealed: bool) -> Plan:
    shown: list[PlanColumn] = []
    blank: list[str] = []
    unrated = _("not rated")
    for field, heading, css in PLAN_COLUMNS:
        if field in RATING_FIELDS and not ratings_revealed:
            continue  # the template says the ratings were not revealed
        nothing = unrated if field == "quadrant" else "—"
        if any(getattr(solution, field) != nothing for solution in solutions):
            shown.append(PlanColumn(field, _(heading), css))
        else:
            blank.append(_(heading))
    return Plan(tuple(shown), _and(blank))


@dataclass(frozen=True, slots=True)
class Moved:
    """A solution rated in the earlier session and in this one (the follow-up workshop)."""

    ref: str  # "S2"
    before: str  # "Big bet (effort 4.3, impact 4.3)"
    now: str
    decided: str  # the standing decisions, as the plan shows them


SUMMARY_SHOWN: Final = 5
"""Page 1 names at most this many solutions of each kind (quick wins, big bets, approved,
rejected, disputed) and says how many more there are: it is a summary, and the action plan
lists them all. A 2,000-card board with its plan filled in had 250 solutions under "Summary"."""


@dataclass(frozen=True, slots=True)
class Listed:
    """The first `SUMMARY_SHOWN` texts of one of the summary's lists, and how many more."""

    shown: tuple[str, ...] = ()
    more: int = 0

    def __bool__(self) -> bool:
        return bool(self.shown)


def _listed(texts: Sequence[str]) -> Listed:
    return Listed(tuple(texts[:SUMMARY_SHOWN]), max(0, len(texts) - SUMMARY_SHOWN))


@dataclass(frozen=True, slots=True)
class Summary:
    """Page 1's conclusions, by their text (the sections after it give the details)."""

    curve_chart: Markup  # the emotion curve, small
    top_pains: tuple[str, ...]  # "Slow claim form (5 votes)", the three most voted
    quick_wins: Listed  # the most impact first
    big_bets: Listed  # the most impact first
    approved: Listed  # every standing decision approves (in the plan's order)
    rejected: Listed  # every standing decision rejects
    disputed: Listed = Listed()  # the deciders disagree


@dataclass(frozen=True, slots=True)
class ReviewerDecision:
    ref: str  # "S2" (the plan gives its text: each card's text is printed once)
    decision: str  # "Approved"
    day: str  # as the language writes a date
    comment: str


@dataclass(frozen=True, slots=True)
class Reviewer:
    """The decisions one person made (their standing ones), for "Decisions by reviewer"."""

    name: str  # "Rita Berg (Finance)"
    decisions: tuple[ReviewerDecision, ...]


@dataclass(frozen=True, slots=True)
class Report:
    """Everything the summary says, formatted, in the order it says it."""

    title: str
    language: str  # what the report's own words are in: "sv", "nb", "da" or "en"
    written: str  # "19 november 2025 08:40 UTC" (sv), when the report was made
    held: str  # "2025-11-19", the day the first participant joined (or the report's day)
    phase: str  # its title: "Action plan"
    facts: tuple[Fact, ...]
    people_count: int
    departments: tuple[Department, ...]
    stages: tuple[StageSection, ...]
    curve: tuple[CurvePoint, ...]
    curve_chart: Markup
    moments_of_truth: int
    moment_stages: str  # "Incident and Assessment"
    votes_revealed: bool
    pains: tuple[Pain, ...]
    ratings_revealed: bool
    matrix_chart: Markup | None
    solutions: tuple[Solution, ...]
    plan: Plan
    left_open: tuple[str, ...]
    summary: Summary
    reviewers: tuple[Reviewer, ...] = ()
    earlier_session: int = 0  # the number of the session compared with, 0 for none
    moved: tuple[Moved, ...] = ()
    effects: tuple[comparison.Effect, ...] = ()  # solutions done, after a follow-up
    inspiration: tuple[comparison.Inspiration, ...] = ()
    long_map: bool = False
    """The printed map takes more than `MAP_LONG_PAGES` pages: it is printed in one column."""
    heat_chart: Markup | None = None  # touchpoints coloured by a metric (exports/heat.py)


def _summary(view: BoardView, pains: Sequence[Card], solutions: Sequence[Card]) -> Summary:
    voted = [c for c in pains if c.votes > 0] if view.votes_revealed else []

    def in_quadrant(name: str) -> Listed:
        if not view.ratings_revealed:
            return Listed()
        placed = [
            (-c.rating.impact, c.rating.effort, c.text)
            for c in solutions
            if c.rating is not None and c.rating.quadrant == name
        ]
        placed.sort(key=lambda entry: entry[:2])  # stable: ties keep the plan's order
        return _listed([text for _impact, _effort, text in placed])

    def decided(outcome: str) -> Listed:
        return _listed([c.text for c in solutions if c.outcome == outcome])

    return Summary(
        curve_chart=Markup(charts.to_string(charts.emotion_curve(view, 520, 150))),
        top_pains=tuple(
            ngettext("%(text)s (%(num)s vote)", "%(text)s (%(num)s votes)", c.votes, text=c.text)
            for c in voted[:3]
        ),
        quick_wins=in_quadrant("quick_win"),
        big_bets=in_quadrant("big_bet"),
        approved=decided("approved"),
        rejected=decided("rejected"),
        disputed=decided("disputed"),
    )


def _who(decision: Decision) -> str:
    if decision.department.strip():
        return _("%(name)s (%(department)s)", name=decision.name, department=decision.department)
    return decision.name


def _decision_cell(card: Card) -> str:
    """ "Approved by Rita (Finance), 30 Jan 2026; Rejected by Sven (Sales), 2 Feb 2026"."""
    return (
        "; ".join(
            _(
                "%(decision)s by %(who)s, %(day)s",
                decision=_(DECISION_TITLES[d.decision]),
                who=_who(d),
                day=day_title(d.day),
            )
            for d in card.standing
        )
        or "—"
    )


def _placed(rating: dict[str, Any]) -> str:
    """ "Big bet (effort 4.3, impact 4.3)" from a rating summary as the session keeps it."""
    effort, impact = rating.get("effort"), rating.get("impact")
    if not isinstance(effort, int | float) or not isinstance(impact, int | float):
        return "—"
    return _(
        "%(quadrant)s (effort %(effort)s, impact %(impact)s)",
        quadrant=quadrant_title(str(rating.get("quadrant", ""))),
        effort=local_decimal(float(effort)),
        impact=local_decimal(float(impact)),
    )


def _moved(view: BoardView, solutions: Sequence[Card], refs: dict[str, str]) -> tuple[Moved, ...]:
    """After a follow-up: each solution the earlier session rated, where it stood then and where
    it stands now (when this session's ratings are revealed)."""
    if not view.history:
        return ()
    earlier = view.history[-1]
    shown = earlier.get("revealed")
    before = earlier.get("ratings") if isinstance(shown, dict) and shown.get("ratings") else {}
    if not isinstance(before, dict):
        return ()
    moved: list[Moved] = []
    for card in solutions:
        then = before.get(card.id)
        if not isinstance(then, dict):
            continue
        rating = card.rating
        now = (
            _placed({"effort": rating.effort, "impact": rating.impact, "quadrant": rating.quadrant})
            if rating is not None
            else _("not rated")
        )
        moved.append(Moved(refs[card.id], _placed(then), now, _decision_cell(card)))
    return tuple(moved)


def _progress(card: Card) -> str:
    progress = card.progress
    return _(progress) if progress in STATUSES else progress


def _reviewers(solutions: Sequence[Card], refs: dict[str, str]) -> tuple[Reviewer, ...]:
    """Each person's standing decisions, people in the language's alphabetical order."""
    by_person: dict[str, tuple[str, list[ReviewerDecision]]] = {}
    for card in solutions:
        for d in card.standing:
            entry = by_person.setdefault(d.person, (_who(d), []))
            entry[1].append(
                ReviewerDecision(
                    refs[card.id],
                    _(DECISION_TITLES[d.decision]),
                    day_title(d.day),
                    d.comment,
                )
            )
    collate = sort_key(i18n.current())
    people = sorted(by_person.values(), key=lambda entry: collate(entry[0]))
    return tuple(Reviewer(name, tuple(decisions)) for name, decisions in people)


def _heat_chart(view: BoardView) -> Markup | None:
    """The touchpoints coloured by the heat map's metric, or None when none is measured."""
    hm = heat.heat_map(view, view.heat_metric)
    return None if hm is None else Markup(charts.to_string(heat.heat_chart(view, hm)))


def _when(now_ms: int) -> datetime:
    return datetime.fromtimestamp(now_ms / 1000, UTC)


def _written(now_ms: int) -> str:
    """When the report was made, as the language writes a date and a time: "19 november 2025
    08:40 UTC" (sv)."""
    when = _when(now_ms)
    day = dates.format_date(when.date(), "long", locale=i18n.current())
    time = dates.format_time(when, "short", tzinfo=UTC, locale=i18n.current())
    return f"{day} {time} UTC"


def _day(now_ms: int) -> str:
    return dates.format_date(_when(now_ms).date(), "long", locale=i18n.current())


def _report_lanes() -> tuple[tuple[str, str], ...]:
    """(kind, heading) of the lanes the map lists card by card (shared_schema/lanes.json)."""
    return tuple(
        (lane["kind"], _(lane["report_heading"]))
        for lane in schema.load("lanes.json")["lanes"]
        if lane["report_heading"] is not None
    )


def _lane_kind(card: Card) -> str:
    """The lane a card sits in on the board: a kind the lanes do not list goes to the notes."""
    lanes = schema.load("lanes.json")
    known = {lane["kind"] for lane in lanes["lanes"]}
    return card.kind if card.kind in known else str(lanes["unknown_kind"])


def _measured(value: Measured) -> str:
    """ "NPS +12, measured Jan 1, 2026"; "Wait time 4.5 min, measured ..." (a KPI's own name)."""
    name = value.metric.upper() if value.metric in ("nps", "csat", "ces") else value.metric
    number = signed_whole(value.value) if value.metric == "nps" else local_decimal(value.value)
    amount = f"{number} {value.unit}" if value.unit else number
    return _(
        "%(metric)s %(value)s, measured %(day)s",
        metric=name,
        value=amount,
        day=day_title(value.date) or "—",
    )


def _details(card: Card, measured: Sequence[Measured] = ()) -> tuple[str, ...]:
    details: list[str] = []
    if card.kind == "touchpoint":
        if card.get_text("channel"):
            details.append(channel_title(card.get_text("channel")))
        if card.moment_of_truth:
            details.append(_("moment of truth"))
        if card.get_text("kpi").strip():
            details.append(_("KPI: %(kpi)s", kpi=card.get_text("kpi").strip()))
        nps = card.fields.get("nps")
        if isinstance(nps, int | float) and not isinstance(nps, bool):
            details.append(_("NPS %(score)s", score=signed_whole(nps)))
    if card.kind == "feeling" and card.emotion is not None:
        details.append(_("feeling %(score)s", score=signed_whole(card.emotion)))
    if card.kind == "backstage" and card.get_text("department"):
        details.append(card.get_text("department"))
    if card.kind == "touchpoint":
        details.extend(_measured(value) for value in measured)
    return tuple(details)


def _departments(people: Sequence[Person]) -> tuple[Department, ...]:
    groups: dict[str, list[str]] = {}
    nobody = _(NO_DEPARTMENT)
    for person in people:
        facilitator = person.role == "facilitator"
        name = _("%(name)s (facilitator)", name=person.name) if facilitator else person.name
        groups.setdefault(person.department.strip() or nobody, []).append(name)
    # Departments in the language's alphabetical order (å, ä, ö after z in Swedish).
    collate = sort_key(i18n.current())
    order = sorted(groups, key=lambda d: (d == nobody, collate(d)))
    return tuple(Department(name, tuple(groups[name])) for name in order)


def _rating_cells(card: Card) -> tuple[str, str, str, str]:
    rating = card.rating
    if rating is None:
        return (_("not rated"), "—", "—", "—")
    return (
        quadrant_title(rating.quadrant),
        f"{local_decimal(rating.effort)} ± {local_decimal(rating.effort_spread)}",
        f"{local_decimal(rating.impact)} ± {local_decimal(rating.impact_spread)}",
        str(rating.n),
    )


def _ranked_pains(view: BoardView) -> list[Card]:
    return sorted(view.of_kind("pain"), key=lambda c: (-c.votes, c.stage.order or 10**9, c.pos))


def _ranked_solutions(view: BoardView) -> list[Card]:
    return sorted(
        view.of_kind("solution"),
        key=lambda c: (c.rating is None, -(c.rating.impact if c.rating else 0), c.pos),
    )


def _curve(view: BoardView) -> tuple[CurvePoint, ...]:
    points: list[CurvePoint] = []
    for stage, entry in zip(view.stages, view.emotion_curve(), strict=True):
        if entry is None:
            points.append(CurvePoint(stage.name, "—", "—", "—", 0))
        else:
            _stage, median, low, high, n = entry
            points.append(
                CurvePoint(
                    stage.name,
                    local_decimal(median, signed=True),
                    signed_whole(low),
                    signed_whole(high),
                    n,
                )
            )
    return tuple(points)


def _and(names: Sequence[str]) -> str:
    """ "A", "A and B", "A, B and C"."""
    if len(names) < 2:
        return "".join(names)
    return _("%(first)s and %(last)s", first=", ".join(names[:-1]), last=names[-1])


def _stage_title(stage: Stage) -> str:
    return f"{stage.order}. {stage.name}" if stage.order else stage.name


MAP_COLUMN_LINES: Final = 53
"""Lines of card text (8.5 pt, print.css) one column of the printed map holds on an A4 page."""
MAP_LINE_CHARS: Final = 44
"""Characters of card text on one line of such a column, about (83 mm less padding)."""
MAP_FILL: Final = 0.85
"""The share of a column the estimate may fill before the map's columns are left to flow."""
MAP_LONG_PAGES: Final = 3
"""Pages of two columns past which the printed map is one column (`long_map`)."""


def _long_map(stages: Sequence[StageSection]) -> bool:
    """Whether the printed map would take more than `MAP_LONG_PAGES` pages in two columns.

    WeasyPrint lays every page of a multi-column flow out at least twice (to fill the
    columns, then to place them) and measures what follows each full column at an unbounded
    height: over a third of a 2,000-card report's time went to the map's columns (issue #30).
    A map that long is a listing rather than a page to take in at a glance, so it is printed
    in one column, its lines twice as long.
    """
    total = sum(_estimated_lines(stage) for stage in stages)
    return total > MAP_LONG_PAGES * 2 * MAP_COLUMN_LINES


def _estimated_lines(stage: StageSection) -> float:
    """How many map lines a stage takes on paper, about: its heading, padding and margin;
    each lane's heading; each card's wrapped text and details; the reference lines."""
    lines = 3.3
    for lane in stage.lanes:
        lines += 1.7
        for card in lane.cards:
            chars = len(card.text) + sum(len(detail) + 3 for detail in card.details)
            lines += math.ceil(max(chars, 1) / MAP_LINE_CHARS) + 0.15
    return lines + math.ceil(len(stage.pains) / 8) + math.ceil(len(stage.solutions) / 8)


def _balance_map(stages: list[StageSection]) -> list[StageSection]:
    """Mark where the printed map's second column starts, when the whole map fits one page.

    print.css fills the map's two columns in order (`column-fill: auto`): WeasyPrint's own
    balancing lays the map out again and again until the columns even out, which took two
    thirds of a 45-card report's time (issue #30). A map of one page is balanced here
    instead, from an estimate of each stage's height: its second column starts at the stage
    that evens the two out best. A longer map flows over its pages and fills each column in
    turn; so does one whose estimate leaves too little room for an error.
    """
    weights = [_estimated_lines(stage) for stage in stages]
    total = sum(weights)
    if len(stages) < 2 or total > 2 * MAP_COLUMN_LINES * MAP_FILL:
        return stages
    best, best_height, left = 0, total, 0.0
    for index, weight in enumerate(weights[:-1], 1):
        left += weight
        height = max(left, total - left)
        if height < best_height:
            best, best_height = index, height
    if best == 0 or best_height > MAP_COLUMN_LINES * MAP_FILL:
        return stages
    stages[best] = dataclasses.replace(stages[best], column_start=True)
    return stages


def build_report(view: BoardView, now_ms: int) -> Report:
    """What the report of this board says, with every number formatted by the shared rule."""
    pains = _ranked_pains(view)
    solutions = _ranked_solutions(view)
    pain_ref = {card.id: f"P{index}" for index, card in enumerate(pains, 1)}
    solution_ref = {card.id: f"S{index}" for index, card in enumerate(solutions, 1)}
    answered_by: dict[str, list[str]] = {}
    for card in solutions:
        if card.get_text("pain") in pain_ref:
            answered_by.setdefault(card.get_text("pain"), []).append(solution_ref[card.id])

    sections: list[StageSection] = []
    for stage in view.columns():
        in_stage = view.cards_in(stage)
        lanes = tuple(
            Lane(
                heading,
                tuple(
                    CardEntry(c.id, c.text, _details(c, view.measured.get(c.id, ()))) for c in cards
                ),
            )
            for kind, heading in _report_lanes()
            if (cards := [c for c in in_stage if _lane_kind(c) == kind])
        )
        sections.append(
            StageSection(
                _stage_title(stage),
                lanes,
                tuple(pain_ref[c.id] for c in view.cards_in(stage, "pain")),
                tuple(solution_ref[c.id] for c in view.cards_in(stage, "solution")),
            )
        )

    sections = _balance_map(sections)
    people = [p for p in view.people if not p.removed]
    first_join = min((p.joined_at_ms for p in people if p.joined_at_ms > 0), default=now_ms)
    moments = [c for c in view.of_kind("touchpoint") if c.moment_of_truth]
    left_open = [
        _("%(ref)s (%(stage)s): no solution proposed", ref=pain_ref[c.id], stage=c.stage.name)
        for c in pains
        if c.id not in answered_by
    ]
    for c in solutions:
        if not c.standing:
            left_open.append(_("%(ref)s: no decision yet", ref=solution_ref[c.id]))
    unplaced = len(view.cards_in(view.unplaced))
    if unplaced:
        left_open.append(
            ngettext(
                "%(num)s card sits in no stage (%(unplaced)s, at the end of the map)",
                "%(num)s cards sit in no stage (%(unplaced)s, at the end of the map)",
                unplaced,
                unplaced=view.unplaced.name,
            )
        )
    plan_rows = tuple(
        Solution(
            solution_ref[c.id],
            c.id,
            c.text,
            c.get_text("owner") or "—",
            day_title(c.due) or "—",
            _decision_cell(c),
            _progress(c),
            pain_ref.get(c.get_text("pain"), "—"),
            *_rating_cells(c),
        )
        for c in solutions
    )
    return Report(
        title=view.title or _("Customer journey workshop"),
        language=i18n.current(),
        written=_written(now_ms),
        held=_day(first_join),
        # The phase's name ("Action plan"), never its raw value ("action_plan").
        phase=_(phase_known.title) if (phase_known := phases().get(view.phase)) else view.phase,
        facts=(
            Fact(_("Persona"), view.persona or "—"),
            Fact(_("Scope"), view.scope or "—"),
            Fact(_("Customer goal"), view.customer_goal or "—"),
        ),
        people_count=len(people),
        departments=_departments(people),
        stages=tuple(sections),
        long_map=_long_map(sections),
        curve=_curve(view),
        curve_chart=Markup(charts.to_string(charts.emotion_curve(view))),
        heat_chart=_heat_chart(view),
        moments_of_truth=len(moments),
        moment_stages=_and(list(dict.fromkeys(c.stage.name for c in moments))),
        votes_revealed=view.votes_revealed,
        pains=tuple(
            Pain(
                pain_ref[c.id],
                c.id,
                c.text,
                str(c.votes) if view.votes_revealed else "—",
                c.stage.name,
                tuple(answered_by.get(c.id, ())),
            )
            for c in pains
        ),
        ratings_revealed=view.ratings_revealed,
        # Points labelled by their codes, so each solution's text is printed once (in the plan).
        matrix_chart=Markup(
            charts.to_string(charts.matrix_chart(view, labels=solution_ref).element)
        )
        if view.ratings_revealed
        else None,
        solutions=plan_rows,
        plan=_plan(plan_rows, view.ratings_revealed),
        left_open=tuple(left_open),
        summary=_summary(view, pains, solutions),
        reviewers=_reviewers(solutions, solution_ref),
        earlier_session=int(view.history[-1].get("number", 0) or 0) if view.history else 0,
        moved=_moved(view, solutions, solution_ref),
        effects=comparison.effects(view, solutions, solution_ref),
        inspiration=comparison.inspirations(view),
    )


# -- rendering -----------------------------------------------------------------------------


def _xml_clean(value: Any) -> Any:
    """Every value a template writes, rid of what XML 1.0 forbids. Markup too: a translated
    message (`_()` with newstyle gettext) is Markup with people's text escaped into it, and
    escaping leaves control characters in place."""
    if isinstance(value, Markup):
        return Markup(charts.xml_text(str(value)))
    return charts.xml_text(value) if isinstance(value, str) else value


class MarkdownText(str):
    """Text already escaped for its place in a Markdown document."""

    __slots__ = ()


def _markdown_filter(escape: Callable[[str], str]) -> Callable[[object], MarkdownText]:
    def apply(value: object) -> MarkdownText:
        return MarkdownText(escape(str(value)))

    return apply


def _markdown_default(value: Any) -> Any:
    """Whatever a template writes without a filter is escaped for a table cell (the strictest)."""
    if isinstance(value, MarkdownText) or not isinstance(value, str):
        return value
    return markdown.cell(value)


def _loader() -> jinja2.BaseLoader:
    return jinja2.PackageLoader("journeyboard.exports", "templates")


def _install_catalogues(env: jinja2.Environment) -> None:
    """Jinja2's i18n extension over the server's catalogues: `_()` and `ngettext()` in a
    template look up in the language being rendered (`i18n.using`)."""
    env.install_gettext_callables(  # type: ignore[attr-defined]
        i18n.gettext_raw, i18n.ngettext_raw, newstyle=True
    )


@functools.cache
def html_environment() -> jinja2.Environment:
    """The HTML templates' environment: autoescape on, every value XML-clean."""
    env = jinja2.Environment(
        loader=_loader(),
        extensions=["jinja2.ext.i18n"],
        autoescape=True,
        finalize=_xml_clean,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    _install_catalogues(env)
    return env


@functools.cache
def markdown_environment() -> jinja2.Environment:
    """The Markdown templates' environment: every value escaped for Markdown by default."""
    env = jinja2.Environment(
        loader=_loader(),
        extensions=["jinja2.ext.i18n"],
        autoescape=False,
        finalize=_markdown_default,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        md_block=_markdown_filter(markdown.block),
        md_inline=_markdown_filter(markdown.inline),
        md_cell=_markdown_filter(markdown.cell),
        md_heading=_markdown_filter(markdown.heading),
    )
    _install_catalogues(env)
    return env


def stylesheet(name: str) -> str:
    """A stylesheet beside the templates, checked to be safe inside <style> in HTML and XML."""
    source = _loader().get_source(html_environment(), name)[0]
    if "<" in source or "&" in source:
        raise ValueError(f"{name} may not contain '<' or '&' (it is inlined in XHTML)")
    return source


def _stylesheets(names: Sequence[str]) -> Markup:
    available = set(html_environment().list_templates())
    return Markup("\n".join(stylesheet(name) for name in names if name in available))


def css_string(text: str) -> str:
    """Text as a quoted CSS string, safe inside <style> in HTML and XML (no quote, backslash,
    less-than sign, ampersand or line break left as itself)."""
    escaped = "".join(f"\\{ord(c):x} " if c in '"\\<>&\n\r' else c for c in text)
    return f'"{escaped}"'


def page_css() -> Markup:
    """The running header and footer of the printed report, in the language being rendered
    (print.css names them in English; this rule comes after it)."""
    header = css_string(_("Customer journey workshop summary"))
    # "Page 3 of 7": the numbers are CSS counters, placed where the language puts them.
    footer = _("Page %(page)s of %(pages)s", page="\x00", pages="\x01")
    counters = {"\x00": "counter(page)", "\x01": "counter(pages)"}
    parts = re.split("([\x00\x01])", footer)
    content = " ".join(counters[part] if part in counters else css_string(part) for part in parts)
    return Markup(
        f"@page {{ @top-right {{ content: {header}; }} @bottom-right {{ content: {content}; }} }}"
        f"@page :first {{ @top-right {{ content: none; }} }}"
    )


def report_html(
    view: BoardView,
    now_ms: int,
    *,
    stylesheets: Sequence[str] = STYLESHEETS,
    paper: bool = False,
) -> str:
    """The report as one self-contained HTML page (also well-formed XML). `paper`: the markup
    the PDF is laid out from, which looks the same with fewer boxes (chapter.html.j2)."""
    page = html_environment().get_template("report.html.j2")
    return page.render(
        report=build_report(view, now_ms),
        css=_stylesheets(stylesheets),
        page_css=page_css(),
        paper=paper,
    )


def report_markdown(view: BoardView, now_ms: int) -> str:
    """The report as Markdown that reads the same raw and rendered."""
    page = markdown_environment().get_template("report.md.j2")
    return page.render(report=build_report(view, now_ms))


# A workshop of several journeys: the portfolio's comparison first, then a chapter per journey.

RELATION_TITLES: Final = {
    "root": N_("Overview"),
    "persona": N_("Persona variant"),
    "detail": N_("Detailed journey"),
    "to_be": N_("To-be journey"),
}
"""What the report calls each kind of journey (translated when the report is rendered)."""


@dataclass(frozen=True, slots=True)
class JourneyPlace:
    """Where a journey sits in its workshop, as the report names it."""

    relation: str
    parent_title: str
    stage_name: str
    persona: str


@dataclass(frozen=True, slots=True)
class PortfolioRow:
    title: str
    kind: str
    place: str
    persona: str
    phase: str
    cards: int
    pains: int
    solutions: int
    curve: str
    """The feelings' median per stage ("Stage +1.5 · Stage -2.0"), or "" when none."""


def portfolio_rows(journeys: Sequence[tuple[BoardView, JourneyPlace]]) -> list[PortfolioRow]:
    rows = []
    for view, place in journeys:
        where = ""
        if place.relation == "detail":
            where = _(
                "%(journey)s: %(stage)s",
                journey=place.parent_title,
                stage=place.stage_name or _("a stage"),
            )
        elif place.relation in ("persona", "to_be"):
            where = place.parent_title
        curve = " · ".join(
            f"{point[0].name} {local_decimal(point[1], signed=True)}"
            for point in view.emotion_curve()
            if point is not None
        )
        known = phases().get(view.phase)
        rows.append(
            PortfolioRow(
                title=view.title,
                kind=_(RELATION_TITLES[place.relation])
                if place.relation in RELATION_TITLES
                else place.relation,
                place=where,
                persona=place.persona or view.persona,
                phase=_(known.title) if known else view.phase,
                cards=len(view.cards),
                pains=len(view.of_kind("pain")),
                solutions=len(view.of_kind("solution")),
                curve=curve,
            )
        )
    return rows


def _workshop_context(
    journeys: Sequence[tuple[BoardView, JourneyPlace]], now_ms: int
) -> dict[str, Any]:
    chapters = [build_report(view, now_ms) for view, _ in journeys]
    return {
        "title": chapters[0].title,
        "language": i18n.current(),
        "portfolio": portfolio_rows(journeys),
        "chapters": chapters,
    }


def workshop_html(
    journeys: Sequence[tuple[BoardView, JourneyPlace]],
    now_ms: int,
    *,
    stylesheets: Sequence[str] = STYLESHEETS,
    paper: bool = False,
) -> str:
    """The report of a workshop of several journeys as one HTML page: the portfolio's
    comparison, then each journey's summary as a chapter (the root's first). `paper`: as for
    `report_html`."""
    page = html_environment().get_template("workshop.html.j2")
    return page.render(
        css=_stylesheets(stylesheets),
        page_css=page_css(),
        paper=paper,
        **_workshop_context(journeys, now_ms),
    )


def workshop_markdown(journeys: Sequence[tuple[BoardView, JourneyPlace]], now_ms: int) -> str:
    """The workshop's report as Markdown, in the order of `workshop_html`."""
    page = markdown_environment().get_template("workshop.md.j2")
    return page.render(**_workshop_context(journeys, now_ms))
