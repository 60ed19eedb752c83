"""Touchpoint metrics against a running server: the set_metric command, the CSV and xlsx
import with its refusals row by row, replacing and appending, undoing the last import, and
values that outlive kill -9."""

from __future__ import annotations

import io
import signal
from typing import Any

import httpx
import jsonschema
import pytest
from openpyxl import Workbook  # type: ignore[import-untyped]
from pycrdt import Map, Text

from conftest import ServerProcess
from journeyboard import schema
from ysync import synced_client

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def answers(name: str, value: Any) -> None:
    """Check an answer against its shape in shared_schema/http.json."""
    jsonschema.validate(
        value, {"$ref": f"#/$defs/{name}", "$defs": schema.load("http.json")["$defs"]}
    )


class Board:
    def __init__(self, server: ServerProcess) -> None:
        self.server = server
        created = server.create_board("Motor claim")
        self.id: str = created["id"]
        self.tokens: dict[str, str] = created["tokens"]
        self.ann = server.join(self.tokens["participant"], "Ann", "Claims")
        self.rita = server.join(self.tokens["reviewer"], "Rita", "Finance")

    @property
    def lead(self) -> str:
        return self.tokens["facilitator"]

    async def add_cards(self) -> None:
        cards = {
            "t1": {"kind": "touchpoint", "text": "Claim form"},
            "t2": {"kind": "touchpoint", "text": "Hotline"},
            "t3": {"kind": "touchpoint", "text": "Hotline"},
            "p1": {"kind": "pain", "text": "Slow"},
        }
        async with synced_client(self.server.url(self.id, self.ann["token"])) as writer:

            def add(doc: Any) -> None:
                target = doc.get("cards", type=Map)
                for key, fields in cards.items():
                    target[key] = Map({**fields, "text": Text(fields["text"])})

            await writer.change(add)
            await writer.round_trip()

    def command(self, token: str, **body: Any) -> httpx.Response:
        return httpx.post(
            f"{self.server.http}/api/boards/{self.id}/commands",
            json=body,
            headers={"Authorization": f"Bearer {token}"},
        )

    def upload(
        self, body: bytes, content_type: str = "text/csv", token: str | None = None
    ) -> httpx.Response:
        return httpx.post(
            f"{self.server.http}/api/boards/{self.id}/metrics?lang=en",
            content=body,
            headers={"Authorization": f"Bearer {token or self.lead}", "Content-Type": content_type},
            timeout=60,
        )

    def undo(self, import_id: str, token: str | None = None) -> httpx.Response:
        return httpx.delete(
            f"{self.server.http}/api/boards/{self.id}/metrics/imports/{import_id}",
            headers={"Authorization": f"Bearer {token or self.lead}"},
        )

    def series(self) -> dict[str, Any]:
        response = httpx.get(
            f"{self.server.http}/api/boards/{self.id}/metrics",
            headers={"Authorization": f"Bearer {self.rita['token']}"},
        )
        assert response.status_code == 200, response.text
        answers("metrics_answer", response.json())
        return dict(response.json()["touchpoints"])


@pytest.fixture
async def board(server: ServerProcess) -> Board:
    made = Board(server)
    await made.add_cards()
    return made


def points(series: dict[str, Any], card: str, metric: str) -> list[tuple[str, float]]:
    return [(p["date"], p["value"]) for p in series[card][metric]["points"]]


