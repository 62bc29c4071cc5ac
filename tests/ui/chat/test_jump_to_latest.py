"""While an answer streams below a reader, a "Jump to latest" button takes them there."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop_chat.ui.chat.transcript import Transcript
from tests.support.transcript import WAIT_MS, drain, stream, text


@pytest.fixture
def view(qtbot: QtBot) -> Iterator[Transcript]:
    shown = Transcript(frame_ms=1)
    qtbot.addWidget(shown)
    shown.resize(700, 400)
    shown.show()
    for i in range(30):
        shown.add_message("user", f"message {i}")
    yield shown
    shown.clear()


def scroll_up_while_streaming(qtbot: QtBot, view: Transcript) -> None:
    bar = view.view.verticalScrollBar()
    bar.setValue(0)
    view.begin_assistant()
    stream(qtbot, view, ["new ", "text\n\n"] * 20)
    qtbot.waitUntil(lambda: "new text" in text(view), timeout=WAIT_MS)
    assert bar.value() == 0  # the reader is not pulled down


def test_the_button_shows_while_streaming_below_and_takes_the_reader_there(
    qtbot: QtBot, view: Transcript
) -> None:
    button = view.jump_button
    assert not button.isVisible()
    scroll_up_while_streaming(qtbot, view)
    qtbot.waitUntil(button.isVisible, timeout=WAIT_MS)
    assert button.toolTip() == "Jump to latest (End)"
    assert button.accessibleName() == "Jump to latest"
    assert button.icon().name() == "arrow-down"
    assert view.rect().contains(button.geometry())
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    bar = view.view.verticalScrollBar()
    assert bar.value() == bar.maximum()
    assert not button.isVisible()
    view.append_text("more\n\n" * 40)  # and it follows the end again
    view.finish()
    drain(qtbot, view)
    qtbot.waitUntil(lambda: bar.value() == bar.maximum(), timeout=WAIT_MS)


@pytest.mark.parametrize(
    "modifier", [Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.ControlModifier]
)
def test_end_jumps_to_latest_too(
    qtbot: QtBot, view: Transcript, modifier: Qt.KeyboardModifier
) -> None:
    scroll_up_while_streaming(qtbot, view)
    qtbot.waitUntil(view.jump_button.isVisible, timeout=WAIT_MS)
    qtbot.keyClick(view.view, Qt.Key.Key_End, modifier)
    bar = view.view.verticalScrollBar()
    assert bar.value() == bar.maximum()
    assert not view.jump_button.isVisible()
    view.append_text("more\n\n" * 40)
    view.finish()
    drain(qtbot, view)
    qtbot.waitUntil(lambda: bar.value() == bar.maximum(), timeout=WAIT_MS)
