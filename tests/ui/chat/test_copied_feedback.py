"""Copy and Copy code say "Copied" for a moment, in place, and nothing else moves."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtGui import QGuiApplication
from pytestqt.qtbot import QtBot

from desktop_chat.ui.chat import transcript as transcript_module
from desktop_chat.ui.chat.transcript import Transcript
from tests.support.transcript import anchors, click_link, text

ANSWER = "Use this:\n\n```python\nprint('hi')\n```\n\nDone."


@pytest.fixture
def view(qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> Iterator[Transcript]:
    monkeypatch.setattr(transcript_module, "COPIED_MS", 200)
    shown = Transcript(frame_ms=1)
    qtbot.addWidget(shown)
    shown.resize(700, 500)
    shown.show()
    shown.add_message("user", "How do I greet?")
    shown.add_message("assistant", ANSWER)
    shown.add_message("user", "Thanks.")
    yield shown
    shown.clear()


def labels(view: Transcript) -> list[str]:
    return [label for label, _href, _pos in anchors(view)]


def test_copy_says_copied_for_a_moment(qtbot: QtBot, view: Transcript) -> None:
    before = labels(view)
    shown = text(view)

    with qtbot.waitSignal(view.copy_requested, timeout=5000) as copied:
        click_link(qtbot, view, "Copy", 1)

    assert copied.args == [1]
    second_copy = [i for i, label in enumerate(before) if label == "Copy"][1]
    assert labels(view) == [*before[:second_copy], "Copied", *before[second_copy + 1 :]]
    assert text(view).replace("Copied", "Copy") == shown
    qtbot.waitUntil(lambda: labels(view) == before, timeout=5000)
    assert text(view) == shown


def test_copy_code_says_copied_for_a_moment(qtbot: QtBot, view: Transcript) -> None:
    before = labels(view)
    shown = text(view)

    with qtbot.waitSignal(view.code_copied, timeout=5000):
        click_link(qtbot, view, "Copy code")

    assert QGuiApplication.clipboard().text() == "print('hi')"
    assert "Copied" in labels(view)
    assert "Copy code" not in labels(view)
    assert text(view).replace("Copied", "Copy code") == shown
    qtbot.waitUntil(lambda: labels(view) == before, timeout=5000)
    assert text(view) == shown
