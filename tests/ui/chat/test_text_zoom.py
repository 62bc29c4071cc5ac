"""Ctrl+= / Ctrl+- / Ctrl+0 size the transcript's text, code included, and the window keeps it."""

from __future__ import annotations

import dataclasses

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontInfo
from PySide6.QtTest import QTest

from desktop_chat.storage.settings_file import load_settings
from desktop_chat.ui.chat.transcript import Transcript
from tests.support.window import keyed, local


def sizes(view: Transcript) -> tuple[float, float]:
    """The point size of the body text and of the code, as drawn."""
    document = view.view.document()
    body = document.find("Some prose").charFormat().font().pointSizeF()
    code = document.find("x = 1").charFormat().font().pointSizeF()
    return body, code


def test_the_keys_scale_prose_and_code_alike(qtbot) -> None:
    view = Transcript(frame_ms=1)
    qtbot.addWidget(view)
    view.resize(800, 500)
    view.show()
    view.activateWindow()
    qtbot.waitUntil(view.isActiveWindow, timeout=3000)  # the keys are the window's shortcuts
    view.add_message("assistant", "Some prose.\n\n```python\nx = 1\n```")
    base = QFontInfo(view.font()).pointSizeF()
    body, code = sizes(view)
    assert body == pytest.approx(base)
    assert code == pytest.approx(base * 0.95, abs=0.01)
    changes: list[int] = []
    view.zoom_changed.connect(changes.append)
    for _ in range(2):
        QTest.keyClick(view.view, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    assert view.zoom == 125
    assert changes == [110, 125]
    assert sizes(view) == pytest.approx((base * 1.25, base * 1.25 * 0.95), abs=0.01)
    assert view.view.accessibleDescription() == "Text size 125 %"
    QTest.keyClick(view.view, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    assert view.zoom == 110
    QTest.keyClick(view.view, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    assert view.zoom == 100
    assert sizes(view) == pytest.approx((body, code))
    view.set_zoom(1000)
    assert view.zoom == 300
    for _ in range(20):
        QTest.keyClick(view.view, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    assert view.zoom == 50


def test_the_window_remembers_the_text_size(qtbot, open_window, sse_server) -> None:
    settings = local(sse_server)
    window = open_window(
        dataclasses.replace(settings, ui=dataclasses.replace(settings.ui, text_zoom=150)), keyed()
    )
    assert window.transcript.zoom == 150
    QTest.keyClick(window, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    assert window.transcript.zoom == 175
    assert window.settings.ui.text_zoom == 175
    qtbot.waitUntil(lambda: load_settings().settings.ui.text_zoom == 175, timeout=10_000)
