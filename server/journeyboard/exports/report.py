"""The compiled workshop summary, as print-ready HTML and as Markdown.

HTML is built with ElementTree, which escapes all text, and carries no script at all; the
print stylesheet makes a browser's "save as PDF" a clean document. Markdown escapes card text
so that no renderer turns it into markup.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from journeyboard import schema
from journeyboard.exports import charts
from journeyboard.workshop.boardview import QUADRANT_TITLES, BoardView, Card

STYLE = """
body { font: 11pt/1.45 system-ui, sans-serif; color: #1f2933; max-width: 60rem; margin: 2rem auto;
  padding: 0 1rem; }
h1 { font-size: 1.8rem; margin-bottom: .2rem; } h2 { border-bottom: 2px solid #2f4858;
  padding-bottom: .2rem; margin-top: 2rem; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0; }
th, td { border: 1px solid #cbd2d9; padding: .3rem .5rem; text-align: left; vertical-align: top; }
th { background: #f0f4f8; }
.meta { color: #52606d; } .chip { font-size: .85em; color: #52606d; }
svg { max-width: 100%; height: auto; }
@media print { body { margin: 0; max-width: none; } h2 { break-after: avoid; }
  table, svg, section.stage { break-inside: avoid; } a { color: inherit; } }
@page { margin: 15mm; }
"""


@dataclass(frozen=True, slots=True)
class Summary:
    """What the report says, computed once for both formats."""

    ranked_pains: list[Card]
    moments_of_truth: list[Card]
    solutions: list[Card]
    open_items: list[str]


def summarize(view: BoardView) -> Summary:
    pains = sorted(view.of_kind("pain"), key=lambda c: (-c.votes, c.stage.order or 10**9, c.pos))
    solutions = sorted(
        view.of_kind("solution"),
        key=lambda c: (c.rating is None, -(c.rating.impact if c.rating else 0), c.pos),
    )
    answered = {card.get_text("pain") for card in solutions}
    open_items = [
        f"Pain point without a solution: {pain.text}" for pain in pains if pain.id not in answered
    ]
    open_items += [
        f"Solution without a decision: {card.text}"
        for card in solutions
        if card.get_text("status") not in ("approved", "rejected")
    ]
    open_items += [
        f"Card without a stage ({card.lane}): {card.text}"
        for card in view.cards
        if card.stage is view.unplaced
    ]
    moments = [c for c in view.of_kind("touchpoint") if c.moment_of_truth]
    return Summary(pains, moments, solutions, open_items)


def _when(now_ms: int) -> str:
    return datetime.fromtimestamp(now_ms / 1000, UTC).strftime("%Y-%m-%d %H:%M UTC")


def _stage_lanes(view: BoardView) -> Iterable[tuple[str, str]]:
    """(kind, heading) of the lanes listed stage by stage (shared_schema/lanes.json)."""
    return tuple(
        (lane["kind"], lane["report_heading"])
        for lane in schema.load("lanes.json")["lanes"]
        if lane["report_heading"] is not None
    )


def _card_line(card: Card) -> str:
    parts = [card.text]
    if card.kind == "touchpoint":
        if card.get_text("channel"):
            parts.append(f"({card.get_text('channel')})")
        if card.moment_of_truth:
            parts.append("— moment of truth")
        kpi = card.fields.get("nps", card.fields.get("kpi"))
        if isinstance(kpi, int | float) and not isinstance(kpi, bool):
            parts.append(f"— KPI {kpi:g}")
        elif isinstance(kpi, str) and kpi:
            parts.append(f"— KPI {kpi}")
    if card.kind == "feeling" and card.emotion is not None:
        parts.append(f"(emotion {card.emotion:+g})" if card.emotion else "(emotion 0)")
    if card.kind == "backstage" and card.get_text("department"):
        parts.append(f"— {card.get_text('department')}")
    return " ".join(parts)


def _rating_cells(card: Card) -> list[str]:
    r = card.rating
    if r is None:
        return ["—", "—", "—", "not rated"]
    return [
        f"{r.effort:.1f} ± {r.effort_spread:.1f}",
        f"{r.impact:.1f} ± {r.impact_spread:.1f}",
        str(r.n),
        QUADRANT_TITLES.get(r.quadrant, r.quadrant),
    ]


# -- HTML ----------------------------------------------------------------------------------


def _h(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    node = ET.SubElement(parent, tag, {k.rstrip("_"): v for k, v in attrs.items()})
    if text is not None:
        node.text = text
    return node


def _table(parent: ET.Element, head: list[str], rows: Iterable[list[str]]) -> None:
    table = _h(parent, "table")
    tr = _h(_h(table, "thead"), "tr")
    for cell in head:
        _h(tr, "th", cell)
    body = _h(table, "tbody")
    for row in rows:
        tr = _h(body, "tr")
        for cell in row:
            _h(tr, "td", cell)


def report_html(view: BoardView, now_ms: int) -> str:
    summary = summarize(view)
    html = ET.Element("html", {"lang": "en"})
    head = _h(html, "head")
    _h(head, "meta", charset="utf-8")
    _h(head, "title", f"{view.title} — workshop summary")
    _h(head, "style", STYLE)
    body = _h(html, "body")
    _h(body, "h1", view.title or "Customer journey workshop")
    meta = _h(body, "p", class_="meta")
    meta.text = f"Workshop summary · {_when(now_ms)} · phase reached: {view.phase}"
    facts = _h(body, "table")
    for label, value in (
        ("Persona", view.persona),
        ("Scope", view.scope),
        ("Customer goal", view.customer_goal),
    ):
        tr = _h(facts, "tr")
        _h(tr, "th", label)
        _h(tr, "td", value or "—")

    _h(body, "h2", "Who took part")
    people = [p for p in view.people if not p.removed]
    departments = sorted({p.department for p in people if p.department})
    _h(body, "p", f"{len(people)} people from {len(departments)} departments: "
       + (", ".join(departments) or "—"))  # fmt: skip
    ul = _h(body, "ul")
    for person in people:
        _h(ul, "li", f"{person.name}" + (f" — {person.department}" if person.department else "")
           + (" (facilitator)" if person.role == "facilitator" else ""))  # fmt: skip

    _h(body, "h2", "The journey, stage by stage")
    for stage in view.columns():
        section = _h(body, "section", class_="stage")
        title = f"{stage.order}. {stage.name}" if stage.order else stage.name
        _h(section, "h3", title)
        for kind, label in _stage_lanes(view):
            cards = view.cards_in(stage, kind)
            if cards:
                _h(section, "h4", label)
                items = _h(section, "ul")
                for card in cards:
                    _h(items, "li", _card_line(card))

    _h(body, "h2", "Emotion curve")
    body.append(charts.emotion_curve(view))

    _h(body, "h2", "Pain points, ranked by votes")
    if not view.votes_revealed:
        _h(body, "p", "Votes were not revealed; pain points are listed in journey order.")
    _table(body, ["Votes", "Pain point", "Stage"],
           ([str(c.votes) if view.votes_revealed else "—", c.text, c.stage.name]
            for c in summary.ranked_pains))  # fmt: skip
    _h(body, "h3", "Moments of truth")
    mots = _h(body, "ul")
    for card in summary.moments_of_truth:
        _h(mots, "li", f"{card.stage.name}: {_card_line(card)}")
    if not summary.moments_of_truth:
        _h(mots, "li", "None marked.")

    _h(body, "h2", "Solutions: effort and impact")
    columns = ["Solution", "Answers", "Effort (1 to 5)", "Impact (1 to 5)", "Raters", "Quadrant"]
    _table(
        body, columns, ([c.text, _pain_text(view, c), *_rating_cells(c)] for c in summary.solutions)
    )
    if view.ratings_revealed:
        body.append(charts.matrix(view))

    _h(body, "h2", "Action plan")
    _table(body, ["Solution", "Owner", "Due", "Decision"],
           ([c.text, c.get_text("owner") or "—", c.due or "—", c.get_text("status") or "open"]
            for c in summary.solutions))  # fmt: skip

    _h(body, "h2", "Left open")
    left = _h(body, "ul")
    for item in summary.open_items or ["Nothing."]:
        _h(left, "li", item)
    return "<!doctype html>\n" + ET.tostring(
        charts.make_xml_safe(html), encoding="unicode", method="html"
    )


def _pain_text(view: BoardView, card: Card) -> str:
    pain = view.card_by_id.get(card.get_text("pain"))
    return pain.text if pain else "—"


# -- Markdown ------------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]#|!~])")
_MD_LINE_START = re.compile(r"^(\d+)([.)])|^([-+>])")


def md(text: str) -> str:
    """Card text as inert Markdown: entities for <>&, backslashes before markup characters."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _MD_SPECIAL.sub(r"\\\1", " ".join(text.split()))
    return _MD_LINE_START.sub(lambda m: f"{m[1]}\\{m[2]}" if m[1] else f"\\{m[3]}", text)


def report_markdown(view: BoardView, now_ms: int) -> str:
    summary = summarize(view)
    out: list[str] = [f"# {md(view.title or 'Customer journey workshop')}", ""]
    out += [f"Workshop summary · {_when(now_ms)} · phase reached: {view.phase}", ""]
    out += [f"- **Persona:** {md(view.persona) or '—'}", f"- **Scope:** {md(view.scope) or '—'}"]
    out += [f"- **Customer goal:** {md(view.customer_goal) or '—'}", "", "## Who took part", ""]
    for person in (p for p in view.people if not p.removed):
        dept = f" — {md(person.department)}" if person.department else ""
        out.append(f"- {md(person.name)}{dept}")
    out += ["", "## The journey, stage by stage", ""]
    for stage in view.columns():
        title = f"{stage.order}. {stage.name}" if stage.order else stage.name
        out += [f"### {md(title)}", ""]
        for kind, label in _stage_lanes(view):
            cards = view.cards_in(stage, kind)
            if cards:
                out.append(f"**{label}**")
                out += [f"- {md(_card_line(card))}" for card in cards]
                out.append("")
    out += [
        "## Emotion curve",
        "",
        "| Stage | Median | Lowest | Highest | Feelings |",
        "|---|---|---|---|---|",
    ]
    for stage, entry in zip(view.stages, view.emotion_curve(), strict=True):
        if entry is None:
            out.append(f"| {md(stage.name)} | — | — | — | 0 |")
        else:
            _, median, low, high, n = entry
            out.append(f"| {md(stage.name)} | {median:+g} | {low:+g} | {high:+g} | {n} |")
    out += [
        "",
        "## Pain points, ranked by votes",
        "",
        "| Votes | Pain point | Stage |",
        "|---|---|---|",
    ]
    for card in summary.ranked_pains:
        votes = str(card.votes) if view.votes_revealed else "—"
        out.append(f"| {votes} | {md(card.text)} | {md(card.stage.name)} |")
    out += ["", "**Moments of truth**", ""]
    out += [f"- {md(c.stage.name)}: {md(_card_line(c))}" for c in summary.moments_of_truth] or [
        "- None marked."
    ]
    out += ["", "## Solutions: effort and impact", ""]
    out += [
        "| Solution | Answers | Effort | Impact | Raters | Quadrant |",
        "|---|---|---|---|---|---|",
    ]
    for card in summary.solutions:
        cells = " | ".join(
            md(cell) for cell in [card.text, _pain_text(view, card), *_rating_cells(card)]
        )
        out.append(f"| {cells} |")
    out += ["", "## Action plan", "", "| Solution | Owner | Due | Decision |", "|---|---|---|---|"]
    for card in summary.solutions:
        out.append(f"| {md(card.text)} | {md(card.get_text('owner')) or '—'} | "
                   f"{card.due or '—'} | {md(card.get_text('status')) or 'open'} |")  # fmt: skip
    out += ["", "## Left open", ""]
    out += [f"- {md(item)}" for item in summary.open_items] or ["- Nothing."]
    return "\n".join(out) + "\n"
