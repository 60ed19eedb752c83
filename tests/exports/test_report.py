"""The report, in-process: one model, HTML that parses as XML, every card once in each format.

A card's text is counted in the document's text outside the charts: the SVG charts label points
with card and stage names again (and in their <title>s), which is a picture of the same facts,
not a second listing.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from markdown_it import MarkdownIt

from exports.boards import NOW_MS, example_view, view_of
from exports.hostile import TEXTS, hostile_view, one_line
from journeyboard.exports import report
from journeyboard.workshop.boardview import BoardView

XHTML = "{http://www.w3.org/1999/xhtml}"
SVG = "{http://www.w3.org/2000/svg}"
TEMPLATES = Path(report.__file__).parent / "templates"


def text_outside_charts(node: ET.Element, summary: bool = True) -> Iterator[str]:
    """The text outside the charts (and, unless `summary`, outside the places that quote cards
    the sections print: page 1's summary and the matrix's codes)."""
    if node.tag == SVG + "svg" or (not summary and node.get("class") in ("summary", "codes")):
        return
    if node.text:
        yield node.text
    for child in node:
        yield from text_outside_charts(child, summary)
        if child.tail:
            yield child.tail


class Nesting(HTMLParser):
    """Checks that every element an HTML parser sees is closed in order (void ones aside)."""

    VOID = frozenset({"meta", "br", "hr", "img", "input", "link"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: object) -> None:
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: object) -> None:
        pass

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack.pop() == tag, (tag, self.stack[-3:])


def without_summary(markdown: str) -> str:
    """The Markdown report without its summary, which quotes cards the sections print."""
    start, end = markdown.index("## Summary"), markdown.index("## Who took part")
    return markdown[:start] + markdown[end:]


def assert_each_card_once(view: BoardView, document_text: str) -> None:
    texts = [card.text for card in view.cards]
    for text in texts:
        inside_others = sum(other.count(text) for other in texts if other != text)
        assert document_text.count(text) == 1 + inside_others, text


def test_html_is_well_formed_xml_and_html() -> None:
    html = report.report_html(example_view(), NOW_MS)
    assert html.startswith("<!DOCTYPE html>\n")
    root = ET.fromstring(html)
    assert root.tag == XHTML + "html"
    assert root.find(f"{XHTML}body//{SVG}svg") is not None  # the charts, inline
    assert not list(root.iter(XHTML + "script")) and "&nbsp;" not in html
    checker = Nesting()
    checker.feed(html)
    checker.close()
    assert checker.stack == []


def test_every_card_once_in_the_html() -> None:
    view = example_view()
    root = ET.fromstring(report.report_html(view, NOW_MS))
    assert_each_card_once(view, "\n".join(text_outside_charts(root, summary=False)))
    spans = [
        node.text
        for node in root.iter(XHTML + "span")
        if node.get("class") == "text" and not node.tag.startswith(SVG)
    ]
    assert sorted(spans) == sorted(card.text for card in view.cards)


def test_every_card_once_in_the_markdown_raw_and_rendered() -> None:
    view = example_view()
    text = without_summary(report.report_markdown(view, NOW_MS))
    assert_each_card_once(view, text)
    rendered = MarkdownIt("commonmark").enable("table").render(text)
    root = ET.fromstring(f"<body>{rendered}</body>")
    assert_each_card_once(view, "\n".join(text_outside_charts(root)))


def test_both_formats_say_the_same_things() -> None:
    view = example_view()
    model = report.build_report(view, NOW_MS)
    html = "\n".join(text_outside_charts(ET.fromstring(report.report_html(view, NOW_MS))))
    md = report.report_markdown(view, NOW_MS)
    # the issue's example: a mean of 4.25 (Daily payment batches' effort) reads 4.3 everywhere
    daily = next(s for s in model.solutions if s.text == "Daily payment batches")
    assert daily.effort == "4.3 ± 0.4"
    for said in [
        *(fact.value for fact in model.facts),
        *(d.name for d in model.departments),
        *(", ".join(d.people) for d in model.departments),
        *(f"{p.ref} {p.votes} {p.stage}" for p in model.pains),
        *(
            f"{s.ref} {s.owner} {s.due} {s.decision} {s.quadrant} {s.effort} {s.impact}"
            for s in model.solutions
        ),
        *(f"{c.stage} {c.median} {c.lowest} {c.highest}" for c in model.curve),
        *model.left_open,
        model.held,
    ]:
        for part in said.split(" "):
            assert part in html and part in md, part
    assert "Payment batch runs weekly" in html and "Anna Virtanen (facilitator)" in md


def test_the_cover_names_who_took_part_by_department() -> None:
    model = report.build_report(example_view(), NOW_MS)
    assert model.people_count == 5 and model.held == "November 18, 2026"
    assert [d.name for d in model.departments][:2] == ["Claims", "Customer Service"]
    assert model.departments[0].people == ("Anna Virtanen (facilitator)",)


def test_hostile_text_is_text_in_the_html() -> None:
    view = hostile_view()
    html = report.report_html(view, NOW_MS)
    root = ET.fromstring(html)
    body = root.find(XHTML + "body")
    assert body is not None
    tags = {node.tag for node in body.iter() if not node.tag.startswith(SVG)}
    assert tags <= {XHTML + t for t in ("body", "section", "h1", "h2", "h3", "h4", "p", "table", "thead",
                                        "tbody", "tr", "th", "td", "ul", "li", "span", "strong")}  # fmt: skip
    texts = list(text_outside_charts(root))
    for text in TEXTS:
        assert text in texts and "Action " + text in texts and "Solution " + text in texts
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_stylesheets_are_files_safe_to_inline() -> None:
    css = report.stylesheet("report.css")
    assert "{" in css and "<" not in css and "&" not in css
    html = report.report_html(example_view(), NOW_MS)
    assert css in html  # inlined as written, not escaped
    bare = report.report_html(example_view(), NOW_MS, stylesheets=())
    assert css not in bare


def test_templates_ship_inside_the_package() -> None:
    # hatchling's wheel takes every file under packages = ["server/journeyboard"] that git does
    # not ignore, .py or not; the templates live there, so `pip install` brings them along.
    names = {path.name for path in TEMPLATES.iterdir()}
    assert {"report.html.j2", "report.md.j2", "report.css"} <= names
    ignore = (Path(__file__).parents[2] / ".gitignore").read_text()
    assert "templates" not in ignore and ".j2" not in ignore and ".css" not in ignore


def test_results_not_revealed() -> None:
    view = example_view()
    view.votes_revealed = view.ratings_revealed = False
    model = report.build_report(view, NOW_MS)
    assert model.matrix_chart is None and {p.votes for p in model.pains} == {"—"}
    md = report.report_markdown(view, NOW_MS)
    assert "Votes were not revealed" in md and "Ratings were not revealed" in md


def test_an_empty_board() -> None:
    view = hostile_view()
    view.cards = []
    view.card_by_id = {}
    model = report.build_report(view, NOW_MS)
    assert model.left_open == () and model.moment_stages == ""
    assert "- Nothing." in report.report_markdown(view, NOW_MS)
    ET.fromstring(report.report_html(view, NOW_MS))


def test_a_hostile_title_and_persona_in_markdown() -> None:
    md = report.report_markdown(hostile_view(), NOW_MS)
    assert "- **Persona:** !\\[pixel\\](http://evil.example/p.png)" in md
    assert one_line(TEXTS[-2]) in md  # a formula is harmless in Markdown: left as written
    assert "Title \\[click me\\](http://evil.example/)" in md.splitlines()[0]


def test_the_cover_names_the_phase_reached_never_its_raw_value() -> None:
    revealed = {"votes": True, "ratings": True}
    view = view_of({}, session={"phase": "action_plan", "revealed": revealed})
    assert view.phase == "action_plan"
    for text in (report.report_html(view, NOW_MS), report.report_markdown(view, NOW_MS)):
        assert "phase reached: Action plan" in text
        assert "action_plan" not in text


def test_page_one_opens_with_the_conclusions_by_their_text() -> None:
    view = example_view()
    summary = report.build_report(view, NOW_MS).summary
    pains = sorted(view.of_kind("pain"), key=lambda card: -card.votes)
    assert summary.top_pains[0].startswith(pains[0].text)
    assert len(summary.top_pains) == 3
    for text in (report.report_html(view, NOW_MS), report.report_markdown(view, NOW_MS)):
        summary_part = text[text.index("Summary") : text.index("Who took part")]
        assert pains[0].text in summary_part
        for solution in summary.quick_wins.shown + summary.big_bets.shown + summary.approved.shown:
            assert solution in summary_part
        assert "…and" not in summary_part  # the example's lists are short: no "and N more"


def many_solutions_view(count: int) -> BoardView:
    """`count` quick wins, each approved, of rising impact (the last the most)."""
    cards: dict[str, dict[str, Any]] = {}
    ratings: dict[str, Any] = {}
    decisions: dict[str, Any] = {}
    for n in range(count):
        cards[f"s{n:03d}"] = {"kind": "solution", "stage": "s", "pos": f"a{n:03d}",
                              "text": f"Solution number {n}"}  # fmt: skip
        ratings[f"s{n:03d}"] = {"effort": 1.5, "impact": 3.0 + n / count, "n": 3,
                                "effort_spread": 0.0, "impact_spread": 0.0,
                                "quadrant": "quick_win"}  # fmt: skip
        decisions[f"s{n:03d}"] = [{"person": "r1", "name": "Rita", "department": "",
                                   "role": "reviewer", "decision": "approve", "comment": "",
                                   "at_ms": NOW_MS}]  # fmt: skip
    return view_of(cards, ratings=ratings, decisions=decisions)


def test_page_one_names_the_first_few_of_each_list_and_how_many_more() -> None:
    """A summary of a big board names `SUMMARY_SHOWN` quick wins (the most impact first) and
    approvals (in the plan's order), and says how many more there are; the plan has them all."""
    shown = report.SUMMARY_SHOWN
    view = many_solutions_view(shown + 7)
    built = report.build_report(view, NOW_MS)
    summary = built.summary
    strongest = [f"Solution number {n}" for n in range(shown + 6, 6, -1)]
    assert summary.quick_wins == report.Listed(tuple(strongest), 7)
    first = tuple(solution.text for solution in built.solutions[:shown])
    assert summary.approved == report.Listed(first, 7)
    html = report.report_html(view, NOW_MS)
    root = ET.fromstring(html)
    page_one = next(s for s in root.iter(XHTML + "section") if s.get("class") == "summary")
    said = "".join(page_one.itertext())
    assert "…and 7 more quick wins (see the action plan)" in said
    assert "…and 7 more approved solutions (see the action plan)" in said
    assert "Solution number 0" not in said.split("Quick wins and big bets")[1].split("Decisions")[0]
    assert said.count("Solution number") == 2 * shown
    plan = next(s for s in root.iter(XHTML + "section") if s.get("class") == "plan")
    assert "".join(plan.itertext()).count("Solution number") == shown + 7
    md = report.report_markdown(view, NOW_MS)
    summary_md = md[md.index("Summary") : md.index("Who took part")]
    assert "- …and 7 more quick wins (see the action plan)" in summary_md
    assert summary_md.count("Solution number") == 2 * shown
    # One more than shown says "1 more" in the singular; exactly as many says nothing.
    one_more = report.report_html(many_solutions_view(shown + 1), NOW_MS)
    assert "…and 1 more quick win (see the action plan)" in one_more
    assert "more quick win" not in report.report_html(many_solutions_view(shown), NOW_MS)


def test_quick_wins_of_equal_impact_come_with_the_least_effort_first() -> None:
    """Ties in impact go to the lower effort; the rest keeps the plan's order."""
    cards = {
        f"s{n}": {"kind": "solution", "stage": "s", "pos": f"a{n}", "text": f"Solution {n}"}
        for n in range(3)
    }
    placed = {
        "s0": {"effort": 2.5, "impact": 4.0},
        "s1": {"effort": 1.0, "impact": 4.0},
        "s2": {"effort": 1.5, "impact": 4.5},
    }
    rated = {
        key: {**value, "n": 3, "effort_spread": 0.0, "impact_spread": 0.0, "quadrant": "quick_win"}
        for key, value in placed.items()
    }
    summary = report.build_report(view_of(cards, ratings=rated), NOW_MS).summary
    assert summary.quick_wins.shown == ("Solution 2", "Solution 1", "Solution 0")


def _stage(title: str, cards: int, chars: int = 30) -> report.StageSection:
    entries = tuple(report.CardEntry(f"{title}{n}", "x" * chars, ()) for n in range(cards))
    return report.StageSection(title, (report.Lane("Does", entries),), (), ())


def test_a_one_page_map_starts_its_second_column_where_the_stages_even_out() -> None:
    stages = [_stage("a", 6), _stage("b", 6), _stage("c", 6), _stage("d", 6)]
    balanced = report._balance_map(stages)
    assert [stage.column_start for stage in balanced] == [False, False, True, False]
    assert not report._long_map(balanced)


def test_a_map_longer_than_a_page_flows_and_a_very_long_one_is_one_column() -> None:
    two_pages = [_stage(str(n), 20) for n in range(6)]
    assert not any(stage.column_start for stage in report._balance_map(two_pages))
    assert not report._long_map(two_pages)
    listing = [_stage(str(n), 250, 300) for n in range(8)]
    assert report._long_map(listing)


def test_the_printed_map_marks_its_column_start_and_length_in_the_html() -> None:
    html = report.report_html(example_view(), NOW_MS)
    assert '<section class="map">' in html or '<section class="map long">' in html
    assert html.count("column-start") <= 1


def plan_board(owner: str = "") -> BoardView:
    """Two solutions, neither rated, decided or answering a pain; the first owned by `owner`."""
    cards = {
        "s1": {"kind": "solution", "stage": "s", "pos": "a", "text": "Call back the same day",
               "owner": owner},
        "s2": {"kind": "solution", "stage": "s", "pos": "b", "text": "One claims handler"},
    }  # fmt: skip
    return view_of(cards)


def plan_headings(html: str) -> list[str]:
    root = ET.fromstring(html)
    plan = next(s for s in root.iter(XHTML + "section") if s.get("class") == "plan")
    return ["".join(th.itertext()) for th in plan.iter(XHTML + "th")]


def test_the_plan_leaves_out_the_columns_no_solution_has_anything_in() -> None:
    html = report.report_html(plan_board(), NOW_MS)
    assert plan_headings(html) == ["#", "Solution", "Progress"]
    assert (
        "Columns not shown, as every solution is blank in them: Owner, Due, Decision, Answers, "
        "Quadrant, Effort (1 to 5), Impact (1 to 5) and Raters." in html
    )
    # One owner is enough to keep its column, with a dash for the solution without one.
    owned = report.report_html(plan_board("Claims"), NOW_MS)
    assert plan_headings(owned) == ["#", "Solution", "Owner", "Progress"]
    assert "Owner," not in owned.split("every solution is blank in them:")[1].split(".")[0]
    # The example's plan is filled in: every column is shown and nothing is said of it.
    full = report.report_html(example_view(), NOW_MS)
    assert len(plan_headings(full)) == 11 and "every solution is blank" not in full
    # Markdown is for further use: it keeps every column.
    assert "| Owner | Due |" in report.report_markdown(plan_board(), NOW_MS)


def test_the_paper_markup_says_the_same_with_fewer_boxes() -> None:
    """The PDF's markup (`paper`): each list item starts with its bullet as text, card text is
    not wrapped in a span; the text is the HTML export's, bullets aside."""
    view = example_view()
    screen = ET.fromstring(report.report_html(view, NOW_MS))
    paper = ET.fromstring(report.report_html(view, NOW_MS, paper=True))
    assert not [n for n in paper.iter(XHTML + "span") if n.get("class") == "text"]
    items = list(paper.iter(XHTML + "li"))
    assert items and all((li.text or "").startswith("•\u00a0") for li in items)
    lists = list(paper.iter(XHTML + "ul"))
    assert lists and all(ul.get("class") == "bullets" for ul in lists)
    assert not [ul for ul in screen.iter(XHTML + "ul") if ul.get("class") == "bullets"]
    said = "".join(text_outside_charts(paper)).replace("•\u00a0", "")
    assert said == "".join(text_outside_charts(screen))


def test_the_plan_says_ratings_were_not_revealed_instead_of_blank() -> None:
    """Ratings not revealed: their four columns are left out with that note, never called
    blank; the columns that are blank are named as such."""
    cards = {
        "s1": {"kind": "solution", "stage": "s", "pos": "a", "text": "Call back", "owner": "CS"},
    }  # fmt: skip
    view = view_of(
        cards, session={"phase": "action_plan", "revealed": {"votes": True, "ratings": False}}
    )
    html = report.report_html(view, NOW_MS)
    assert plan_headings(html) == ["#", "Solution", "Owner", "Progress"]
    plan = html.split('<section class="plan">')[1].split("</section>")[0]
    assert "Ratings were not revealed." in plan
    assert "blank in them: Due, Decision and Answers." in plan


def test_a_workshop_of_journeys_prints_from_the_paper_markup() -> None:
    """The workshop's report (several journeys) passes `paper` to every chapter."""
    place = report.JourneyPlace("root", "", "", "")
    journeys = [(example_view(), place), (plan_board("Claims"), report.JourneyPlace(
        "persona", "Insurance claim", "", "Young driver"))]  # fmt: skip
    paper = ET.fromstring(report.workshop_html(journeys, NOW_MS, paper=True))
    screen = ET.fromstring(report.workshop_html(journeys, NOW_MS))
    assert not [n for n in paper.iter(XHTML + "span") if n.get("class") == "text"]
    assert [n for n in screen.iter(XHTML + "span") if n.get("class") == "text"]
    items = list(paper.iter(XHTML + "li"))
    assert items and all((li.text or "").startswith("•\u00a0") for li in items)
    said = "".join(text_outside_charts(paper)).replace("•\u00a0", "")
    assert said == "".join(text_outside_charts(screen))
