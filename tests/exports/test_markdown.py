"""Markdown escaping: only what a renderer would read as markup, where it would read it."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from markdown_it import MarkdownIt

from exports.boards import NOW_MS, view_of
from exports.hostile import TEXTS, hostile_view, one_line
from journeyboard.exports import markdown, report


def render(text: str) -> str:
    return MarkdownIt("commonmark").enable(["table", "strikethrough"]).render(text)


class Tags(HTMLParser):
    """The tags of a rendered document and the text of each cell, item, heading, paragraph."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.texts: list[str] = []
        self._open: list[list[str]] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: object) -> None:
        self.tags.append(tag)
        if tag in ("td", "th", "li", "p", "h1", "h2", "h3"):
            self._open.append([])

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th", "li", "p", "h1", "h2", "h3") and self._open:
            self.texts.append("".join(self._open.pop()).strip())

    def handle_data(self, data: str) -> None:
        for chunk in self._open:
            chunk.append(data)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Premium 4.0 overall!", "Premium 4.0 overall!"),
        ("AT&T", "AT&T"),
        ("&amp;", "\\&amp;"),
        ("snake_case", "snake_case"),
        ("_em_", "\\_em\\_"),
        ("a < b", "a < b"),
        ("<b>", "\\<b>"),
        ("[x](y)", "\\[x\\](y)"),
        ("1. first", "1\\. first"),
        ("2025 was 1. in line", "2025 was 1. in line"),
        ("# tag", "\\# tag"),
        ("#tag", "#tag"),
        ("- item", "\\- item"),
        ("-sad", "-sad"),
        ("> quote", "\\> quote"),
        ("C:\\Users", "C:\\Users"),
        ("end\\", "end\\\\"),
        ("two\nlines", "two lines"),
    ],
)
def test_block_escapes_only_what_markdown_reads(text: str, expected: str) -> None:
    assert markdown.block(text) == expected
    assert one_line(Tags(render(markdown.block(text))).texts[0]) == one_line(text)


def test_contexts() -> None:
    assert markdown.cell("a | b") == "a \\| b" and markdown.block("a | b") == "a | b"
    assert markdown.inline("1. first") == "1. first"  # mid-line: no list to start
    assert markdown.heading("Stage #") == "Stage \\#" and markdown.heading("C#") == "C#"


def test_hostile_text_reads_as_itself_and_never_becomes_markup() -> None:
    hostile = report.report_markdown(hostile_view(), NOW_MS)
    assert "&amp;amp;" not in hostile and "&lt;" not in hostile
    assert "4\\.0" not in hostile and "overall\\!" not in hostile
    parsed = Tags(render(hostile))
    # No text made a link, an image, raw HTML, code, emphasis, a quote, a rule or a list.
    assert not set(parsed.tags) & {"a", "img", "script", "code", "pre", "em", "del", "s",
                                   "blockquote", "hr", "ol", "h4"}  # fmt: skip
    # The document's shape is the shape it has with harmless text: no table lost a cell.
    harmless = hostile_view()
    for card in harmless.cards:
        object.__setattr__(card, "text", "plain")
    harmless.title = "Title plain"
    harmless.persona = "plain"
    for attr in harmless.card_by_id.values():
        if attr.kind == "solution":
            attr.fields["owner"] = "plain"
    assert parsed.tags == Tags(render(report.report_markdown(harmless, NOW_MS))).tags
    for text in TEXTS:
        assert one_line(text) in parsed.texts, text  # the pain point's cell
        assert f"Action {one_line(text)}" in parsed.texts, text  # the map's list item
        assert f"Solution {one_line(text)}" in parsed.texts, text  # the plan's cell


def test_a_hostile_stage_name_stays_a_heading() -> None:
    for text in TEXTS:
        view = view_of({"c": {"kind": "action", "stage": "s", "pos": "a", "text": "x"}}, text)
        parsed = Tags(render(report.report_markdown(view, NOW_MS)))
        assert f"1. {one_line(text)}" in parsed.texts, text
        assert "h4" not in parsed.tags and "a" not in parsed.tags