def refused(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code, response.text


async def test_set_metric_replaces_the_same_day_and_appends_others(board: Board) -> None:
    ann = board.ann["token"]
    for day, value in (("2026-01-01", 10), ("2026-02-01", 20), ("2026-01-01", -5)):
        response = board.command(
            ann, type="set_metric", card="t1", metric="NPS", value=value, date=day
        )
        assert response.status_code == 200, response.text
    board.command(ann, type="set_metric", card="t1", metric="Wait", value=4.5, date="2026-01-01",
                  unit="min")  # fmt: skip
    series = board.series()
    assert points(series, "t1", "nps") == [("2026-01-01", -5), ("2026-02-01", 20)]
    assert series["t1"]["Wait"]["unit"] == "min"
    # The content field stays a free note: nothing was written into the card.
    card = board.server.get_board(board.id, ann)["content"]["cards"]["t1"]
    assert "nps" not in card and "kpi" not in card


async def test_set_metric_refusals(board: Board) -> None:
    ann = board.ann["token"]
    ok = {"type": "set_metric", "card": "t1", "metric": "csat", "value": 80, "date": "2026-01-01"}
    refused(board.command(ann, **{**ok, "card": "p1"}), 404, "unknown_touchpoint")
    refused(board.command(ann, **{**ok, "card": "nope"}), 404, "unknown_touchpoint")
    refused(board.command(ann, **{**ok, "value": 101}), 400, "invalid_metric")
    refused(board.command(ann, **{**ok, "metric": "CES", "value": 0}), 400, "invalid_metric")
    refused(board.command(ann, **{**ok, "metric": "nps", "value": -101}), 400, "invalid_metric")
    refused(board.command(ann, **{**ok, "date": "2026-13-01"}), 400, "invalid_metric")
    refused(board.command(ann, **{**ok, "value": "80"}), 400, "invalid_command")
    refused(board.command(board.rita["token"], **ok), 403, "forbidden")
    refused(board.command(board.tokens["viewer"], **ok), 403, "forbidden")
    assert board.series() == {}


async def test_a_csv_import_accepts_good_rows_and_refuses_bad_ones_row_by_row(
    board: Board,
) -> None:
    kept = board.command(board.ann["token"], type="set_metric", card="t1", metric="ces",
                         value=3, date="2026-03-01")  # fmt: skip
    assert kept.status_code == 200
    body = (
        b"touchpoint;metric;value;date;unit\n"
        b"t1;NPS;12,5;2026-01-01;\n"  # decimal comma, by id
        b"Claim form;csat;87;2026-01-01;\n"  # by exact text
        b"Claim form;Handling time;3,25;2026-01-02;days\n"
        b"Hotline;nps;1;2026-01-01;\n"  # two touchpoints have this text
        b"Nowhere;nps;1;2026-01-01;\n"
        b"t1;nps;abc;2026-01-01;\n"
        b"t1;csat;120;2026-01-01;\n"
        b"t1;ces;8;2026-01-01;\n"
        b"t1;nps;5;01/02/2026;\n"
        b";nps;5;2026-01-01;\n"
        b"\n"
        b"t2;nps;-40;2026-01-05T10:00:00;\n"
    )
    response = board.upload(body)
    assert response.status_code == 200, response.text
    answer = response.json()
    answers("metrics_import_answer", answer)
    assert answer["accepted"] == 4 and isinstance(answer["import"], str)
    reasons = {item["row"]: item["reason"] for item in answer["refused"]}
    assert sorted(reasons) == [5, 6, 7, 8, 9, 10, 11]
    assert "use the card's id" in reasons[5]
    assert "no touchpoint 'Nowhere'" in reasons[6]
    assert "not a number" in reasons[7]
    assert "CSAT is between 0 and 100, not 120" in reasons[8]
    assert "CES is between 1 and 7" in reasons[9]
    assert "yyyy-mm-dd" in reasons[10]
    assert "touchpoint is missing" in reasons[11]
    series = board.series()
    assert points(series, "t1", "nps") == [("2026-01-01", 12.5)]
    assert series["t1"]["csat"]["unit"] == "%"
    assert points(series, "t1", "Handling time") == [("2026-01-02", 3.25)]
    assert points(series, "t2", "nps") == [("2026-01-05", -40)]
    assert points(series, "t1", "ces") == [("2026-03-01", 3)]  # nothing stored was lost


async def test_an_import_replaces_and_appends_and_the_last_one_can_be_undone(
    board: Board,
) -> None:
    first = board.upload(b"touchpoint,metric,value,date\nt1,nps,10,2026-01-01\n").json()
    second = board.upload(
        b"Touchpoint,Metric,Value,Date\nt1,nps,30,2026-01-01\nt1,nps,40,2026-02-01\n"
    ).json()
    assert points(board.series(), "t1", "nps") == [("2026-01-01", 30), ("2026-02-01", 40)]
    refused(board.undo(first["import"]), 409, "not_last_import")
    refused(board.undo(second["import"], token=board.ann["token"]), 403, "forbidden")
    undone = board.undo(second["import"])
    assert undone.status_code == 200, undone.text
    assert undone.json()["removed"] == 2
    assert points(board.series(), "t1", "nps") == [("2026-01-01", 10)]
    refused(board.undo(second["import"]), 409, "not_last_import")


async def test_import_refusals_whole(board: Board) -> None:
    refused(board.upload(b"touchpoint,metric,value,date\n", token=board.ann["token"]), 403,
            "forbidden")  # fmt: skip
    refused(board.upload(b"touchpoint,metric,value,date\n", token=board.rita["token"]), 403,
            "forbidden")  # fmt: skip
    refused(board.upload(b"{}", "application/json"), 415, "unsupported_media_type")
    refused(board.upload(b"touchpoint,metric,value\nt1,nps,3\n"), 400, "invalid_metrics")
    refused(board.upload(b""), 400, "invalid_metrics")
    refused(board.upload(b"\xff\xfe\x00bad"), 400, "invalid_metrics")
    refused(board.upload(b"PK\x03\x04 not really a zip", XLSX), 400, "invalid_metrics")
    refused(board.upload(b"touchpoint,metric,value,date\n" + b"x" * (8 * 1024 * 1024)), 413,
            "too_large")  # fmt: skip
    assert board.series() == {}


async def test_an_xlsx_workbook_is_read_in_a_worker(board: Board) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["Touchpoint", "Metric", "Value", "Date", "Unit"])
    sheet.append(["t1", "nps", 25, "2026-01-01", None])
    sheet.append(["Claim form", "Calls", 3.5, "2026-01-02", "per day"])
    sheet.append(["t1", "csat", "lots", "2026-01-01", None])
    buffer = io.BytesIO()
    book.save(buffer)
    response = board.upload(buffer.getvalue(), XLSX)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["accepted"] == 2 and [r["row"] for r in answer["refused"]] == [4]
    series = board.series()
    assert points(series, "t1", "nps") == [("2026-01-01", 25)]
    assert series["t1"]["Calls"]["unit"] == "per day"


