"""An empty conversation greets the user with example prompts; a click fills the composer."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from desktop_chat.ui.chat.transcript import Transcript
from desktop_chat.ui.chat.welcome import EXAMPLES
from tests.support.sse_server import Reply
from tests.support.streams import openai_stream
from tests.support.window import keyed, local, outcomes, send, wait_outcome


def test_the_welcome_stands_in_for_an_empty_transcript(qtbot) -> None:
    view = Transcript(frame_ms=1)
    qtbot.addWidget(view)
    view.resize(800, 500)
    view.show()
    welcome = view.welcome
    assert welcome.isVisible()
    assert welcome.title.text() == "Start a conversation"
    assert [b.text() for b in welcome.buttons] == [label for label, _ in EXAMPLES]
    assert all(b.accessibleName() and b.toolTip() for b in welcome.buttons)
    assert welcome.geometry() == view.view.geometry()
    view.add_message("user", "hello")
    assert not welcome.isVisible()
    view.clear()
    assert welcome.isVisible()
    view.begin_assistant()  # an answer starting in an empty conversation (a regenerate)
    assert not welcome.isVisible()
    view.clear()
    with qtbot.waitSignal(view.example_chosen, timeout=3000) as chosen:
        qtbot.mouseClick(welcome.buttons[1], Qt.MouseButton.LeftButton)
    assert chosen.args == [EXAMPLES[1][1]]


def test_a_clicked_example_fills_the_composer_and_new_chat_brings_the_welcome_back(
    qtbot, open_window, sse_server
) -> None:
    sse_server.script(Reply(chunks=openai_stream(["Hi"]), delay=0.01))
    window = open_window(local(sse_server), keyed())
    welcome = window.transcript.welcome
    qtbot.waitUntil(welcome.isVisible, timeout=3000)
    qtbot.mouseClick(welcome.buttons[0], Qt.MouseButton.LeftButton)
    assert window.composer.text() == EXAMPLES[0][1]  # filled in, not sent
    assert window.transcript.count() == 0
    seen = outcomes(window)
    send(qtbot, window, "Say hello")
    assert wait_outcome(qtbot, seen, window=window) == "finished"
    assert not welcome.isVisible()
    QTest.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(welcome.isVisible, timeout=3000)
