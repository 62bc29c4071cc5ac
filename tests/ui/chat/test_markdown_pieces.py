"""A long block streams in pieces: each drawn once, the same as the whole answer drawn at once."""

from __future__ import annotations

import random
import re
import statistics

import pytest

from desktop_chat.ui.chat.block_pieces import PIECE_HARD
from desktop_chat.ui.chat.markdown import MarkdownRenderer, RenderContext, Theme
from desktop_chat.ui.chat.markdown_stream import MarkdownStream, render_markdown
from tests.ui.chat.long_blocks import (
    CELL,
    CELLS,
    CODE,
    CODE_LINE,
    DEEP,
    DEEPER,
    HEADING,
    ITEM,
    LIST,
    NESTED,
    PARAGRAPH,
    QUOTE,
    QUOTE_LINE,
    SHAPES,
    TABLE,
    TOKEN,
)


def streamed(text: str, seed: int) -> tuple[MarkdownStream, MarkdownRenderer]:
    """Stream `text` in random pieces, each step taking in a random budget."""
    rng = random.Random(seed)
    renderer = MarkdownRenderer(Theme())
    stream = MarkdownStream(renderer, code_link=str)
    at = 0
    while at < len(text):
        size = rng.choice([1, 3, 17, 80, 400, 3000])
        stream.feed(text[at : at + size])
        at += size
        stream.step(rng.choice([None, 64, 700]))
    stream.close()
    return stream, renderer


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("shape", SHAPES)
def test_streamed_pieces_equal_the_whole_answer_drawn_at_once(shape: str, seed: int) -> None:
    text = SHAPES[shape]
    stream, _ = streamed(text, seed)
    context = RenderContext(code_link=str)

    whole = render_markdown(MarkdownRenderer(Theme()), text, context)

    assert "".join(stream.finished_html) == whole
    assert stream.code == context.code
    assert stream.raw == text


@pytest.mark.parametrize(
    "shape",
    [
        "list",
        "code",
        "table",
        "paragraph",
        "token",
        "heading",
        "quote",
        "quote line",
        "item",
        "nested",
        "code line",
        "cell",
        "cells",
        "deep",
        "deeper",
    ],
)
def test_a_long_block_is_drawn_in_pieces(shape: str) -> None:
    stream, _ = streamed(SHAPES[shape], 0)

    assert len(stream.finished_html) > 4
    assert max(map(len, stream.finished_html)) < 12 * PIECE_HARD  # HTML of one piece


def test_pieces_of_a_code_block_keep_one_label_and_all_of_its_code() -> None:
    stream, _ = streamed(CODE, 1)
    html = "".join(stream.finished_html)

    assert html.count("Copy code") == 1
    assert html.count("<pre") == len(stream.finished_html)
    code = CODE.removeprefix("```python\n").removesuffix("\n```\n")
    assert stream.code == {0: code}


def test_pieces_of_a_table_show_its_head_once() -> None:
    stream, _ = streamed(TABLE, 2)
    html = "".join(stream.finished_html)

    assert html.count("<thead>") == 1
    assert html.count("</th>") == 4
    assert html.count("<tr>") == 201
    assert html.count("<table") == len(stream.finished_html)


def words(text: str) -> list[str]:
    return [w + " " for w in text.split(" ")]


def parsed_per_step(
    renderer: MarkdownRenderer, stream: MarkdownStream, tokens: list[str]
) -> list[int]:
    counts = []
    for token in tokens:
        before = renderer.stats.characters
        stream.feed(token)
        stream.step()
        counts.append(renderer.stats.characters - before)
    return counts


@pytest.mark.parametrize(
    ("name", "unit"),
    [
        ("list item", LIST.splitlines(keepends=True)[2:]),
        ("code line", CODE.splitlines(keepends=True)[:-1]),
        ("table row", TABLE.splitlines(keepends=True)),
        ("sentence", [s + ". " for s in PARAGRAPH.split(". ") if s]),
        ("heading sentence", [s + ". " for s in HEADING.split(". ") if s]),
        ("quote line", QUOTE.splitlines(keepends=True)),
        ("quoted sentence", [s + ". " for s in QUOTE_LINE.split(". ") if s]),
        ("nested item", NESTED.splitlines(keepends=True)[1:-1]),
        ("item nested two deep", DEEP.splitlines(keepends=True)[1:-2]),
        (
            "sentence of a list item",
            ["- " + s + ". " for s in PARAGRAPH.split(". ")[:1]]
            + [s + ". " for s in PARAGRAPH.split(". ")[1:] if s],
        ),
        (
            "sentence of a table cell",
            ["| a | b |\n|---|---|\n| x | " + s + ". " for s in PARAGRAPH.split(". ")[:1]]
            + [s + ". " for s in PARAGRAPH.split(". ")[1:] if s],
        ),
    ],
)
def test_the_work_per_step_does_not_grow_with_the_block(name: str, unit: list[str]) -> None:
    renderer = MarkdownRenderer(Theme())
    stream = MarkdownStream(renderer)
    # The Nth unit streams word by word; what a step parses is what it costs.
    per_unit = [
        sum(parsed_per_step(renderer, stream, words(u.rstrip(" ")))) / len(words(u)) for u in unit
    ]
    early, late = per_unit[20:60], per_unit[-40:]

    assert max(late) < 3 * PIECE_HARD, name
    assert statistics.mean(late) < 2 * statistics.mean(early), name


