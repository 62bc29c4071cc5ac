"""Markdown to Qt-ready HTML: each element, highlighting, and safety against untrusted output."""

from __future__ import annotations

import re

import pytest

from desktop_chat.ui.chat.markdown import (
    MarkdownRenderer,
    RenderContext,
    Theme,
    is_safe_link,
    sanitize_text,
)
from desktop_chat.ui.chat.markdown_stream import render_markdown


@pytest.fixture
def renderer() -> MarkdownRenderer:
    return MarkdownRenderer(Theme())


def render(renderer: MarkdownRenderer, source: str, **context: object) -> str:
    return render_markdown(renderer, source, RenderContext(**context))  # type: ignore[arg-type]


def test_headings(renderer: MarkdownRenderer) -> None:
    html = render(renderer, "# One\n\n## Two\n\nThree\n=====\n\n###### Six")
    # The one type scale: h1 1.5, h2 1.3, h3 1.15, smaller ones body size, all bold.
    assert (
        'font-size:15.00pt; font-weight:600; margin-top:20px; margin-bottom:8px;">One</p>' in html
    )
    assert (
        'font-size:13.00pt; font-weight:600; margin-top:20px; margin-bottom:8px;">Two</p>' in html
    )
    assert (
        'font-size:15.00pt; font-weight:600; margin-top:20px; margin-bottom:8px;">Three</p>' in html
    )
    assert (
        'font-size:10.00pt; font-weight:600; margin-top:16px; margin-bottom:8px;">Six</p>' in html
    )


def test_lists_nested_and_ordered(renderer: MarkdownRenderer) -> None:
    html = render(renderer, "- a\n- b\n  - inner\n\n3. three\n4. four\n")
    assert re.search(r"<ul><li>a</li><li>b<ul><li>inner</li></ul></li></ul>", html)
    assert '<ol start="3"><li>three</li><li>four</li></ol>' in html


def test_table_has_borders_qt_understands(renderer: MarkdownRenderer) -> None:
    html = render(renderer, "| a | b |\n|:--|--:|\n| 1 | 2 |\n")
    assert '<table border="1" cellspacing="0" cellpadding="6"' in html
    assert '<th style="background-color:#f2f2f2; text-align:left">a</th>' in html
    assert '<td style="text-align:right">2</td>' in html


def test_block_quote_and_inline_code(renderer: MarkdownRenderer) -> None:
    html = render(renderer, "> quoted `x < y`\n")
    assert html.startswith('<blockquote style="color:#6b6b6b; background-color:#f2f2f2;')
    assert "<p>quoted <code" in html
    assert "x &lt; y</code>" in html
    assert "background-color:#f0f0f0" in html


def test_emphasis_strike_and_breaks(renderer: MarkdownRenderer) -> None:
    html = render(renderer, "*em* **strong** ~~gone~~  \nnext\nsoft")
    assert "<em>em</em> <strong>strong</strong> <s>gone</s><br />next soft" in html


def test_output_has_no_layout_newlines(renderer: MarkdownRenderer) -> None:
    # Qt turns newlines between tags into stray spaces; code keeps its lines as &#10;.
    html = render(renderer, "a\nb\n\n- x\n- y\n\n```\nl1\nl2\n```\n")
    assert "\n" not in html
    assert "l1&#10;l2</pre>" in html


def test_fenced_code_is_highlighted_numbered_and_linked(renderer: MarkdownRenderer) -> None:
    context = RenderContext(code_link=lambda n: f"act:code/{n}")
    html = render_markdown(
        renderer, "```python\ndef f():\n    return 1\n```\n\n~~~\nplain\n~~~\n", context
    )
    assert '<span style="color:#008000;font-weight:600">def</span>' in html
    assert html.count("Copy code</a>") == 2
    assert 'href="act:code/0"' in html
    assert 'href="act:code/1"' in html
    assert context.code == {0: "def f():\n    return 1", 1: "plain"}
    assert context.next_code == 2
    assert 'text-indent:10px;">python &nbsp;' in html
    assert 'text-indent:10px;">code &nbsp;' in html


def test_unknown_language_is_escaped_not_highlighted(renderer: MarkdownRenderer) -> None:
    html = render(renderer, "```no-such-language\n<script>alert(1)</script>\n```\n")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script" not in html
    assert "<span" not in html.split("<pre", 1)[1]


