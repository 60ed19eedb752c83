"""The follow-up in the exports: the effect of each solution that was done with its
touchpoints' metrics before and after the follow-up started, and inspiration cards whose
source is a link only when it is http or https (RULINGS.md), in every export."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from boards import NOW_MS, view_of
from pycrdt import Doc, Map
from pypdf import PdfReader

from journeyboard.exports import comparison
from journeyboard.exports.jsonfile import export_board
from journeyboard.exports.links import safe_link
from journeyboard.exports.render import render
from journeyboard.workshop import imports
from journeyboard.workshop.boardview import BoardView

HOSTILE = "javascript:alert(document.cookie)"
SAFE = "https://example.org/cases/claims?x=1&y=2"
FOLLOW_UP_MS = int(datetime(2026, 2, 1, 9, 0, tzinfo=UTC).timestamp() * 1000)


def follow_up_view() -> BoardView:
    view = view_of(
        {
            "t1": {"kind": "touchpoint", "stage": "s", "pos": "a", "text": "Claim form"},
            "p1": {"kind": "pain", "stage": "s", "pos": "b", "text": "Form is slow"},
            "s1": {"kind": "solution", "stage": "s", "pos": "c", "text": "Prefill the form",
                   "pain": "p1", "status": "done", "effect": "Calls about the form halved"},
            "s2": {"kind": "solution", "stage": "s", "pos": "d", "text": "Chat help",
                   "pain": "p1", "status": "doing", "effect": "not done, not shown"},
            "i1": {"kind": "inspiration", "stage": "s", "pos": "e", "text": "Bank X's form",
                   "source": HOSTILE},
            "i2": {"kind": "inspiration", "stage": "s", "pos": "f", "text": "Airline Y's app",
                   "source": SAFE},
            "i3": {"kind": "inspiration", "stage": "s", "pos": "g", "text": "Shop Z",
                   "source": "=HYPERLINK(\"http://evil.example\")"},
        },
        session={"phase": "discovery", "number": 2, "started_at_ms": FOLLOW_UP_MS,
                 "revealed": {"votes": True, "ratings": True}},
        history={"1": {"number": 1, "ended_at_ms": FOLLOW_UP_MS, "revealed": {"ratings": True},
                       "ratings": {"s1": {"effort": 2.0, "impact": 4.5, "quadrant": "quick_win"}},
                       "plan": []}},
    )  # fmt: skip
    view.series = {
        "t1": {
            "nps": {"unit": "", "points": [
                {"date": "2026-01-10", "value": 5}, {"date": "2026-01-31", "value": 8},
                {"date": "2026-02-20", "value": 20}, {"date": "2026-03-01", "value": 23}]},
            "Wait time": {"unit": "min", "points": [{"date": "2026-02-10", "value": 4.5}]},
        }
    }  # fmt: skip
    return view


def test_the_url_rule() -> None:
    assert safe_link(SAFE) == SAFE
    assert safe_link("  http://example.org  ") == "http://example.org"
    assert safe_link("HTTPS://EXAMPLE.ORG/x") == "HTTPS://EXAMPLE.ORG/x"
    for bad in (HOSTILE, " JavaScript:alert(1)", "java\tscript:alert(1)", "data:text/html,x",
                "vbscript:x", "file:///etc/passwd", "//example.org", "example.org", "http://",
                "https:///path", "http://exa mple.org", 'https://a.example/"onmouseover=x', ""):  # fmt: skip
        assert safe_link(bad) is None, bad


def test_effects_compare_the_metrics_before_and_after_the_follow_up() -> None:
    view = follow_up_view()
    effects = comparison.effects(view, view.of_kind("solution"), {"s1": "S1", "s2": "S2"})
    assert [e.ref for e in effects] == ["S1"]  # only the solution that was done
    (effect,) = effects
    assert effect.effect == "Calls about the form halved"
    by_metric = {m.metric: m for m in effect.metrics}
    assert by_metric["NPS"].before.startswith("+8 ") and by_metric["NPS"].after.startswith("+23 ")
    assert by_metric["Wait time"].before == "—" and by_metric["Wait time"].after.startswith(
        "4.5 min"
    )


def links_of(svg_or_html: str) -> list[dict[str, str]]:
    root = ET.fromstring(svg_or_html)
    return [dict(node.attrib) for node in root.iter() if node.tag.split("}")[-1] == "a"]


def test_the_html_report_links_only_http_sources() -> None:
    html = render(follow_up_view(), "html", NOW_MS).page(1).decode()
    links = [a for a in links_of(html) if "href" in a]
    assert [a["href"] for a in links] == [SAFE]
    assert links[0]["rel"] == "noopener noreferrer" and links[0]["target"] == "_blank"
    assert "javascript:alert(document.cookie)" in html  # shown, as text
    assert "Calls about the form halved" in html and "not done, not shown" not in html
    assert "Effect of the measures" in html


def test_the_markdown_report_never_links_a_hostile_source() -> None:
    text = render(follow_up_view(), "md", NOW_MS).page(1).decode()
    assert "](javascript" not in text.replace("\\", "") and "<javascript" not in text
    assert "Inspiration" in text and "Effect of the measures" in text
    assert re.search(r"\+8 .*\+23 ", text)


def test_the_poster_links_only_http_sources() -> None:
    svg = render(follow_up_view(), "svg", NOW_MS).page(1).decode()
    hrefs = [a.get("href") for a in links_of(svg)]
    assert hrefs == [SAFE]
    assert "javascript:" not in "".join(str(h) for h in hrefs)


def test_the_csv_carries_sources_and_effects_as_guarded_text() -> None:
    body = render(follow_up_view(), "csv", NOW_MS).page(1).decode("utf-8-sig")
    rows = {row["card_id"]: row for row in csv.DictReader(io.StringIO(body))}
    assert rows["i1"]["source"] == HOSTILE
    assert rows["i3"]["source"].startswith("'=")  # never a formula
    assert rows["s1"]["effect"] == "Calls about the form halved"
    assert rows["i2"]["lane"] == "Inspiration"


def test_the_json_export_round_trips_sources_and_effects() -> None:
    exported = json.loads(render(follow_up_view(), "json", NOW_MS).page(1))
    imports.validate(exported)
    cards = {card["id"]: card for card in exported["cards"]}
    assert cards["i1"]["source"] == HOSTILE and cards["s1"]["effect"].startswith("Calls")
    again = imports.content_update(exported)
    doc: Doc[Any] = Doc()
    doc.apply_update(again)
    back = doc.get("cards", type=Map)
    assert back["i1"]["source"] == HOSTILE and back["i2"]["source"] == SAFE
    assert export_board(follow_up_view(), NOW_MS)["cards"] == exported["cards"]


def test_the_pdf_compares_the_sessions(tmp_path: Path) -> None:
    body = render(follow_up_view(), "pdf", NOW_MS).page(1)
    source = tmp_path / "report.pdf"
    source.write_bytes(body)
    out = subprocess.run(["pdftotext", "-layout", str(source), "-"], check=True,
                         capture_output=True, text=True).stdout  # fmt: skip
    flat = " ".join(out.split())
    assert "Since session 1" in flat and "Effect of the measures" in flat
    assert "Calls about the form halved" in flat
    assert "+8 (" in flat and "+23 (" in flat and "4.5 min" in flat
    assert HOSTILE in flat  # as text
    uris = [
        str(annot.get_object()["/A"].get("/URI"))
        for page in PdfReader(io.BytesIO(body)).pages
        for annot in page.get("/Annots") or []
        if "/A" in annot.get_object()
    ]
    assert uris == [SAFE]
