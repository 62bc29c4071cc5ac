"""Ctrl+N starts afresh: the status bar no longer shows the last answer's figures."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from tests.support.sse_server import Reply
from tests.support.streams import openai_stream
from tests.support.window import keyed, local, outcomes, send, wait_outcome


def test_ctrl_n_clears_the_last_answers_figures(qtbot, open_window, sse_server):
    sse_server.script(Reply(chunks=openai_stream(["Hello", " there"]), delay=0.01))
    window = open_window(local(sse_server), keyed())
    seen = outcomes(window)
    send(qtbot, window, "Say hello")
    assert wait_outcome(qtbot, seen, window=window) == "finished"
    status = window.status
    assert status.usage_label.text() == "in 12 · out 34"
    window.status.showMessage("Message copied as Markdown", 3000)

    QTest.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)

    assert "Say hello" not in window.transcript_text()
    figures = (status.ttft_label, status.speed_label, status.usage_label, status.attempts_label)
    assert [label.text() for label in figures] == ["", "", "", ""]
    assert status.currentMessage() == ""
    assert status.state_label.text() == "Ready"
    assert status.target_label.text() == "Local · m"
