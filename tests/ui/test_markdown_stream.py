"""The split of a streamed message into finished blocks (rendered once) and an open tail."""

from __future__ import annotations

import random
from collections.abc import Sequence

import pytest
from markdown_it.token import Token

from desktop_chat.ui.chat import block_pieces
from desktop_chat.ui.chat.markdown import MarkdownRenderer, RenderContext, Theme, sanitize_text
from desktop_chat.ui.chat.markdown_stream import MarkdownStream, render_markdown

CORPUS = """# Title with `code`

A paragraph with *emphasis*, **strong**, a [link](https://example.com) and a
soft break, then a hard break\
here.

Setext heading
--------------

- tight item
- item with `code`
  - nested item
- last

1. loose item

2. second loose item

   continued paragraph in the item

> quote line one
lazy continuation
>
> - list in quote

| left | right |
|:-----|------:|
| a    |     1 |
| b    |     2 |

```python
def f(x):
    '''Docstring
    spanning lines.'''
    return x * 2
```

~~~
tilde fence
~~~

    indented code
    block

***

<b>raw html</b> stays text; [bad](javascript:alert(1)); 日本語の段落。

Last paragraph without newline"""

TRICKY = """1. a

2. b
10) c

2024. was a year
2024 was a year

para
===

para two
| a | b |
|---|---|
| 1 | 2 |
text after table

- a
-
- c

* * *
*not a list*
-foo
+ plus
+ plus two

> a
> b

c
#hashtag
# heading #
    code after paragraph is lazy
```
unterminated fence at the end"""


class RecordingRenderer(MarkdownRenderer):
    """Record the first line of every top-level block each render call sees."""

    def __init__(self) -> None:
        super().__init__(Theme())
        self.calls: list[list[str]] = []

    def render(self, tokens: Sequence[Token], context: RenderContext) -> str:
        blocks = []
        for i, token in enumerate(tokens):
            if token.level == 0 and token.nesting >= 0:
                inline = tokens[i + 1] if token.nesting == 1 and i + 1 < len(tokens) else token
                blocks.append(inline.content.split("\n", 1)[0])
        self.calls.append(blocks)
        return super().render(tokens, context)


def stream_in_pieces(stream: MarkdownStream, text: str, cuts: Sequence[int]) -> None:
    last = 0
    for cut in [*sorted(cuts), len(text)]:
        stream.feed(text[last:cut])
        stream.step()
        last = cut


def one_shot(text: str) -> str:
    renderer = MarkdownRenderer(Theme())
    return renderer.render(renderer.parse(sanitize_text(text)), RenderContext(code_link=str))


@pytest.mark.parametrize("seed", range(25))
def test_streamed_html_equals_one_shot_render(seed: int) -> None:
    rng = random.Random(seed)
    cuts = rng.sample(range(1, len(CORPUS)), rng.randint(1, 120))
    stream = MarkdownStream(MarkdownRenderer(Theme()), code_link=str)
    stream_in_pieces(stream, CORPUS, cuts)
    step = stream.close()
    assert step.tail == ""
    assert stream.tail_html == ""
    assert "".join(stream.finished_html) == one_shot(CORPUS)
    assert stream.raw == CORPUS


@pytest.mark.parametrize("text", [CORPUS, TRICKY], ids=["corpus", "tricky"])
def test_streaming_char_by_char_equals_one_shot_render(text: str) -> None:
    stream = MarkdownStream(MarkdownRenderer(Theme()), code_link=str)
    stream_in_pieces(stream, text, range(1, len(text)))
    stream.close()
    assert "".join(stream.finished_html) == one_shot(text)


@pytest.mark.parametrize("seed", range(25))
def test_tricky_streams_equal_one_shot_render(seed: int) -> None:
    rng = random.Random(seed)
    cuts = rng.sample(range(1, len(TRICKY)), rng.randint(1, 150))
    stream = MarkdownStream(MarkdownRenderer(Theme()), code_link=str)
    stream_in_pieces(stream, TRICKY, cuts)
    stream.close()
    assert "".join(stream.finished_html) == one_shot(TRICKY)


@pytest.mark.parametrize("limit", [1, 7, 64, 4096])
def test_steps_with_a_budget_take_at_most_the_budget(limit: int) -> None:
    stream = MarkdownStream(MarkdownRenderer(Theme()), code_link=str)
    stream.feed(CORPUS)
    steps = 0
    while stream.backlog and steps < 10_000:
        step = stream.step(limit)
        assert 0 < step.consumed <= limit
        steps += 1
    assert stream.backlog == 0
    stream.close()
    assert "".join(stream.finished_html) == one_shot(CORPUS)


def test_finished_blocks_are_rendered_exactly_once() -> None:
    renderer = RecordingRenderer()
    stream = MarkdownStream(renderer)
    paragraphs = [f"Paragraph {i} says something." for i in range(30)]
    finished_at: list[int] = []  # number of render calls once paragraph i was finished
    for i, paragraph in enumerate(paragraphs):
        for word in paragraph.split(" "):
            stream.feed(word + " ")
            stream.step()
            if i and word == "Paragraph":
                finished_at.append(len(renderer.calls))
        stream.feed("\n\n")
        stream.step()
    stream.close()
    finished_at.append(len(renderer.calls))
    assert stream.finished_html == [f"<p>{p}</p>" for p in paragraphs]
    assert stream.finished_blocks == len(paragraphs)
    for paragraph, index in zip(paragraphs, finished_at, strict=True):
        assert sum(paragraph in call for call in renderer.calls[:index]) >= 2  # tail, then done
        assert not any(paragraph in call for call in renderer.calls[index:]), paragraph