def test_an_unbroken_token_is_cut_for_display_only() -> None:
    stream, _ = streamed(TOKEN, 3)

    assert all(len(html) < PIECE_HARD + 200 for html in stream.finished_html)
    assert stream.raw == TOKEN


def test_pieces_of_a_heading_and_a_quote_read_as_one() -> None:
    heading, _ = streamed(HEADING, 1)
    quote, _ = streamed(QUOTE, 2)
    quote_line, _ = streamed(QUOTE_LINE, 3)

    pieces = heading.finished_html
    assert all(html.startswith('<p style="font-size:') for html in pieces)
    assert all("margin-top:0px" in html for html in pieces[1:])
    assert all("margin-bottom:0px" in html for html in pieces[:-1])
    for stream in (quote, quote_line):
        pieces = stream.finished_html
        assert all(html.startswith("<blockquote") for html in pieces)
        assert all(html.count("margin-top:0px") == 2 for html in pieces[1:])  # quote and text
        assert all(html.count("margin-bottom:0px") == 2 for html in pieces[:-1])
    assert sum(html.count("<p") for html in quote.finished_html) == 300 // 4


def test_the_rest_of_a_long_list_item_goes_on_without_a_bullet_or_number() -> None:
    stream, _ = streamed(ITEM, 4)
    html = "".join(stream.finished_html)
    rests = html.count("list-style-type:none")

    assert rests > 10  # both long items, each in many pieces
    # Each list: its start, the rests of its long item, then the list again behind its marker.
    assert html.count("<ul") + html.count("<ol") == rests + 4
    assert "\u2060" not in html
    assert '<ul style="margin-top:0px"><li>And a short one</li>' in html
    assert '<ol start="2"' in html  # "2. Last" keeps its number
    assert stream.raw == ITEM


def test_the_pieces_of_a_nested_list_stay_nested() -> None:
    stream, _ = streamed(NESTED, 5)
    pieces = stream.finished_html

    assert len(pieces) > 4
    for html in pieces[1:-1]:  # the rest of the outer item: its nested list, no text, no marker
        assert "list-style-type:none" in html[: html.index(">")]
        assert html.count("<ul") == 2
        assert "<p>" not in html
    assert "The parts:" in pieces[0]
    assert "After the parts" in pieces[-1]


def test_a_long_line_of_code_is_cut_for_display_only() -> None:
    stream, _ = streamed(CODE_LINE, 6)
    html = "".join(stream.finished_html)

    assert len(stream.finished_html) > 8
    assert html.count("Copy code") == 1
    assert "\u2060" not in html
    code = CODE_LINE.removeprefix("```json\n").removesuffix("\n```\n")
    assert stream.code == {0: code}  # "Copy code" gives the line whole


def test_the_work_per_step_in_a_long_line_of_code_does_not_grow() -> None:
    renderer = MarkdownRenderer(Theme())
    stream = MarkdownStream(renderer)
    parts = [part + ", " for part in CODE_LINE.split(", ")[:-1]]  # 1,200 parts, 38 KB
    per_part = [sum(parsed_per_step(renderer, stream, [part])) for part in parts]
    # Past the first piece (~130 parts), what a step parses cycles with the pieces.
    middle, late = per_part[260:520], per_part[-260:]

    assert max(late) < 3 * PIECE_HARD
    assert statistics.mean(late) < 1.5 * statistics.mean(middle)


@pytest.mark.parametrize(("text", "columns", "after"), [(CELL, 2, "short"), (CELLS, 3, "z")])
def test_a_long_table_cell_goes_on_in_its_column(text: str, columns: int, after: str) -> None:
    stream, _ = streamed(text, 7)
    pieces = stream.finished_html

    assert len(pieces) > 10
    assert pieces[0].count("</th>") == columns
    rests = re.compile(r"<tr><td [^>]*></td><td [^>]*>Call <code")  # the first cell empty
    for html in pieces[1:]:  # a row, or the rest of the long cell's row; the head only once
        assert "<th" not in html
        assert html.count("<tr>") <= 2
        assert html.count("</td>") == columns * html.count("<tr>")
    assert sum(1 for html in pieces if rests.search(html)) > 8
    assert f">{after}</td>" in "".join(pieces)  # the cell after the long one
    assert stream.raw == text


@pytest.mark.parametrize(("text", "depth"), [(DEEP, 2), (DEEPER, 3)])
def test_the_pieces_of_a_list_nested_deep_stay_as_deep(text: str, depth: int) -> None:
    stream, _ = streamed(text, 8)
    pieces = stream.finished_html

    assert len(pieces) > 4
    rest = re.compile(r"<[uo]l [^>]*list-style-type:none[^>]*><li>(?=<[uo]l)")
    depths = []
    for html in pieces[1:]:
        # The rest of each item the cut was nested in: no marker and no text, then its items.
        at, found = 0, 0
        while match := rest.match(html, at):
            at, found = match.end(), found + 1
        depths.append(found)
        assert "<p>" not in html
        assert "\u2060" not in html
    assert min(depths[:-1]) >= 1
    assert max(depths) == depth
    assert stream.raw == text
