"""The composer's keys and states, driven with real key events."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from desktop_chat.ui.chat.composer import Composer


@pytest.fixture
def composer(qtbot) -> Composer:
    widget = Composer()
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    widget.editor.setFocus()
    return widget


def sent(composer: Composer) -> list[str]:
    texts: list[str] = []
    composer.send_requested.connect(texts.append)
    return texts


def test_enter_sends_and_shift_enter_breaks_the_line(qtbot, composer):
    texts = sent(composer)
    qtbot.keyClicks(composer.editor, "first line")
    qtbot.keyClick(composer.editor, Qt.Key_Return, Qt.ShiftModifier)
    qtbot.keyClicks(composer.editor, "second line")
    assert texts == []
    assert composer.text() == "first line\nsecond line"
    qtbot.keyClick(composer.editor, Qt.Key_Return)
    assert texts == ["first line\nsecond line"]
    # The text stays until the window accepts it, so a refused send loses nothing.
    assert composer.text() == "first line\nsecond line"
    composer.mark_sent()
    assert composer.text() == ""


def test_ctrl_enter_mode(qtbot, composer):
    texts = sent(composer)
    composer.set_ctrl_enter_sends(True)
    assert "Ctrl+Enter sends" in composer.editor.placeholderText()
    qtbot.keyClicks(composer.editor, "a")
    qtbot.keyClick(composer.editor, Qt.Key_Return)
    qtbot.keyClicks(composer.editor, "b")
    assert texts == []
    assert composer.text() == "a\nb"
    qtbot.keyClick(composer.editor, Qt.Key_Return, Qt.ControlModifier)
    assert texts == ["a\nb"]


def test_blank_text_is_not_sent(qtbot, composer):
    texts = sent(composer)
    qtbot.keyClicks(composer.editor, "   ")
    qtbot.keyClick(composer.editor, Qt.Key_Return)
    assert texts == []
    assert not composer.send_button.isEnabled()


def test_streaming_swaps_send_for_stop(qtbot, composer):
    texts = sent(composer)
    stops: list[bool] = []
    composer.stop_requested.connect(lambda: stops.append(True))
    composer.set_streaming(True)
    assert composer.stop_button.isVisible()
    assert not composer.send_button.isVisible()
    qtbot.keyClicks(composer.editor, "next question")  # typing ahead stays possible
    qtbot.keyClick(composer.editor, Qt.Key_Return)
    assert texts == []
    qtbot.mouseClick(composer.stop_button, Qt.LeftButton)
    assert stops == [True]
    composer.set_streaming(False)
    assert composer.send_button.isVisible()
    assert composer.send_button.isEnabled()
    qtbot.mouseClick(composer.send_button, Qt.LeftButton)
    assert texts == ["next question"]


def test_edit_mode_shows_what_is_edited_and_can_be_cancelled(qtbot, composer):
    cancelled: list[bool] = []
    composer.edit_cancelled.connect(lambda: cancelled.append(True))
    composer.begin_edit("old text", "Editing message 1")
    assert composer.editing
    assert composer.edit_label.text() == "Editing message 1"
    assert composer.text() == "old text"
    qtbot.mouseClick(composer.edit_cancel, Qt.LeftButton)
    assert not composer.editing
    assert composer.text() == ""
    assert cancelled == [True]


def test_every_control_has_an_accessible_name(composer):
    for widget in (
        composer.editor,
        composer.send_button,
        composer.stop_button,
        composer.edit_cancel,
    ):
        assert widget.accessibleName()