def test_finished_code_is_not_highlighted_again() -> None:
    renderer = MarkdownRenderer(Theme())
    stream = MarkdownStream(renderer)
    code = "".join(f"value_{i} = {i}\n" for i in range(10))
    stream.feed(f"```python\n{code}```\n\nAfter.\n\n")
    stream.step()
    highlighted = renderer.stats.code_lines
    assert highlighted > 0
    for i in range(50):
        stream.feed(f"More text {i}.\n\n")
        stream.step()
    stream.close()
    assert renderer.stats.code_lines == highlighted


def test_open_fence_renders_as_code_so_far() -> None:
    stream = MarkdownStream(MarkdownRenderer(Theme()), code_link=lambda n: f"x:code/{n}")
    stream.feed("Intro.\n\n```python\ndef f():\n    ret")
    step = stream.step()
    assert "<p>Intro.</p>" in step.finished
    assert "<pre" in step.tail
    assert ">def</span>" in step.tail
    assert "ret" in step.tail
    assert stream.code == {0: "def f():\n    ret"}
    assert 'href="x:code/0"' in step.tail


def test_long_open_fence_is_cut_into_pieces_that_are_drawn_once() -> None:
    renderer = MarkdownRenderer(Theme())
    stream = MarkdownStream(renderer, code_link=str)
    stream.feed("```python\n")
    stream.step()
    lines = [f"line_{i} = {i}" for i in range(400)]
    pieces = 0
    for line in lines:
        before = renderer.stats.code_lines
        stream.feed(line + "\n")
        step = stream.step()
        pieces += step.finished.count("<pre")
        # Each step highlights the open piece again, never the whole block so far.
        piece_lines = block_pieces.PIECE_LOOSE // len(line) + 2
        assert renderer.stats.code_lines - before <= 2 * piece_lines
    assert pieces >= 2
    assert stream.code == {0: "\n".join(lines)}
    stream.feed("```\n\nNext paragraph.")
    step = stream.step()
    assert step.finished.count("<pre") == 1  # only the last piece was left to finish
    assert "Copy code" not in step.finished  # one label, above the first piece
    assert "".join(stream.finished_html).count("Copy code") == 1
    assert stream.code == {0: "\n".join(lines)}
    stream.close()
    assert "".join(stream.finished_html) == render_markdown(
        MarkdownRenderer(Theme()), stream.raw, RenderContext(code_link=str)
    )


def test_open_table_is_redrawn_only_when_a_row_completes() -> None:
    stream = MarkdownStream(MarkdownRenderer(Theme()))
    table = "| name | value |\n|------|------:|\n" + "".join(
        f"| row {i} | {i} |\n" for i in range(6)
    )
    replaced = []
    for i, char in enumerate(table):
        stream.feed(char)
        step = stream.step()
        assert "<table" not in step.tail
        if step.replace_settled:
            replaced.append(i)
            assert step.settled.count("<tr>") == table[: i + 1].count("\n") - 1
    # Once when header and delimiter are complete, then once per body row.
    assert [table[i] for i in replaced] == ["\n"] * 7
    stream.feed("| typing")
    step = stream.step()
    assert not step.replace_settled
    assert "| typing</p>" in step.tail
    stream.feed(" |\n\nAfter.")
    step = stream.step()
    assert step.replace_settled
    assert step.settled == ""
    assert step.finished.count("<tr>") == 8
    assert stream.settled_html == []


def test_a_table_shown_complete_is_kept_when_it_finishes() -> None:
    stream = MarkdownStream(MarkdownRenderer(Theme()))
    stream.feed("| a | b |\n|---|---|\n| 1 | 2 |\n")
    shown = stream.step().settled
    assert shown.count("<tr>") == 2
    stream.feed("\nNext paragraph")
    step = stream.step()
    assert step.promote_settled
    assert not step.replace_settled
    assert step.finished == ""  # the table was not rendered again for the view
    assert stream.finished_html == [shown]
    assert "Next paragraph" in step.tail


def test_split_crlf_is_one_line_break() -> None:
    stream = MarkdownStream(MarkdownRenderer(Theme()))
    for piece in ["one\r", "\ntwo\r", "\r\nthree\r"]:
        stream.feed(piece)
        stream.step()
    stream.close()
    assert "".join(stream.finished_html) == "<p>one two</p><p>three</p>"
    assert stream.raw == "one\r\ntwo\r\r\nthree\r"


def test_step_without_new_text_changes_nothing() -> None:
    stream = MarkdownStream(MarkdownRenderer(Theme()))
    stream.feed("Hello")
    assert stream.step().changed
    assert not stream.step().changed
    stream.feed("   ")  # trailing spaces do not change the rendered paragraph
    assert not stream.step().tail_changed
