"""The metrics import's reading and the merge rules, in-process (the endpoint is tested in
tests/e2e/test_metrics.py)."""

from __future__ import annotations

import pytest

from journeyboard.stores.records import MetricsRecord, MetricValue
from journeyboard.workshop import metrics, metrics_import
from journeyboard.workshop.errors import ApiError


def read(text: str) -> tuple[list[metrics_import.Row], list[metrics_import.Refusal]]:
    return metrics_import.read_rows(text.encode(), "text/csv")


def test_comma_and_semicolon_tables_read_alike() -> None:
    comma, _ = read('touchpoint,metric,value,date\nt1,NPS,"12,5",2026-01-01\n')
    semicolon, _ = read("TOUCHPOINT;Metric;Value;Date\nt1;nps;12,5;2026-01-01\n")
    assert comma == semicolon
    assert comma[0].metric == "nps" and comma[0].value == 12.5 and comma[0].row == 2


@pytest.mark.parametrize(
    ("value", "number"), [("4.5", 4.5), ("4,5", 4.5), ("\u221212", -12.0), ("1 234,5", 1234.5)]
)
def test_numbers_with_a_point_a_comma_a_true_minus_or_spaces(value: str, number: float) -> None:
    rows, refused = read(f"touchpoint;metric;value;date\nt1;KPI;{value};2026-01-01\n")
    assert refused == [] and rows[0].value == number


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("t1;nps;nan;2026-01-01", "the value is not a number"),
        ("t1;nps;inf;2026-01-01", "the value is not a number"),
        ("t1;nps;1e999;2026-01-01", "the value is not a number"),
        ("t1;nps;;2026-01-01", "the value is missing"),
        ("t1;;5;2026-01-01", "the metric is missing"),
        ("t1;csat;-1;2026-01-01", "%(metric)s is between %(low)s and %(high)s, not %(value)s"),
        ("t1;nps;5;2026-02-30", "%(date)s is not a date written yyyy-mm-dd"),
        ("t1;nps;5;", "%(date)s is not a date written yyyy-mm-dd"),
        ("t1;" + "m" * 81 + ";5;2026-01-01", "a metric's name has at most %(max)s characters"),
    ],
)
def test_each_bad_row_is_refused_with_its_reason(line: str, reason: str) -> None:
    rows, refused = read(f"touchpoint;metric;value;date\n{line}\n")
    assert rows == [] and [(r.row, r.template) for r in refused] == [(2, reason)]


def test_a_kpi_keeps_its_unit_and_the_standard_metrics_their_own() -> None:
    rows, _ = read("touchpoint,metric,value,date,unit\nt1,Wait  time,3,2026-01-01, min \n"
                   "t1,CSAT,80,2026-01-01,points\n")  # fmt: skip
    assert [(r.metric, r.unit) for r in rows] == [("Wait time", "min"), ("csat", "%")]


def test_a_table_without_the_columns_is_refused_whole() -> None:
    with pytest.raises(ApiError) as refused:
        read("touchpoint,value,date\nt1,1,2026-01-01\n")
    assert refused.value.status == 400 and "missing: metric" in refused.value.message


def test_same_touchpoint_metric_and_day_replaces_and_undo_puts_it_back() -> None:
    old = MetricValue("t1", "nps", 10, "2026-01-01", "", "", 1)
    other = MetricValue("t1", "nps", 20, "2026-02-01", "", "", 1)
    new = MetricValue("t1", "nps", 30, "2026-01-01", "", "imp", 2)
    values, replaced = metrics.merged([old, other], [new])
    assert sorted((v.date, v.value) for v in values) == [("2026-01-01", 30), ("2026-02-01", 20)]
    assert replaced == [old]
    record = MetricsRecord("b", values, "imp", replaced)
    assert sorted((v.date, v.value) for v in metrics.undone(record)) == [
        ("2026-01-01", 10), ("2026-02-01", 20),
    ]  # fmt: skip
