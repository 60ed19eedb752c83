"""Reading a metrics import: CSV (comma or semicolon, decimal point or comma, ISO dates) or an
xlsx workbook, into rows checked one by one. Pure: it runs in a worker process for a large
body (`web.jobs`), with the CPU and memory limits of imports.

Columns, named in a header row (any order, any case): `touchpoint` (a card id or the card's
exact text), `metric`, `value`, `date`, and `unit` (optional). A row that cannot be read is
refused with its number (the header is row 1) and a reason; the others are accepted.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from typing import Any, Final

from journeyboard.i18n import N_
from journeyboard.workshop.errors import ApiError
from journeyboard.workshop.metrics import RowError, check_date, check_value

COLUMNS: Final = ("touchpoint", "metric", "value", "date", "unit")
REQUIRED: Final = ("touchpoint", "metric", "value", "date")
XLSX_TYPES: Final = frozenset(
    {
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/octet-stream",
    }
)
CSV_TYPES: Final = frozenset({"text/csv", "text/plain"})
MAX_ROWS: Final = 200_000


@dataclass(frozen=True, slots=True)
class Row:
    """A row that reads well: the touchpoint as written (resolved against the board later)."""

    row: int
    touchpoint: str
    metric: str
    value: float
    date: str
    unit: str


@dataclass(frozen=True, slots=True)
class Refusal:
    row: int
    template: str  # a msgid, translated with `params` when answered
    params: dict[str, Any]


def _number(text: str) -> float:
    """ "4.5", "4,5", "-12", " 1 234,5 " as a number; RowError otherwise."""
    cleaned = text.strip().replace("\u00a0", "").replace(" ", "").replace("\u2212", "-")
    if cleaned.count(",") == 1 and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")
    try:
        return float(cleaned)
    except ValueError:
        raise RowError(N_("%(value)s is not a number"), value=repr(text.strip()[:40])) from None


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _csv_rows(raw: bytes) -> list[list[str]]:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ApiError(400, "invalid_metrics", "the CSV is not UTF-8 text") from None
    first = text.split("\n", 1)[0]
    separator = ";" if first.count(";") > first.count(",") else ","
    try:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=separator))
    except csv.Error as exc:
        raise ApiError(
            400, "invalid_metrics", "the CSV cannot be read: %(reason)s", reason=str(exc)
        ) from None


def _xlsx_rows(raw: bytes) -> list[list[str]]:
    from openpyxl import load_workbook  # type: ignore[import-untyped]  # no stubs installed

    try:
        book = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError, IndexError):
        raise ApiError(
            400, "invalid_metrics", "the workbook is not an xlsx file that can be read"
        ) from None
    except Exception:  # openpyxl raises many kinds for a damaged workbook
        raise ApiError(
            400, "invalid_metrics", "the workbook is not an xlsx file that can be read"
        ) from None
    try:
        sheet = book.worksheets[0] if book.worksheets else None
        if sheet is None:
            return []
        rows: list[list[str]] = []
        for values in sheet.iter_rows(values_only=True):
            rows.append([_cell(value) for value in values])
            if len(rows) > MAX_ROWS + 1:
                break
        return rows
    except Exception:
        raise ApiError(
            400, "invalid_metrics", "the workbook is not an xlsx file that can be read"
        ) from None
    finally:
        book.close()


def read_rows(raw: bytes, media_type: str) -> tuple[list[Row], list[Refusal]]:
    """The rows of an import body that read well, and the refusals of those that do not.
    Raise ApiError (400) for a body that is not a table with the needed columns."""
    table = _xlsx_rows(raw) if media_type not in CSV_TYPES else _csv_rows(raw)
    while table and not any(cell.strip() for cell in table[0]):
        table.pop(0)
    if not table:
        raise ApiError(400, "invalid_metrics", "the import holds no header row")
    header = [cell.strip().casefold() for cell in table[0]]
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise ApiError(
            400,
            "invalid_metrics",
            "the header row needs the columns %(columns)s; missing: %(missing)s",
            columns=", ".join(COLUMNS[:4]),
            missing=", ".join(missing),
        )
    if len(table) - 1 > MAX_ROWS:
        raise ApiError(413, "too_many_rows", "an import holds at most %(max)s rows", max=MAX_ROWS)
    where: dict[str, int] = {name: header.index(name) for name in COLUMNS if name in header}
    rows: list[Row] = []
    refused: list[Refusal] = []
    for number, cells in enumerate(table[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue

        def cell(name: str, cells: list[str] = cells) -> str:
            index = where.get(name)
            return cells[index].strip() if index is not None and index < len(cells) else ""

        try:
            touchpoint = cell("touchpoint")
            if not touchpoint:
                raise RowError(N_("the touchpoint is missing"))
            text = cell("value")
            if not text:
                raise RowError(N_("the value is missing"))
            value = _number(text)
            metric, unit = check_value(cell("metric"), value, cell("unit"))
            date = check_date(cell("date"))
        except RowError as exc:
            refused.append(Refusal(number, exc.template, exc.params))
            continue
        rows.append(Row(number, touchpoint, metric, value, date, unit))
    return rows, refused
