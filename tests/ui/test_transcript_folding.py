"""A long conversation keeps only its last messages drawn; the rest come back on demand."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desktop_chat.ui.chat.folding import SHOW_MORE, SHOWN_KEEP, SHOWN_MAX
from desktop_chat.ui.chat.transcript import Transcript
from desktop_chat.ui.chat.transcript_menu import message_at
from tests.support.transcript import click_link, drain, stream, text

WAIT_MS = 10_000


def body(i: int) -> str:
    """Message i: a heading-free text with a number, a list and, in answers, code and a table."""
    if i % 2 == 0:
        return f"question {i}: tell me more"
    return (
        f"answer {i} with `code`\n\n- point {i}\n- another\n\n"
        f"| k | v |\n|---|---|\n| a | {i} |\n\n```python\nx_{i} = {i}\n```\n"
    )


@pytest.fixture
def long_view(qtbot: QtBot) -> Iterator[Transcript]:
    view = Transcript(frame_ms=1)
    qtbot.addWidget(view)
    view.resize(700, 500)
    view.show()
    for i in range(300):
        view.add_message("user" if i % 2 == 0 else "assistant", body(i))
    QApplication.processEvents()
    yield view
    view.clear()


def numbers_shown(view: Transcript) -> list[int]:
    return [int(n) for n in re.findall(r"(?:question|answer) (\d+)", text(view))]


def top_line(view: Transcript) -> str:
    """The text of the block at the top of the view."""
    position = view.view.cursorForPosition(QPoint(0, 0)).position()
    return view.view.document().findBlock(position).text()


def test_only_the_last_messages_are_drawn_and_all_are_kept(long_view: Transcript) -> None:
    first = long_view.first_shown
    assert 0 < first <= 300 - SHOWN_KEEP
    assert 300 - first <= SHOWN_MAX
    assert numbers_shown(long_view) == list(range(first, 300))
    assert text(long_view).startswith(f"{first} earlier messages · Show earlier\n")
    assert long_view.count() == 300
    assert long_view.message_markdown(0) == body(0)  # folded, not lost
    position = long_view.view.document().find("question 298").position()
    assert message_at(long_view._blocks, position, first) == 298
    assert message_at(long_view._blocks, 3, first) is None  # the fold line


def test_show_earlier_draws_them_in_order_until_none_is_left(
    qtbot: QtBot, long_view: Transcript
) -> None:
    first = long_view.first_shown
    with qtbot.waitSignal(long_view.copy_requested, timeout=WAIT_MS) as copied:
        click_link(qtbot, long_view, "Show earlier", 0)
        assert long_view.first_shown == first - SHOW_MORE
        click_link(qtbot, long_view, "Copy", 0)  # the oldest drawn message's own action
    assert copied.args == [first - SHOW_MORE]
    while long_view.first_shown:
        long_view.show_earlier()
    assert numbers_shown(long_view) == list(range(300))
    assert text(long_view).startswith("You\nquestion 0: tell me more")
    assert "earlier message" not in text(long_view)
    with qtbot.waitSignal(long_view.copy_requested, timeout=WAIT_MS) as copied:
        click_link(qtbot, long_view, "Copy", 0)
    assert copied.args == [0]


def screen_y(view: Transcript, needle: str) -> int:
    """Where the block holding `needle` is, in the view's own pixels."""
    block = view.view.document().find(needle).block()
    top = view.view.document().documentLayout().blockBoundingRect(block).top()
    return int(top) - view.view.verticalScrollBar().value()


def test_scrolling_to_the_top_draws_more_and_keeps_the_reader_in_place(
    qtbot: QtBot, long_view: Transcript
) -> None:
    bar = long_view.view.verticalScrollBar()
    first = long_view.first_shown
    oldest = f"question {first}:" if first % 2 == 0 else f"answer {first} "
    bar.setValue(0)  # the user scrolls up to the fold line
    where = screen_y(long_view, oldest)
    qtbot.waitUntil(lambda: long_view.first_shown < first, timeout=WAIT_MS)
    QApplication.processEvents()
    assert long_view.first_shown == first - SHOW_MORE
    assert bar.value() > 0
    assert screen_y(long_view, oldest) == where  # it did not move; more appeared above it
    bar.setValue(bar.value() + 200)  # reading on, further down: no more is drawn
    QApplication.processEvents()
    assert long_view.first_shown == first - SHOW_MORE