async def test_fifty_thousand_rows_pass_and_outlive_kill_9(board: Board) -> None:
    lines = ["touchpoint,metric,value,date"]
    for index in range(50_000):
        day = f"20{10 + index // 4000:02d}-{1 + index // 334 % 12:02d}-{1 + index % 28:02d}"
        lines.append(f"t1,KPI {index % 7},{index % 100},{day}")
    response = board.upload("\n".join(lines).encode())
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["accepted"] == 50_000 and answer["refused"] == []
    before = board.series()
    board.server.kill(signal.SIGKILL)
    board.server.start()
    assert board.series() == before
    undone = board.undo(answer["import"])
    assert undone.status_code == 200 and board.series() == {}


async def test_the_report_shows_each_touchpoints_latest_values(board: Board) -> None:
    body = (
        b"touchpoint,metric,value,date,unit\n"
        b"t1,nps,10,2026-01-01,\n"
        b"t1,nps,-12,2026-03-01,\n"
        b"t1,Wait time,4.5,2026-02-01,min\n"
    )
    assert board.upload(body).status_code == 200

    def report(lang: str) -> str:
        response = httpx.get(
            f"{board.server.http}/api/boards/{board.id}/export.md?lang={lang}",
            headers={"Authorization": f"Bearer {board.lead}"},
        )
        assert response.status_code == 200, response.text
        return response.text

    english = report("en")
    assert "NPS \u221212, measured Mar 1, 2026" in english and "NPS +10" not in english
    assert "Wait time 4.5 min, measured Feb 1, 2026" in english
    assert "Wait time 4,5 min, uppmätt" in report("sv")
    # A newer value changes the report.
    assert board.upload(b"touchpoint,metric,value,date\nt1,nps,30,2026-04-01\n").status_code == 200
    assert "NPS +30, measured Apr 1, 2026" in report("en")


async def test_a_foreign_origin_and_too_many_large_imports_are_refused(board: Board) -> None:
    foreign = httpx.post(
        f"{board.server.http}/api/boards/{board.id}/metrics",
        content=b"touchpoint,metric,value,date\nt1,nps,1,2026-01-01\n",
        headers={
            "Authorization": f"Bearer {board.lead}",
            "Content-Type": "text/csv",
            "Origin": "https://evil.example",
        },
    )
    refused(foreign, 403, "origin_refused")
    # A body over 64 KiB is read in a worker and counts against the address's import allowance.
    large = "touchpoint,metric,value,date\n" + "t1,nps,1,2026-01-01\n" * 3500
    statuses = [board.upload(large.encode()).status_code for _ in range(10)]
    assert statuses == [200] * 10
    # The allowance refills one import every 6 s; on a slow machine an upload may have earned
    # one back, so keep going until the refusal comes (it must, well before 20 more).
    for _ in range(20):
        answer = board.upload(large.encode())
        if answer.status_code != 200:
            break
    refused(answer, 429, "rate_limited")
    assert int(answer.headers["Retry-After"]) > 0


async def test_the_poster_and_report_carry_the_heat_map_of_the_metric_asked_for(
    board: Board,
) -> None:
    ann = board.ann["token"]
    for card, metric, value, unit in (("t1", "nps", 40, ""), ("t2", "nps", -20, ""),
                                      ("t2", "Wait", 4.5, "min")):  # fmt: skip
        response = board.command(ann, type="set_metric", card=card, metric=metric, value=value,
                                 date="2026-01-01", unit=unit)  # fmt: skip
        assert response.status_code == 200, response.text

    def export(path: str) -> str:
        response = httpx.get(
            f"{board.server.http}/api/boards/{board.id}/{path}",
            headers={"Authorization": f"Bearer {board.rita['token']}"},
            timeout=60,
        )
        assert response.status_code == 200, response.text
        return response.text

    first = export("export.svg?sheet=A1")
    assert "Heat map: NPS" in first and "NPS +40" in first and 'data-heat="#00204d"' in first
    asked = export("export.svg?sheet=A1&heat=Wait")
    assert "Heat map: Wait" in asked and "Wait 4.5 min" in asked
    html = export("export.html?heat=CSAT")
    assert 'class="heat-chart"' not in html  # no touchpoint has a CSAT value
    assert 'class="heat-chart"' in export("export.html")
