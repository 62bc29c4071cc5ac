"""Read the transcript as a user sees it, stream into it, and click its links with the mouse."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QTextCursor
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desktop_chat.ui.chat.transcript import Transcript

WAIT_MS = 5000


def text(view: Transcript) -> str:
    return view.view.toPlainText()


def drain(qtbot: QtBot, view: Transcript) -> None:
    qtbot.waitUntil(lambda: not view.busy, timeout=WAIT_MS)


def anchors(view: Transcript) -> list[tuple[str, str, int]]:
    """Return (text, href, position) of every link in the document."""
    found = []
    block = view.view.document().begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            fragment = it.fragment()
            fmt = fragment.charFormat()
            if fmt.isAnchor():
                found.append((fragment.text(), fmt.anchorHref(), fragment.position()))
            it += 1
        block = block.next()
    return found


def click_link(qtbot: QtBot, view: Transcript, label: str, nth: int = -1) -> None:
    """Click a link with the mouse, as a user would."""
    position = [p for t, _, p in anchors(view) if t == label][nth]
    cursor = QTextCursor(view.view.document())
    cursor.setPosition(position + 1)
    view.view.setTextCursor(cursor)
    view.view.ensureCursorVisible()
    rect = view.view.cursorRect(cursor)
    point = QPoint(rect.left() - 2, rect.center().y())
    QTest.mouseClick(view.view.viewport(), Qt.MouseButton.LeftButton, pos=point)


def stream(qtbot: QtBot, view: Transcript, pieces: Sequence[str]) -> None:
    for piece in pieces:
        view.append_text(piece)
        QApplication.processEvents()