def test_a_reader_among_old_messages_is_not_folded_away(
    qtbot: QtBot, long_view: Transcript
) -> None:
    long_view.show_earlier()
    bar = long_view.view.verticalScrollBar()
    bar.setValue(bar.maximum() // 4)  # up among the messages drawn again
    QApplication.processEvents()
    reading = top_line(long_view)
    first = long_view.first_shown
    for i in range(SHOWN_MAX):
        long_view.add_message("user", f"question {300 + i}: later")
    assert long_view.first_shown == first  # folding waits while they read up there
    assert top_line(long_view) == reading


def test_answers_stream_after_folding_and_new_messages_fold_again(
    qtbot: QtBot, long_view: Transcript
) -> None:
    for i in range(300, 300 + SHOWN_MAX):
        long_view.add_message("user", f"question {i}: more")
    assert len(long_view._blocks) - long_view.first_shown <= SHOWN_MAX
    index = long_view.begin_assistant()
    stream(qtbot, long_view, ["streamed ", "| a | b |\n|---|---|\n| 1 | 2 |\n\n", "done"])
    long_view.finish()
    drain(qtbot, long_view)
    assert long_view.message_markdown(index).endswith("done")
    assert "streamed" in text(long_view)
    assert "done" in text(long_view)
    with qtbot.waitSignal(long_view.copy_requested, timeout=WAIT_MS) as copied:
        click_link(qtbot, long_view, "Copy")
    assert copied.args == [index]


def test_replacing_from_a_folded_message_draws_what_is_left(long_view: Transcript) -> None:
    first = long_view.first_shown
    long_view.replace_from(first - 10)
    assert long_view.count() == first - 10
    shown = numbers_shown(long_view)
    assert shown == list(range(long_view.first_shown, first - 10))
    assert len(shown) == min(SHOWN_KEEP, first - 10) or long_view.first_shown == 0


def test_a_theme_change_redraws_only_what_was_drawn(long_view: Transcript) -> None:
    first = long_view.first_shown
    long_view._rebuild(type(long_view._renderer)(long_view._renderer.theme))
    assert long_view.first_shown == first
    assert numbers_shown(long_view) == list(range(first, 300))
    assert text(long_view).startswith(f"{first} earlier messages")


def test_a_jump_far_up_draws_what_is_there_and_folds_what_lies_below(
    qtbot: QtBot, long_view: Transcript
) -> None:
    long_view.scroll_to(10)
    assert numbers_shown(long_view) == list(range(10, 10 + SHOW_MORE))  # not the 230 below
    assert long_view.first_shown == 10
    assert long_view.folded_below == 300 - 10 - SHOW_MORE
    assert text(long_view).startswith("10 earlier messages · Show earlier\n")
    assert text(long_view).endswith(f"{long_view.folded_below} later messages · Show later")
    assert 0 <= screen_y(long_view, "question 10:") < 100  # at the top of the view
    assert "question 10:" in text(long_view)
    with qtbot.waitSignal(long_view.copy_requested, timeout=WAIT_MS) as copied:
        click_link(qtbot, long_view, "Copy")  # the last drawn message's own action
    assert copied.args == [10 + SHOW_MORE - 1]


def test_a_jump_costs_the_same_whatever_lies_below(qtbot: QtBot) -> None:
    drawn = []
    for count in (200, 1000):
        view = Transcript(frame_ms=1)
        qtbot.addWidget(view)
        view.resize(700, 500)
        for i in range(count):
            view.add_message("user" if i % 2 == 0 else "assistant", body(i))
        before = view.stats.characters
        view.scroll_to(10)
        drawn.append((view.stats.characters - before, len(numbers_shown(view))))
        view.clear()
    assert drawn[0] == drawn[1]


def test_scrolling_down_after_a_jump_draws_the_later_ones_in_place(
    qtbot: QtBot, long_view: Transcript
) -> None:
    long_view.scroll_to(10)
    bar = long_view.view.verticalScrollBar()
    last = f"answer {10 + SHOW_MORE - 1} "
    bar.setValue(bar.maximum())  # the user scrolls down to the fold line at the bottom
    where = screen_y(long_view, last)
    qtbot.waitUntil(lambda: long_view.folded_below < 300 - 10 - SHOW_MORE, timeout=WAIT_MS)
    QApplication.processEvents()
    assert numbers_shown(long_view) == list(range(10, 10 + 2 * SHOW_MORE))
    assert screen_y(long_view, last) == where  # more appeared below, the view did not move
    for _ in range(3):  # 170 left, 60 a click
        click_link(qtbot, long_view, "Show later")
    assert long_view.folded_below == 0
    assert numbers_shown(long_view) == list(range(10, 300))
    assert "later message" not in text(long_view)


def test_a_new_message_after_a_jump_draws_the_end_again(
    qtbot: QtBot, long_view: Transcript
) -> None:
    long_view.scroll_to(10)
    long_view.add_message("user", "question 300: back at the end")
    assert long_view.folded_below == 0
    shown = numbers_shown(long_view)
    assert shown == list(range(shown[0], 301))
    assert len(shown) <= SHOWN_MAX
    long_view.scroll_to(10)
    index = long_view.begin_assistant()
    stream(qtbot, long_view, ["streamed ", "done"])
    long_view.finish()
    drain(qtbot, long_view)
    drawn = text(long_view)
    assert "question 300: back at the end" in drawn
    assert drawn.index("streamed done") > drawn.index("question 300: back at the end")
    assert long_view.folded_below == 0
    long_view.scroll_to(20)
    long_view.replace_from(index)  # regenerate: the end is drawn again, without the answer
    assert numbers_shown(long_view)[-1] == 300
    assert "streamed" not in text(long_view)
    long_view.scroll_to(30)
    long_view.show_error("refused")
    assert text(long_view).count("refused") == 1
    assert long_view.folded_below == 0
