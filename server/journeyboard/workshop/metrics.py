"""Measured values at touchpoints: NPS, CSAT, CES or a named KPI, each on a day (a series).

They are server-written records (`stores.records.MetricsRecord`), set by the metrics import
(`POST /api/boards/{id}/metrics`, parsed by `metrics_import`) or the `set_metric` command; the
content fields `kpi` and `nps` stay free notes anyone edits (RULINGS.md). A value with the same
touchpoint, metric and day replaces the one kept; others are added. The last import of a board
can be undone by its id: its values go and the ones it replaced come back.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Final

from pycrdt import Doc, Map

from journeyboard.i18n import N_
from journeyboard.stores.records import MetricsRecord, MetricValue
from journeyboard.workshop import documents
from journeyboard.workshop.boards import BoardService, now_ms
from journeyboard.workshop.commands import CommandContext, CommandError, Handler

STANDARD: Final = {
    "nps": (-100.0, 100.0, ""),
    "csat": (0.0, 100.0, "%"),
    "ces": (1.0, 7.0, ""),
}
"""The standard metrics: (lowest, highest, unit)."""

MAX_NAME: Final = 80
MAX_UNIT: Final = 20
MAX_VALUES: Final = 200_000
"""Values one board keeps at most (an import that would pass it is refused whole)."""


class RowError(ValueError):
    """Why one value cannot be kept: `message` is a msgid with `params` (translated later)."""

    def __init__(self, message: str, **params: object) -> None:
        super().__init__(message % params if params else message)
        self.template = message
        self.params = params


def metric_name(text: str) -> str:
    """A metric as kept: "nps", "csat" and "ces" in any case; a KPI's name as written."""
    name = " ".join(text.split())
    return name.casefold() if name.casefold() in STANDARD else name


def check_value(metric: str, value: float, unit: str) -> tuple[str, str]:
    """The metric and unit a value is kept with; RowError for a value out of its range."""
    name = metric_name(metric)
    if not name:
        raise RowError(N_("the metric is missing"))
    if len(name) > MAX_NAME:
        raise RowError(N_("a metric's name has at most %(max)s characters"), max=MAX_NAME)
    if not math.isfinite(value):
        raise RowError(N_("the value is not a number"))
    unit = " ".join(unit.split())
    if len(unit) > MAX_UNIT:
        raise RowError(N_("a unit has at most %(max)s characters"), max=MAX_UNIT)
    if name in STANDARD:
        low, high, standard_unit = STANDARD[name]
        if not low <= value <= high:
            raise RowError(
                N_("%(metric)s is between %(low)s and %(high)s, not %(value)s"),
                metric=name.upper(),
                low=format(low, "g"),
                high=format(high, "g"),
                value=format(value, "g"),
            )
        return name, standard_unit
    return name, unit


def check_date(text: str) -> str:
    """An ISO day (yyyy-mm-dd; a date-time's day) or RowError."""
    text = text.strip()
    try:
        if len(text) == 10:
            return datetime.date.fromisoformat(text).isoformat()
        return datetime.datetime.fromisoformat(text).date().isoformat()
    except ValueError:
        raise RowError(N_("%(date)s is not a date written yyyy-mm-dd"), date=repr(text)) from None


@dataclass(frozen=True, slots=True)
class Touchpoints:
    """The board's touchpoint cards, found by id or by their exact text."""

    ids: frozenset[str]
    by_text: dict[str, list[str]]

    def find(self, text: str) -> str:
        key = text.strip()
        if key in self.ids:
            return key
        found = self.by_text.get(key, [])
        if len(found) == 1:
            return found[0]
        if found:
            raise RowError(
                N_("%(touchpoint)s names %(num)s touchpoints; use the card's id"),
                touchpoint=repr(key),
                num=len(found),
            )
        raise RowError(N_("no touchpoint %(touchpoint)s on this board"), touchpoint=repr(key))


async def touchpoints(boards: BoardService, board_id: str) -> Touchpoints:
    def read(doc: Doc[Any]) -> Touchpoints:
        ids: set[str] = set()
        by_text: dict[str, list[str]] = {}
        for card_id, entry in doc.get("cards", type=Map).items():
            if not isinstance(entry, Map) or entry.get("kind") != "touchpoint":
                continue
            ids.add(str(card_id))
            text = documents.plain(entry.get("text"), "")
            if isinstance(text, str) and text.strip():
                by_text.setdefault(text.strip(), []).append(str(card_id))
        return Touchpoints(frozenset(ids), by_text)

    return await boards.read_content(board_id, read)


def merged(
    kept: Iterable[MetricValue], new: Iterable[MetricValue]
) -> tuple[list[MetricValue], list[MetricValue]]:
    """`kept` with `new` put in (same touchpoint, metric and day replaces); also what was
    replaced. The last of several new values for one key wins."""
    values = {value.key: value for value in kept}
    replaced: dict[tuple[str, str, str], MetricValue] = {}
    for value in new:
        old = values.get(value.key)
        if old is not None and old.key not in replaced and old.source != value.source:
            replaced[old.key] = old
        values[value.key] = value
    return list(values.values()), list(replaced.values())


