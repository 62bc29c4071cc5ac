"""Find in the open conversation: Ctrl+F in the window, matches counted, highlighted, stepped
through (folded messages included), and Esc closes the bar rather than stopping anything."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desktop_chat.ui.chat.find_bar import FindBar
from desktop_chat.ui.chat.transcript import Transcript
from tests.support.window import WindowFactory


@pytest.fixture
def transcript(qtbot: QtBot) -> Iterator[Transcript]:
    view = Transcript(frame_ms=1)
    qtbot.addWidget(view)
    view.resize(700, 500)
    view.show()
    view.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is view, timeout=2000)
    yield view
    view.clear()


def selected(view: Transcript) -> str:
    return view.view.textCursor().selectedText()


def test_matches_are_counted_highlighted_and_stepped_through(
    qtbot: QtBot, transcript: Transcript
) -> None:
    for i in range(6):
        transcript.add_message("user" if i % 2 == 0 else "assistant", f"message {i} about Kiwi")
    bar = FindBar(transcript)
    bar.open()
    assert bar.isVisible()
    assert bar.field.hasFocus()

    qtbot.keyClicks(bar.field, "kiwi")
    qtbot.waitUntil(lambda: bar.matches == 6, timeout=2000)
    assert len(transcript.view.extraSelections()) == 6
    assert selected(transcript).lower() == "kiwi"
    first = bar.current
    assert bar.count.text() == f"{first + 1} of 6"

    qtbot.keyClick(bar.field, Qt.Key.Key_Return)
    assert bar.current == (first + 1) % 6
    qtbot.keyClick(bar.field, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    assert bar.current == first
    qtbot.keyClick(bar.field, Qt.Key.Key_F3)
    assert bar.current == (first + 1) % 6
    qtbot.keyClick(bar.field, Qt.Key.Key_F3, Qt.KeyboardModifier.ShiftModifier)
    assert bar.current == first

    qtbot.keyClick(bar.field, Qt.Key.Key_Escape)
    assert not bar.isVisible()
    assert transcript.view.extraSelections() == []


def test_no_match_says_so(qtbot: QtBot, transcript: Transcript) -> None:
    transcript.add_message("user", "hello")
    bar = FindBar(transcript)
    bar.open()
    bar.field.setText("absent")
    qtbot.keyClick(bar.field, Qt.Key.Key_Return)
    assert bar.matches == 0
    assert bar.count.text() == "No matches"


def test_a_match_in_a_folded_message_is_drawn_and_found(
    qtbot: QtBot, transcript: Transcript
) -> None:
    for i in range(300):
        words = "the needle is here" if i == 3 else "nothing to see"
        transcript.add_message("user" if i % 2 == 0 else "assistant", f"{words} {i}")
    assert transcript.first_shown > 3  # message 3 is folded away
    bar = FindBar(transcript)
    bar.open()

    bar.field.setText("needle")
    qtbot.keyClick(bar.field, Qt.Key.Key_Return)

    assert transcript.first_shown <= 3
    assert bar.matches == 1
    assert selected(transcript) == "needle"
    assert bar.count.text() == "1 of 1"


def test_after_a_jump_up_a_match_folded_below_is_drawn_and_found(
    qtbot: QtBot, transcript: Transcript
) -> None:
    for i in range(300):
        words = "the needle is here" if i == 290 else "nothing to see"
        transcript.add_message("user" if i % 2 == 0 else "assistant", f"{words} {i}")
    transcript.scroll_to(3)  # a search hit far up: the end is folded below it
    assert transcript.folded_below > 10
    bar = FindBar(transcript)
    bar.open()

    bar.field.setText("needle")
    qtbot.keyClick(bar.field, Qt.Key.Key_Return)

    assert transcript.folded_below == 0
    assert bar.matches == 1
    assert selected(transcript) == "needle"


def test_ctrl_f_opens_it_in_the_window_and_esc_closes_it(
    qtbot: QtBot, open_window: WindowFactory
) -> None:
    window = open_window()
    window.transcript.add_message("user", "find the word apricot here")
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=2000)

    qtbot.keyClick(window.composer.editor, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert window.find_bar.isVisible()
    assert window.find_bar.field.hasFocus()
    qtbot.keyClicks(window.find_bar.field, "apricot")
    qtbot.keyClick(window.find_bar.field, Qt.Key.Key_Return)
    assert window.find_bar.matches == 1

    qtbot.keyClick(window.find_bar.field, Qt.Key.Key_Escape)
    assert not window.find_bar.isVisible()
    assert window.transcript.view.hasFocus()  # the bar's Esc, not the window's (composer)


def test_a_message_added_meanwhile_is_counted_at_the_next_step(
    qtbot: QtBot, transcript: Transcript
) -> None:
    transcript.add_message("user", "plum one")
    bar = FindBar(transcript)
    bar.open()
    bar.field.setText("plum")
    qtbot.keyClick(bar.field, Qt.Key.Key_Return)
    assert bar.count.text() == "1 of 1"

    transcript.add_message("assistant", "plum two")
    qtbot.keyClick(bar.field, Qt.Key.Key_Return)

    assert bar.matches == 2
    assert bar.count.text() == "2 of 2"
