"""The Transcript widget: Markdown in the document, streaming, actions, safety, accessibility."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from markdown_it.token import Token
from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QColor, QGuiApplication, QPalette, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import QApplication, QMenu
from pytestqt.qtbot import QtBot

from desktop_chat.ui.chat import block_pieces
from desktop_chat.ui.chat.markdown import MarkdownRenderer, RenderContext
from desktop_chat.ui.chat.transcript import Transcript
from tests.support.gui import POPUP_ON_OFFSCREEN
from tests.support.transcript import (
    WAIT_MS,
    action_line,
    anchors,
    click_link,
    drain,
    stream,
    text,
)

ALL_ELEMENTS = """# Heading one

Text with *em*, `inline code` and a [link](https://example.com/docs).

- bullet one
- bullet two

1. first
2. second

> quoted words

| name | value |
|------|-------|
| a    | 1     |

```python
def answer():
    return 42
```
"""


@pytest.fixture
def transcript(qtbot: QtBot) -> Iterator[Transcript]:
    view = Transcript(frame_ms=1)
    qtbot.addWidget(view)
    view.resize(700, 500)
    view.show()
    yield view
    view.clear()


def wait_for_text(qtbot: QtBot, view: Transcript, expected: str) -> None:
    qtbot.waitUntil(lambda: expected in text(view), timeout=WAIT_MS)


def blocks(view: Transcript) -> Iterator[tuple[str, QTextCursor]]:
    block = view.view.document().begin()
    while block.isValid():
        yield block.text(), QTextCursor(block)
        block = block.next()


def fragments(view: Transcript) -> list[tuple[str, QTextCharFormat]]:
    """Return (text, format) of every run of text in the document."""
    found = []
    block = view.view.document().begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            found.append((it.fragment().text(), it.fragment().charFormat()))
            it += 1
        block = block.next()
    return found


def href(view: Transcript, label: str, nth: int = -1) -> str:
    return [h for t, h, _ in anchors(view) if t == label][nth]


# -- Markdown elements in the document ---------------------------------------------------------


def test_each_markdown_element_renders(transcript: Transcript) -> None:
    transcript.add_message("assistant", ALL_ELEMENTS)
    found = dict(blocks(transcript))
    heading = found["Heading one"].charFormat().font().pointSizeF()
    assert heading == pytest.approx(transcript.view.document().defaultFont().pointSizeF() * 1.5)
    assert found["bullet one"].currentList() is not None
    assert (
        found["first"].currentList().format().style()
        != found["bullet one"].currentList().format().style()
    )
    quote = found["quoted words"].blockFormat()
    assert quote.background().color() == transcript.palette().color(
        QPalette.ColorRole.AlternateBase
    )
    assert found["a"].currentTable() is not None
    code = found["def answer():"]
    assert code.blockFormat().nonBreakableLines()
    assert code.blockFormat().background().color() != QColor(0, 0, 0, 0)
    links = [(t, h) for t, h, _ in anchors(transcript)]
    assert ("link", "https://example.com/docs") in links
    assert [t for t, _ in links].count("Copy code") == 1
    inline = [f for t, f in fragments(transcript) if t == "inline code"]
    assert inline
    assert inline[0].background().color().name() != "#000000"
    emphasis = [f for t, f in fragments(transcript) if t == "em"]
    assert emphasis
    assert emphasis[0].fontItalic()


def test_code_is_highlighted(transcript: Transcript) -> None:
    transcript.add_message("assistant", "```python\nimport os\n```")
    colours = {f.foreground().color().name() for t, f in fragments(transcript) if t == "import"}
    assert colours
    assert colours != {transcript.palette().color(QPalette.ColorRole.Text).name()}


def test_user_text_keeps_its_lines_and_is_not_markdown(transcript: Transcript) -> None:
    transcript.add_message("user", "line one\nline *two*   spaced\n# not a heading")
    plain = text(transcript).replace("\u2028", "\n")
    assert "line one\nline *two*   spaced\n# not a heading" in plain
    assert all(c.blockFormat().headingLevel() == 0 for _, c in blocks(transcript))


def test_cjk_line_renders(transcript: Transcript) -> None:
    transcript.add_message("assistant", "## 你好，世界\n\n日本語のテキストと한국어")
    assert "你好，世界" in text(transcript)
    block = dict(blocks(transcript))["日本語のテキストと한국어"].block()
    assert block.layout().lineCount() >= 1
    assert block.layout().lineAt(0).naturalTextWidth() > 0


# -- streaming ---------------------------------------------------------------------------------


def test_streamed_message_matches_the_same_message_loaded(qtbot: QtBot) -> None:
    streamed, loaded = Transcript(frame_ms=1), Transcript()
    for view in (streamed, loaded):
        qtbot.addWidget(view)
    source = ALL_ELEMENTS * 3 + "\n" + "".join(f"Para {i} with words.\n\n" for i in range(30))
    streamed.begin_assistant()
    for i in range(0, len(source), 7):
        streamed.append_text(source[i : i + 7])
        if i % 70 == 0:
            qtbot.wait(2)
    streamed.finish()
    drain(qtbot, streamed)
    loaded.add_message("assistant", source)
    # Equal but for empty blocks: a table that begins a streamed region has an (invisible)
    # empty block before it.
    assert shape(streamed) == shape(loaded)
    assert streamed.message_markdown(0) == source


def shape(view: Transcript) -> list[tuple[str, int, bool, bool, bool]]:
    return [
        (
            t,
            c.blockFormat().headingLevel(),
            c.currentList() is not None,
            c.currentTable() is not None,
            c.blockFormat().nonBreakableLines(),
        )
        for t, c in blocks(view)
        if t
    ]


def test_finished_blocks_are_not_rendered_again(
    qtbot: QtBot, transcript: Transcript, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[str] = []
    original = MarkdownRenderer.render

    def spy(self: MarkdownRenderer, tokens: Sequence[Token], context: RenderContext) -> str:
        seen.extend(t.content for t in tokens if t.type == "inline" and t.level == 1)
        return original(self, tokens, context)

    monkeypatch.setattr(MarkdownRenderer, "render", spy)
    transcript.begin_assistant()
    count = 25
    for i in range(count):
        for word in f"Paragraph {i} streams in several pieces.".split(" "):
            transcript.append_text(word + " ")
            qtbot.wait(2)
        transcript.append_text("\n\n")
        wait_for_text(qtbot, transcript, f"Paragraph {i} streams in several pieces.")
    transcript.finish()
    drain(qtbot, transcript)

    def renders_of(i: int) -> list[int]:
        return [j for j, s in enumerate(seen) if s.startswith(f"Paragraph {i} ")]

    for i in range(count - 1):
        # Drawn while it was the open tail; once the next paragraph began, never again.
        assert max(renders_of(i)) < min(renders_of(i + 1))
        complete = f"Paragraph {i} streams in several pieces."
        assert 1 <= seen.count(complete) <= 3
    assert len(seen) > count * 5


def test_finished_code_is_not_highlighted_again(qtbot: QtBot, transcript: Transcript) -> None:
    transcript.begin_assistant()
    code = "".join(f"value_{i} = {i}\n" for i in range(20))
    transcript.append_text(f"```python\n{code}```\n\nAfter the code.\n\n")
    wait_for_text(qtbot, transcript, "After the code.")
    highlighted = transcript.stats.code_lines
    for i in range(40):
        transcript.append_text(f"More prose {i}.\n\n")
        if i % 5 == 0:
            wait_for_text(qtbot, transcript, f"More prose {i}.")
    transcript.finish()
    drain(qtbot, transcript)
    assert "More prose 39." in text(transcript)
    assert transcript.stats.code_lines == highlighted


def test_open_code_fence_renders_as_code(qtbot: QtBot, transcript: Transcript) -> None:
    transcript.begin_assistant()
    stream(qtbot, transcript, ["Here:\n\n```py", "thon\ndef f(x):\n", "    return x + 1\n"])
    wait_for_text(qtbot, transcript, "    return x + 1")
    assert transcript.busy
    found = dict(blocks(transcript))
    assert found["def f(x):"].blockFormat().nonBreakableLines()
    assert "Copy code" in text(transcript)
    transcript.finish()
    assert transcript.message_markdown(0).endswith("return x + 1\n")
    assert dict(blocks(transcript))["    return x + 1"].blockFormat().nonBreakableLines()


def test_long_open_fence_streams_and_ends_exact(qtbot: QtBot, transcript: Transcript) -> None:
    transcript.begin_assistant()
    lines = [f"row_{i} = '{'x' * (i % 7)}'" for i in range(150)]
    transcript.append_text("```python\n")
    for i, line in enumerate(lines):
        transcript.append_text(line + "\n")
        if i % 10 == 0:
            wait_for_text(qtbot, transcript, line)
    transcript.append_text("```\n")
    transcript.finish()
    drain(qtbot, transcript)
    assert "\n".join(lines) in text(transcript)
    assert text(transcript).count("Copy code") == 1
    # Bounded re-highlighting: each frame at most one piece of the block, not all of it.
    piece_lines = block_pieces.PIECE_LOOSE // min(map(len, lines)) + 1
    assert transcript.stats.code_lines <= 150 + transcript.stats.frames * piece_lines


def test_reset_stream_discards_the_failed_attempt(qtbot: QtBot, transcript: Transcript) -> None:
    transcript.begin_assistant()
    transcript.append_reasoning("first thoughts")
    stream(qtbot, transcript, ["The first attempt ", "was cut off"])
    wait_for_text(qtbot, transcript, "was cut off")
    transcript.set_notice("connection lost — retrying in 2 s, attempt 2 of 4")
    wait_for_text(qtbot, transcript, "attempt 2 of 4")
    transcript.reset_stream()
    assert "first attempt" not in text(transcript)
    assert "Show reasoning" not in text(transcript)
    assert "attempt 2 of 4" in text(transcript)
    transcript.set_notice("")
    stream(qtbot, transcript, ["Second ", "attempt."])
    transcript.finish()
    drain(qtbot, transcript)
    assert transcript.message_markdown(0) == "Second attempt."
    assert "Second attempt." in text(transcript)
    assert "first attempt" not in text(transcript)
    assert "retrying" not in text(transcript)


def test_notice_is_one_updatable_line(qtbot: QtBot, transcript: Transcript) -> None:
    transcript.begin_assistant()
    stream(qtbot, transcript, ["Partial answer"])
    for seconds in (3, 2, 1):
        transcript.set_notice(f"connection lost — retrying in {seconds} s, attempt 2 of 4")
        wait_for_text(qtbot, transcript, f"retrying in {seconds} s")
        assert text(transcript).count("retrying in") == 1
    transcript.finish("interrupted")
    assert "retrying" not in text(transcript)


@pytest.mark.parametrize(
    ("status", "marker"),
    [("stopped", "■ Stopped"), ("interrupted", "⚠ Interrupted"), ("", None)],
)
def test_finish_markers(
    qtbot: QtBot, transcript: Transcript, status: str, marker: str | None
) -> None:
    transcript.begin_assistant()
    stream(qtbot, transcript, ["Some ", "answer"])
    transcript.finish(status)
    drain(qtbot, transcript)
    plain = text(transcript)
    assert "Some answer" in plain
    if marker is None:
        assert "Stopped" not in plain
        assert "Interrupted" not in plain
    else:
        assert marker in plain
    assert action_line(transcript) == "Copy · Regenerate · Inspect"


def test_finish_after_a_burst_draws_without_blocking(qtbot: QtBot, transcript: Transcript) -> None:
    transcript.begin_assistant()
    burst = "".join(f"Line {i} of a very fast answer.\n\n" for i in range(3000))
    transcript.append_text(burst)
    transcript.finish()
    assert transcript.busy  # drawn over the next frames, not inside finish()
    assert transcript.message_markdown(0) == burst
    drain(qtbot, transcript)
    assert "Line 2999 of a very fast answer." in text(transcript)
    transcript.add_message("user", "next")
    assert action_line(transcript) == "Copy · Edit"


def test_streaming_calls_without_a_live_message_are_ignored(transcript: Transcript) -> None:
    transcript.append_text("nobody listens")
    transcript.append_reasoning("nor here")
    transcript.set_notice("nothing")
    transcript.reset_stream()
    transcript.finish("stopped")
    assert transcript.count() == 0
    assert text(transcript) == ""


def test_add_message_ends_a_live_message(qtbot: QtBot, transcript: Transcript) -> None:
    transcript.begin_assistant()
    transcript.append_text("cut short")
    transcript.add_message("user", "new question")
    assert not transcript.busy
    assert "⚠ Interrupted" in text(transcript)
    assert transcript.message_markdown(0) == "cut short"


# -- safety ------------------------------------------------------------------------------------


def test_html_injection_is_shown_as_text_and_loads_nothing(
    qtbot: QtBot, transcript: Transcript
) -> None:
    attack = (
        '<img src="http://127.0.0.1:9/pixel.png"> <script>alert(1)</script> <b>bold</b>\n\n'
        "![tracker](http://127.0.0.1:9/t.gif)"
    )
    transcript.add_message("user", attack)
    transcript.add_message("assistant", attack)
    transcript.begin_assistant()
    stream(qtbot, transcript, [attack[:20], attack[20:]])
    transcript.finish()
    transcript.view.grab()  # lay out and paint everything
    plain = text(transcript)
    assert plain.count('<img src="http://127.0.0.1:9/pixel.png">') == 3
    assert plain.count("<script>alert(1)</script>") == 3
    assert plain.count("<b>bold</b>") == 3
    images = [f.toImageFormat().name() for _, f in fragments(transcript) if f.isImageFormat()]
    assert all(name.startswith("dc-icon:") for name in images)  # only our own icons
    assert not any(f.fontWeight() >= 600 and t == "bold" for t, f in fragments(transcript))
    assert list(transcript.view.refused_resources) == []


def test_the_view_refuses_every_resource(transcript: Transcript, tmp_path: Path) -> None:
    image = tmp_path / "x.png"
    image.write_bytes(b"\x89PNG\r\n\x1a\n")
    cursor = QTextCursor(transcript.view.document())
    cursor.insertHtml(f'<img src="{image.as_uri()}"><img src="http://127.0.0.1:9/y.png">')
    transcript.view.grab()
    refused = list(transcript.view.refused_resources)
    assert image.as_uri() in refused
    assert "http://127.0.0.1:9/y.png" in refused
    transcript.view.setSource(QUrl(image.as_uri()))
    assert transcript.view.source() == QUrl()


def test_only_http_links_are_links_and_activate(qtbot: QtBot, transcript: Transcript) -> None:
    transcript.add_message(
        "assistant",
        "[js](javascript:alert(1)) [file](file:///etc/passwd) [act](dc-0000000000000000:retry)"
        " [web](https://example.com/page)",
    )
    assert [(t, h) for t, h, _ in anchors(transcript) if t in {"js", "file", "act", "web"}] == [
        ("web", "https://example.com/page")
    ]
    with qtbot.waitSignal(transcript.link_activated, timeout=WAIT_MS) as blocker:
        click_link(qtbot, transcript, "web")
    assert blocker.args == [QUrl("https://example.com/page")]
    with (
        qtbot.assertNotEmitted(transcript.link_activated),
        qtbot.assertNotEmitted(transcript.retry_requested),
    ):
        for url in ("javascript:alert(1)", "file:///etc/passwd", "dc-0000000000000000:retry"):
            transcript.view.anchorClicked.emit(QUrl(url))


# -- actions -----------------------------------------------------------------------------------


def test_show_error_and_retry(qtbot: QtBot, transcript: Transcript) -> None:
    transcript.add_message("user", "question")
    transcript.begin_assistant()
    stream(qtbot, transcript, ["partial"])
    transcript.show_error("The server answered 500 <Internal Server Error>")
    assert not transcript.busy
    assert "⚠ Interrupted" in text(transcript)
    assert "The server answered 500 <Internal Server Error>" in text(transcript)
    assert "Error: The server answered 500" in transcript.view.accessibleDescription()
    with qtbot.waitSignal(transcript.retry_requested, timeout=WAIT_MS):
        click_link(qtbot, transcript, "Retry")
    transcript.replace_from(1)
    assert "Internal Server Error" not in text(transcript)
    transcript.show_error("again")
    transcript.add_message("assistant", "fine now")
    assert "again" not in text(transcript)


def test_an_answer_that_failed_before_any_text_is_one_error_box(
    qtbot: QtBot, transcript: Transcript
) -> None:
    transcript.add_message("user", "question")
    transcript.begin_assistant()
    transcript.set_notice("connection failed — retrying in 1 s, attempt 2 of 2")
    transcript.show_error("Could not connect to 127.0.0.1:9")
    assert not transcript.busy
    plain = text(transcript)
    assert "Interrupted" not in plain
    assert "retrying" not in plain
    assert plain.count("Could not connect") == 1
    assert [label for label, _, _ in anchors(transcript)] == ["Copy", "Edit", "Retry", "Inspect"]
    assert "Error: Could not connect" in transcript.view.accessibleDescription()
    with qtbot.waitSignal(transcript.retry_requested, timeout=WAIT_MS):
        click_link(qtbot, transcript, "Retry")

    dark = QPalette()
    dark.setColor(QPalette.ColorRole.Base, QColor("#1e1e1e"))
    transcript.setPalette(dark)  # drawn again from the messages: the box is part of its own
    qtbot.waitUntil(lambda: text(transcript).count("Could not connect") == 1, timeout=WAIT_MS)
    assert "Retry" in [label for label, _, _ in anchors(transcript)]

    transcript.add_message("user", "another question")
    plain = text(transcript)
    assert "⚠ No answer — Could not connect to 127.0.0.1:9" in plain
    assert "Retry" not in [label for label, _, _ in anchors(transcript)]
    transcript.replace_from(1)  # a retry from there drops the quiet line with its message
    assert text(transcript).replace("\ufffc", "").rstrip().endswith("question")
    assert action_line(transcript) == "Copy · Edit"


def test_message_actions_emit_their_signals(qtbot: QtBot, transcript: Transcript) -> None:
    transcript.add_message("user", "hello")
    transcript.add_message("assistant", "```python\nprint('hi')\n```")
    with qtbot.waitSignal(transcript.copy_requested, timeout=WAIT_MS) as copied:
        click_link(qtbot, transcript, "Copy", 0)
    assert copied.args == [0]
    with qtbot.waitSignal(transcript.edit_requested, timeout=WAIT_MS) as edited:
        click_link(qtbot, transcript, "Edit")
    assert edited.args == [0]
    with qtbot.waitSignal(transcript.regenerate_requested, timeout=WAIT_MS):
        click_link(qtbot, transcript, "Regenerate")
    with qtbot.waitSignal(transcript.code_copied, timeout=WAIT_MS) as code:
        click_link(qtbot, transcript, "Copy code")
    assert code.args == ["print('hi')"]
    assert QGuiApplication.clipboard().text() == "print('hi')"


def test_regenerate_is_offered_only_on_the_last_answer(transcript: Transcript) -> None:
    transcript.add_message("user", "q1")
    transcript.add_message("assistant", "a1")
    assert [t for t, _, _ in anchors(transcript)].count("Regenerate") == 1
    transcript.add_message("user", "q2")
    assert "Regenerate" not in [t for t, _, _ in anchors(transcript)]
    transcript.view.anchorClicked.emit(
        QUrl(href(transcript, "Copy", 1).replace("copy", "regenerate"))
    )
    transcript.replace_from(2)
    assert [t for t, _, _ in anchors(transcript)].count("Regenerate") == 1
    assert href(transcript, "Regenerate").endswith("regenerate/1")


def test_replace_from_drops_later_messages(transcript: Transcript) -> None:
    for i in range(3):
        transcript.add_message("user", f"question {i}")
        transcript.add_message("assistant", f"answer {i}\n\n| t |\n|---|\n| {i} |")
    transcript.replace_from(3)
    assert transcript.count() == 3
    plain = text(transcript)
    assert "answer 0" in plain
    assert "question 1" in plain
    assert "answer 1" not in plain
    assert "question 2" not in plain
    assert "answer 2" not in plain
    assert "Regenerate" not in plain  # the last message is a question now
    assert transcript.add_message("user", "edited question") == 3
    assert text(transcript).replace("\ufffc", "").rstrip().endswith("edited question")
    assert action_line(transcript) == "Copy · Edit"
    transcript.replace_from(0)
    assert transcript.count() == 0
    assert text(transcript) == ""
    with pytest.raises(IndexError):
        transcript.replace_from(1)


def test_replace_from_stops_the_live_message(qtbot: QtBot, transcript: Transcript) -> None:
    transcript.add_message("user", "question")
    transcript.begin_assistant()
    transcript.append_text("streaming")
    transcript.replace_from(1)
    assert not transcript.busy
    assert transcript.count() == 1
    qtbot.wait(20)
    assert "streaming" not in text(transcript)


def test_message_markdown_is_the_raw_source(qtbot: QtBot, transcript: Transcript) -> None:
    raw = "# Title\r\n\r\nText with trailing spaces   \n<b>tag</b>\n"
    transcript.add_message("assistant", raw)
    transcript.begin_assistant()
    stream(qtbot, transcript, ["a\r", "\nb", "  "])
    assert transcript.message_markdown(1) == "a\r\nb  "
    transcript.finish()
    assert transcript.message_markdown(0) == raw
    assert transcript.message_markdown(1) == "a\r\nb  "
    with pytest.raises(IndexError):
        transcript.message_markdown(2)


def test_reasoning_is_collapsible_live_and_later(qtbot: QtBot, transcript: Transcript) -> None:
    transcript.begin_assistant()
    transcript.append_reasoning("Let me think about **this**.\n\n")
    wait_for_text(qtbot, transcript, "Show reasoning")
    assert "Let me think" not in text(transcript)
    click_link(qtbot, transcript, "▸ Show reasoning")
    wait_for_text(qtbot, transcript, "Let me think about this.")
    transcript.append_reasoning("More thoughts.")
    stream(qtbot, transcript, ["The answer."])
    wait_for_text(qtbot, transcript, "More thoughts.")
    transcript.finish()
    drain(qtbot, transcript)
    assert text(transcript).index("More thoughts.") < text(transcript).index("The answer.")
    transcript.add_message("user", "follow-up")
    transcript.add_message("assistant", "second answer", reasoning="hidden reasoning")
    click_link(qtbot, transcript, "▾ Hide reasoning")  # the first message, in the middle
    assert "Let me think" not in text(transcript)
    click_link(qtbot, transcript, "▸ Show reasoning", 1)
    assert "hidden reasoning" in text(transcript)
    # Markers of later messages moved with the edits: dropping them still works exactly.
    transcript.replace_from(1)
    assert action_line(transcript) == "Copy · Regenerate · Inspect"
    assert "follow-up" not in text(transcript)
    assert "The answer." in text(transcript)


def test_streamed_tables_stay_whole_in_answer_and_reasoning(
    qtbot: QtBot, transcript: Transcript
) -> None:
    table = "| key | value |\n|-----|------:|\n| alpha | 1 |\n| beta | 2 |\n"
    transcript.begin_assistant()
    transcript.append_reasoning("Plan:\n\n")
    wait_for_text(qtbot, transcript, "Show reasoning")
    click_link(qtbot, transcript, "▸ Show reasoning")
    for piece in [*table, "\nDone planning."]:
        transcript.append_reasoning(piece)
        qtbot.wait(1)
    wait_for_text(qtbot, transcript, "Done planning.")
    for piece in [*table, "\nAfter the table."]:
        transcript.append_text(piece)
        qtbot.wait(1)
    wait_for_text(qtbot, transcript, "After the table.")
    transcript.finish()
    drain(qtbot, transcript)
    cells = [t for t, c in blocks(transcript) if c.currentTable() is not None]
    assert cells == ["key", "value", "alpha", "1", "beta", "2"] * 2
    assert "| beta" not in text(transcript)  # no typed row left behind as text


@POPUP_ON_OFFSCREEN
def test_context_menu_offers_message_actions(qtbot: QtBot, transcript: Transcript) -> None:
    transcript.add_message("user", "a question to edit")
    position = next(p for t, _, p in anchors(transcript) if t == "Edit")
    cursor = QTextCursor(transcript.view.document())
    cursor.setPosition(position - 20)
    point = transcript.view.cursorRect(cursor).center()
    transcript.view.customContextMenuRequested.emit(point)
    qtbot.waitUntil(lambda: isinstance(QApplication.activePopupWidget(), QMenu), timeout=WAIT_MS)
    menu = QApplication.activePopupWidget()
    assert isinstance(menu, QMenu)
    labels = {a.text(): a for a in menu.actions()}
    assert {"Copy message as Markdown", "Edit message"} <= set(labels)
    with qtbot.waitSignal(transcript.edit_requested, timeout=WAIT_MS) as edited:
        labels["Edit message"].trigger()
    assert edited.args == [0]
    menu.close()


# -- theme and accessibility -------------------------------------------------------------------


def test_palette_change_rerenders_in_the_new_colours(qtbot: QtBot, transcript: Transcript) -> None:
    transcript.add_message("assistant", "```python\nimport os\n```\n\nText.")
    transcript.begin_assistant()
    stream(qtbot, transcript, ["live ", "text"])
    dark = QPalette()
    for role, colour in (
        (QPalette.ColorRole.Base, "#1e1e1e"),
        (QPalette.ColorRole.Text, "#e8e8e8"),
    ):
        dark.setColor(role, QColor(colour))
    transcript.setPalette(dark)
    qtbot.waitUntil(lambda: "live text" in text(transcript), timeout=WAIT_MS)
    colours = {f.foreground().color().name() for t, f in fragments(transcript) if t == "import"}
    assert colours == {"#ff7b72"}  # the dark code style
    assert transcript.count() == 2
    assert transcript.busy
    transcript.finish()
    drain(qtbot, transcript)
    assert transcript.message_markdown(1) == "live text"


def test_app_palette_switch_is_followed(qtbot: QtBot, transcript: Transcript) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    transcript.add_message("assistant", "```python\nimport os\n```")
    original = app.palette()
    dark = QPalette(original)
    dark.setColor(QPalette.ColorRole.Base, QColor("#101010"))
    dark.setColor(QPalette.ColorRole.Text, QColor("#f0f0f0"))
    try:
        app.setPalette(dark)
        qtbot.waitUntil(
            lambda: (
                {f.foreground().color().name() for t, f in fragments(transcript) if t == "import"}
                == {"#ff7b72"}
            ),
            timeout=WAIT_MS,
        )
    finally:
        app.setPalette(original)
    qtbot.waitUntil(
        lambda: (
            "#ff7b72"
            not in {
                f.foreground().color().name() for t, f in fragments(transcript) if t == "import"
            }
        ),
        timeout=WAIT_MS,
    )


def test_accessible_names_and_announcement(qtbot: QtBot, transcript: Transcript) -> None:
    assert transcript.view.accessibleName() == "Conversation"
    assert transcript.accessibleName() == "Conversation transcript"
    transcript.begin_assistant()
    stream(qtbot, transcript, ["Done ", "thinking."])
    transcript.finish()
    assert transcript.view.accessibleDescription() == "Assistant finished: Done thinking."
    titles = {h: t for t, h, _ in anchors(transcript)}
    assert titles  # every action is a real link with a label, reachable with Tab
    assert transcript.view.textInteractionFlags() & Qt.TextInteractionFlag.LinksAccessibleByKeyboard


def test_follows_the_end_unless_scrolled_up(qtbot: QtBot, transcript: Transcript) -> None:
    for i in range(40):
        transcript.add_message("user", f"message {i}")
    bar = transcript.view.verticalScrollBar()
    assert bar.value() == bar.maximum() > 0
    bar.setValue(0)
    transcript.begin_assistant()
    stream(qtbot, transcript, ["new ", "text\n\n"] * 20)
    wait_for_text(qtbot, transcript, "new text")
    assert bar.value() == 0
    bar.setValue(bar.maximum())
    transcript.append_text("more\n\n" * 30)
    transcript.finish()
    drain(qtbot, transcript)
    qtbot.waitUntil(lambda: bar.value() == bar.maximum(), timeout=WAIT_MS)


# -- versions ----------------------------------------------------------------------------------


def test_a_message_with_versions_shows_its_switcher_usable_by_keyboard(
    qtbot: QtBot, transcript: Transcript
) -> None:
    transcript.add_message("user", "question")
    transcript.add_message("assistant", "the second version", versions=(2, 3))
    assert "‹ 2/3 ›" in text(transcript)
    assert "1/1" not in text(transcript)  # a single version has no switcher
    arrows = [(t, href) for t, href, _ in anchors(transcript) if t in ("‹", "›")]
    assert [t for t, _ in arrows] == ["‹", "›"]
    # Tab walks the links as it does every other message action; Enter follows the focused one.
    view = transcript.view
    view.setFocus()
    with qtbot.waitSignal(transcript.version_requested, timeout=WAIT_MS) as asked:
        for _ in range(20):
            qtbot.keyClick(view, Qt.Key_Tab)
            if view.textCursor().selectedText() == "‹":
                qtbot.keyClick(view, Qt.Key_Return)
                break
    assert asked.args == [1, -1]
    transcript.add_message("assistant", "first of two", versions=(1, 2))
    assert [t for t, _, _ in anchors(transcript) if t in ("‹", "›")] == ["‹", "›", "›"]
