"""The designed transcript: tinted user turns, a centred reading column, icon actions."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QPoint, Qt, QUrl
from PySide6.QtGui import QImage, QPalette, QTextCursor, QTextDocument
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desktop_chat.ui.chat.transcript import Transcript
from tests.support.transcript import action_line, anchors


@pytest.fixture
def view(qtbot: QtBot) -> Iterator[Transcript]:
    shown = Transcript(frame_ms=1)
    qtbot.addWidget(shown)
    shown.resize(1600, 700)
    shown.show()
    yield shown
    shown.clear()


def cursor_at(view: Transcript, needle: str) -> QTextCursor:
    found = view.view.document().find(needle)
    assert not found.isNull(), needle
    return found


def icon_visible(view: Transcript, key: str) -> bool:
    """Whether the icon image `key` is painted with any ink (not the blank stand-in)."""
    view.view.grab()  # paint, so every image on screen was asked for
    resource = view.view.document().resource(
        QTextDocument.ResourceType.ImageResource, QUrl(f"dc-icon:{key}")
    )
    image = QImage(resource.toImage())  # type: ignore[union-attr]
    assert not image.isNull(), key
    return any(
        image.pixelColor(x, y).alpha() for x in range(image.width()) for y in range(image.height())
    )


def test_the_user_turn_is_tinted_and_the_column_centred(view: Transcript) -> None:
    view.add_message("user", "a question")
    view.add_message("assistant", "an answer")
    question = cursor_at(view, "a question")
    assert question.currentTable() is not None
    tint = view.palette().color(QPalette.ColorRole.AlternateBase)
    assert tint != view.palette().color(QPalette.ColorRole.Base)
    shown = view.view.viewport().grab().toImage()
    start = QTextCursor(question)
    start.setPosition(question.selectionStart())
    text_at = view.view.cursorRect(start)
    assert shown.pixelColor(text_at.left() - 6, text_at.center().y()) == tint  # the surface
    corner = text_at.topLeft() - QPoint(12, 12)  # inside its padding
    assert shown.pixelColor(corner) != tint  # rounded off
    assert cursor_at(view, "an answer").currentTable() is None  # the answer is full width
    root = view.view.document().rootFrame().frameFormat()
    assert root.leftMargin() == root.rightMargin() > 300  # about 80 characters, centred
    view.resize(400, 700)
    QApplication.processEvents()
    assert view.view.document().rootFrame().frameFormat().leftMargin() == 16


def test_actions_are_named_icons_shown_on_the_message_under_the_mouse(
    qtbot: QtBot, view: Transcript
) -> None:
    view.add_message("user", "first question")
    view.add_message("assistant", "first answer")
    assert action_line(view) == "Copy · Regenerate · Inspect"
    links = [(t, p) for t, _, p in anchors(view)]
    assert [t for t, _ in links] == ["Copy", "Edit", "Copy", "Regenerate", "Inspect"]
    document = view.view.document()
    for _label, position in links:
        cursor = QTextCursor(document)
        cursor.setPosition(position + 1)
        assert cursor.charFormat().isImageFormat()  # an icon, its name in the tooltip
    assert icon_visible(view, "copy@16/1")  # the last message's actions always show
    assert not icon_visible(view, "pencil@16/0")
    rect = view.view.cursorRect(cursor_at(view, "first question"))
    QTest.mouseMove(view.view.viewport(), rect.center())
    qtbot.waitUntil(lambda: icon_visible(view, "pencil@16/0"), timeout=3000)
    # Keyboard: Tab lands on the first icon link; its message's icons show, and it is named.
    QTest.mouseMove(view.view.viewport(), view.view.viewport().rect().bottomRight())
    view.view.setFocus()
    cursor = QTextCursor(document)
    view.view.setTextCursor(cursor)
    qtbot.keyClick(view.view, Qt.Key.Key_Tab)
    assert view.view.textCursor().selectedText() == "\ufffc"  # the icon is selected
    assert view.view.accessibleDescription() == "Copy"
    assert icon_visible(view, "copy@16/0")


def test_code_has_a_header_and_long_lines_scroll_the_view(view: Transcript) -> None:
    view.resize(700, 500)
    view.add_message("assistant", "```python\nx = 1  # " + "long " * 80 + "\n```")
    header = cursor_at(view, "python").block()
    assert "Copy code" in header.text()
    assert header.blockFormat().background().style() != Qt.BrushStyle.NoBrush
    icon = QTextCursor(header)
    icon.setPosition(header.text().index("\ufffc") + header.position() + 1)
    assert icon.charFormat().toImageFormat().name() == "dc-icon:copy@12"
    code = cursor_at(view, "x = 1").block()
    assert code.blockFormat().nonBreakableLines()
    assert code.layout().lineCount() == 1
    assert view.view.horizontalScrollBar().maximum() > 0
