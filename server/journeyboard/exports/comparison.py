"""What the report says of a follow-up workshop beyond the ratings that moved: the effect of
each solution that was done, with its touchpoints' measured values before and after the
follow-up started; and the inspiration cards, each with its source.

A solution's touchpoints are the touchpoint cards of the stage its pain point sits in (or of
its own stage when it answers none): that is where the map says the pain is felt, and where a
measured value can show that it eased (docs/DECISIONS.md). "Before" is a metric's latest value
dated on or before the day the follow-up started; "after" its latest value dated since.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from journeyboard.exports.links import safe_link
from journeyboard.exports.numbers import local_decimal, signed_whole
from journeyboard.i18n import _
from journeyboard.workshop.boardview import BoardView, Card, day_title


@dataclass(frozen=True, slots=True)
class MetricChange:
    """One metric at one touchpoint, before the follow-up and since."""

    touchpoint: str  # the touchpoint card's text
    metric: str  # "NPS", or a KPI's own name
    before: str  # "+12 (Jan 1, 2026)" or "—"
    after: str


@dataclass(frozen=True, slots=True)
class Effect:
    """A solution that was done: what the group saw it do, and what the numbers say."""

    ref: str  # "S2" (the plan gives its text)
    effect: str  # the content field `effect`, or "" when nobody wrote one
    metrics: tuple[MetricChange, ...]


@dataclass(frozen=True, slots=True)
class Inspiration:
    """An inspiration card: an example from elsewhere, with where it came from."""

    id: str
    text: str
    stage: str
    source: str  # as written, shown as text
    href: str | None  # the source as a link: http and https only (RULINGS.md), else None


def started_day(view: BoardView) -> str:
    """The day (yyyy-mm-dd, UTC) the current session started, "" before any follow-up."""
    if not view.history:
        return ""
    ended = view.history[-1].get("ended_at_ms")
    if not isinstance(ended, int | float) or isinstance(ended, bool):
        return ""
    return datetime.datetime.fromtimestamp(ended / 1000, datetime.UTC).date().isoformat()


def _points(entry: Any) -> list[tuple[str, float]]:
    if not isinstance(entry, Mapping):
        return []
    points: list[tuple[str, float]] = []
    for point in entry.get("points") or []:
        if not isinstance(point, Mapping):
            continue
        day, value = point.get("date"), point.get("value")
        if isinstance(day, str) and isinstance(value, int | float) and not isinstance(value, bool):
            points.append((day, float(value)))
    return sorted(points)


def _amount(metric: str, value: float, unit: str) -> str:
    number = signed_whole(value) if metric == "nps" else local_decimal(value)
    return f"{number} {unit}" if unit else number


def before_after(
    metric: str, entry: Any, since: str
) -> tuple[tuple[str, float] | None, tuple[str, float] | None]:
    """A series' latest point dated on or before `since` and its latest point after it."""
    points = _points(entry)
    before = [point for point in points if point[0] <= since]
    after = [point for point in points if point[0] > since]
    return (before[-1] if before else None), (after[-1] if after else None)


def _shown(metric: str, point: tuple[str, float] | None, unit: str) -> str:
    """ "+12 (1 Jan 2026)", or "—" when there is no value."""
    if point is None:
        return "—"
    return _("%(value)s (%(day)s)", value=_amount(metric, point[1], unit), day=day_title(point[0]))


def _changes(view: BoardView, touchpoints: Sequence[Card], since: str) -> list[MetricChange]:
    changes: list[MetricChange] = []
    for touchpoint in touchpoints:
        series = view.series.get(touchpoint.id)
        if not isinstance(series, Mapping):
            continue
        for metric, entry in sorted(series.items()):
            before, after = before_after(str(metric), entry, since)
            if before is None and after is None:
                continue
            unit = str(entry.get("unit") or "") if isinstance(entry, Mapping) else ""
            name = str(metric).upper() if metric in ("nps", "csat", "ces") else str(metric)
            shown = [_shown(str(metric), point, unit) for point in (before, after)]
            changes.append(MetricChange(touchpoint.text, name, *shown))
    return changes


def solution_touchpoints(view: BoardView, solution: Card) -> list[Card]:
    """The touchpoints of the stage the solution's pain point sits in (or its own stage)."""
    pain = view.card_by_id.get(solution.get_text("pain"))
    stage = pain.stage if pain is not None else solution.stage
    return list(view.cards_in(stage, "touchpoint"))


def effects(view: BoardView, solutions: Sequence[Card], refs: dict[str, str]) -> tuple[Effect, ...]:
    """After a follow-up: each solution whose progress is "done", with its effect and its
    touchpoints' metrics before and after the follow-up started."""
    since = started_day(view)
    if not since:
        return ()
    return tuple(
        Effect(
            refs[card.id],
            card.get_text("effect").strip(),
            tuple(_changes(view, solution_touchpoints(view, card), since)),
        )
        for card in solutions
        if card.progress == "done"
    )


def inspirations(view: BoardView) -> tuple[Inspiration, ...]:
    """The inspiration cards, stage by stage, each source a link only when http or https."""
    found: list[Inspiration] = []
    for stage in view.columns():
        for card in view.cards_in(stage, "inspiration"):
            source = card.get_text("source").strip()
            found.append(Inspiration(card.id, card.text, stage.name, source, safe_link(source)))
    return tuple(found)