def undone(record: MetricsRecord) -> list[MetricValue]:
    """The values with the last import taken out and what it replaced put back."""
    values = {v.key: v for v in record.values if v.source != record.last_import}
    for old in record.replaced:
        values.setdefault(old.key, old)
    return list(values.values())


def series_json(record: MetricsRecord) -> dict[str, Any]:
    """`{"touchpoints": {card: {metric: {"unit", "points": [{"date", "value"}]}}}, ...}`."""
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for value in sorted(record.values, key=lambda v: (v.card, v.metric, v.date)):
        series = out.setdefault(value.card, {}).setdefault(
            value.metric, {"unit": value.unit, "points": []}
        )
        series["unit"] = value.unit
        series["points"].append({"date": value.date, "value": value.value})
    return {"touchpoints": out, "last_import": record.last_import or None}


async def set_metric(ctx: CommandContext) -> dict[str, Any]:
    """Set one measured value at a touchpoint (a facilitator or participant, any phase)."""
    body = ctx.body
    card = body["card"]
    found = await touchpoints(ctx.boards, ctx.board_id)
    if card not in found.ids:
        raise CommandError(404, "unknown_touchpoint", "no touchpoint with that id on this board")
    try:
        metric, unit = check_value(body["metric"], float(body["value"]), body.get("unit", ""))
        date = check_date(body["date"])
    except RowError as exc:
        raise CommandError(400, "invalid_metric", exc.template, params=exc.params) from None
    value = MetricValue(card, metric, float(body["value"]), date, unit, "", now_ms())
    # Only this value changes: the one kept for the same touchpoint, metric and day is replaced
    # where it stands, or the value is added; the rest of the record is left as it is. The store
    # still writes the board's record whole: its interface keeps measured values as one record
    # (docs/DECISIONS.md, "Measured values are one record per board", for why and the cost).
    record = await ctx.boards.records.get_metrics(ctx.board_id)
    at = next((i for i, kept in enumerate(record.values) if kept.key == value.key), None)
    if at is not None:
        record.values[at] = value
    elif len(record.values) >= MAX_VALUES:
        raise CommandError(
            409, "too_many_metrics", "a board keeps at most %(max)s measured values", max=MAX_VALUES
        )
    else:
        record.values.append(value)
    await ctx.boards.records.save_metrics(record)
    return {"metric": value.to_json()}


HANDLERS: dict[str, Handler] = {"set_metric": set_metric}


@dataclass(frozen=True, slots=True)
class ImportOutcome:
    import_id: str
    accepted: int
    refused: list[tuple[int, str, dict[str, Any]]]  # (row, msgid, params), in row order


async def apply_import(
    boards: BoardService,
    board_id: str,
    rows: list[Any],
    refused: list[Any],
) -> ImportOutcome:
    """Keep an import's rows that name a touchpoint of the board (`metrics_import.Row`s); the
    others join `refused` (`metrics_import.Refusal`s). One commit: all accepted rows or none.
    Runs under the board's lock, like a command."""
    import_id = documents.new_id()
    at = now_ms()
    reasons = [(r.row, r.template, r.params) for r in refused]
    async with boards.rooms.bus.board_lock(board_id):
        found = await touchpoints(boards, board_id)
        new: list[MetricValue] = []
        for row in rows:
            try:
                card = found.find(row.touchpoint)
            except RowError as exc:
                reasons.append((row.row, exc.template, exc.params))
                continue
            new.append(MetricValue(card, row.metric, row.value, row.date, row.unit, import_id, at))
        record = await boards.records.get_metrics(board_id)
        if new:
            values, replaced = merged(record.values, new)
            if len(values) > MAX_VALUES:
                raise CommandError(
                    409,
                    "too_many_metrics",
                    "a board keeps at most %(max)s measured values",
                    max=MAX_VALUES,
                )
            record.values, record.replaced, record.last_import = values, replaced, import_id
            await boards.records.save_metrics(record)
    reasons.sort(key=lambda reason: reason[0])
    return ImportOutcome(import_id if new else "", len(new), reasons)


async def undo_import(boards: BoardService, board_id: str, import_id: str) -> int:
    """Undo the board's last import, named by its id; return how many values it had added."""
    async with boards.rooms.bus.board_lock(board_id):
        record = await boards.records.get_metrics(board_id)
        if not record.last_import or record.last_import != import_id:
            raise CommandError(
                409,
                "not_last_import",
                "only the board's last import can be undone, and only once",
            )
        added = sum(1 for value in record.values if value.source == import_id)
        record.values = undone(record)
        record.last_import, record.replaced = "", []
        await boards.records.save_metrics(record)
    return added
