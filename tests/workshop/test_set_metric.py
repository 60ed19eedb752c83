"""`set_metric` in-process: it changes only the value it sets (the one of the same touchpoint,
metric and day in place, or one more), leaves an import's bookkeeping alone, and refuses a value
past the board's limit with a 409 (the command over HTTP: tests/e2e/test_metrics.py)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, cast

import pytest

from journeyboard.stores.memory import MemoryStore
from journeyboard.stores.records import MetricsRecord, MetricValue
from journeyboard.workshop import metrics
from journeyboard.workshop.commands import CommandContext, CommandError

BOARD = "board1"


@pytest.fixture
async def store(monkeypatch: pytest.MonkeyPatch) -> MemoryStore:
    async def touchpoints(_boards: Any, _board: str) -> metrics.Touchpoints:
        return metrics.Touchpoints(frozenset({"t1", "t2"}), {})

    monkeypatch.setattr(metrics, "touchpoints", touchpoints)
    kept = MemoryStore()
    await kept.start()
    return kept


def context(store: MemoryStore, **body: Any) -> CommandContext:
    boards = SimpleNamespace(records=store)
    return cast(CommandContext, SimpleNamespace(body=body, boards=boards, board_id=BOARD))


def value(card: str, day: str, number: float, source: str = "imp1") -> MetricValue:
    return MetricValue(card, "nps", number, day, "", source, 1)


async def test_set_metric_replaces_in_place_and_keeps_the_import_to_undo(
    store: MemoryStore,
) -> None:
    imported = [value("t1", "2026-01-01", 1), value("t2", "2026-01-01", 2)]
    await store.save_metrics(
        MetricsRecord(BOARD, imported, "imp1", [value("t1", "2025-12-01", 0, "imp0")])
    )
    await metrics.set_metric(context(store, card="t1", metric="NPS", value=9, date="2026-01-01"))
    await metrics.set_metric(context(store, card="t2", metric="nps", value=3, date="2026-02-01"))
    record = await store.get_metrics(BOARD)
    assert [(v.card, v.date, v.value, v.source) for v in record.values] == [
        ("t1", "2026-01-01", 9.0, ""),  # replaced where it stood
        ("t2", "2026-01-01", 2.0, "imp1"),
        ("t2", "2026-02-01", 3.0, ""),  # added
    ]
    assert record.last_import == "imp1" and [v.date for v in record.replaced] == ["2025-12-01"]
    # Undoing the import takes its own values only; the ones set by hand stay.
    assert [(v.card, v.date) for v in metrics.undone(record)] == [
        ("t1", "2026-01-01"),
        ("t2", "2026-02-01"),
        ("t1", "2025-12-01"),
    ]


async def test_set_metric_past_the_limit_is_a_409_but_a_replacement_passes(
    store: MemoryStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(metrics, "MAX_VALUES", 2)
    await store.save_metrics(
        MetricsRecord(BOARD, [value("t1", "2026-01-01", 1), value("t1", "2026-01-02", 2)])
    )
    with pytest.raises(CommandError) as refused:
        await metrics.set_metric(
            context(store, card="t2", metric="nps", value=3, date="2026-01-01")
        )
    assert (refused.value.status, refused.value.code) == (409, "too_many_metrics")
    await metrics.set_metric(context(store, card="t1", metric="nps", value=5, date="2026-01-02"))
    assert [v.value for v in (await store.get_metrics(BOARD)).values] == [1.0, 5.0]