def test_highlighted_code_is_escaped(renderer: MarkdownRenderer) -> None:
    html = render(renderer, '```html\n<img src="http://127.0.0.1:9/x.png">\n```\n')
    assert "<img" not in html
    assert "&lt;" in html
    assert "&quot;" not in html.split("<pre", 1)[0]


def test_code_keeps_leading_blank_line_and_drops_one_trailing_newline(
    renderer: MarkdownRenderer,
) -> None:
    context = RenderContext()
    render_markdown(renderer, "```\n\nx\n\n```\n", context)
    assert context.code == {0: "\nx\n"}


def test_dark_theme_uses_dark_code_colours() -> None:
    light = render(MarkdownRenderer(Theme()), "```python\nimport os\n```")
    dark = render(MarkdownRenderer(Theme(dark=True)), "```python\nimport os\n```")
    assert "color:#ff7b72" in dark  # github-dark keyword colour
    assert "color:#ff7b72" not in light


def test_raw_html_is_shown_as_text(renderer: MarkdownRenderer) -> None:
    source = '<img src="http://127.0.0.1:9/pixel.png">\n\n<script>alert(1)</script> and <b>bold</b>'
    html = render(renderer, source)
    assert "<img" not in html
    assert "<script" not in html
    assert "<b>" not in html
    assert "&lt;img src=&quot;http://127.0.0.1:9/pixel.png&quot;&gt;" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;bold&lt;/b&gt;" in html


def test_http_links_are_links(renderer: MarkdownRenderer) -> None:
    html = render(renderer, '[site](https://example.com/a?b=1&c="2") <http://example.org>')
    assert '<a href="https://example.com/a?b=1&amp;c=%222%22"' in html
    assert '<a href="http://example.org"' in html


@pytest.mark.parametrize(
    "link",
    [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        "file:///etc/passwd",
        "data:text/html,<b>x</b>",
        "vbscript:x",
        "ftp://example.com/x",
        "relative/page.html",
        "//example.com/no-scheme",
        "dc-0123456789abcdef:retry",
    ],
)
def test_other_links_are_plain_text(renderer: MarkdownRenderer, link: str) -> None:
    html = render(renderer, f"[click me]({link}) and <{link}>")
    assert "<a " not in html
    assert "click me" in html


def test_images_never_load(renderer: MarkdownRenderer) -> None:
    html = render(renderer, "![pixel](http://127.0.0.1:9/p.png) ![local](file:///tmp/x.png)")
    assert "<img" not in html
    assert "[image: pixel]</span></a>" in html
    assert 'href="http://127.0.0.1:9/p.png"' in html
    assert 'href="file:' not in html
    assert "![local](file:///tmp/x.png)" in html  # not even parsed as an image: shown as typed


def test_link_text_with_image_inside_link(renderer: MarkdownRenderer) -> None:
    html = render(renderer, "[![logo](https://example.com/l.png)](https://example.com)")
    assert html.count("<a ") == 1
    assert html.count("</a>") == 1


def test_link_attributes_are_escaped(renderer: MarkdownRenderer) -> None:
    html = render(renderer, '[x](<https://example.com/a"b> "t"itle")')
    anchor = html.split(">", 2)[1]
    assert anchor.count('"') == 6  # href, style and title values, each quoted exactly once


def test_sanitize_text_removes_document_structure_characters() -> None:
    assert sanitize_text("a\ufdd0b\ufdd1c\ufffcd\u2029e\x00") == "a\ufffdb\ufffdc\ufffdd\ne\ufffd"


@pytest.mark.parametrize(
    ("href", "safe"),
    [
        ("https://example.com", True),
        ("HTTP://EXAMPLE.COM/x", True),
        ("https://", False),
        ("javascript:alert(1)", False),
        ("file:///etc/passwd", False),
        ("http://[::1", False),
    ],
)
def test_is_safe_link(href: str, safe: bool) -> None:
    assert is_safe_link(href) is safe


def test_cjk_text_passes_through(renderer: MarkdownRenderer) -> None:
    html = render(renderer, "## 你好，世界\n\n日本語のテキスト と 한국어")
    assert ">你好，世界</p>" in html
    assert "日本語のテキスト と 한국어" in html
