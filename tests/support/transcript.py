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
    """Return (label, href, position) of every link in the document.

    An icon link's label is its tooltip; an icon beside a text in one link adds nothing to it.
    """
    found: list[tuple[str, str, int]] = []
    block = view.view.document().begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            fragment = it.fragment()
            fmt = fragment.charFormat()
            if fmt.isAnchor():
                label = fragment.text().replace("\ufffc", "").strip("\xa0 ")
                href = fmt.anchorHref()
                if found and found[-1][1] == href and found[-1][2] + 2 >= fragment.position():
                    if label and found[-1][0] == fmt.toolTip():
                        found[-1] = (label, href, found[-1][2])
                elif label:
                    found.append((label, href, fragment.position()))
                else:
                    found.append((fmt.toolTip(), href, fragment.position()))
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


def action_line(view: Transcript) -> str:
    """The last line of the document as read: its text, its icon links by their names."""
    last = view.view.document().lastBlock()
    while last.isValid() and not last.text().strip():
        last = last.previous()
    labels = [t for t, _, p in anchors(view) if p >= last.position()]
    plain = last.text().replace("\ufffc", "").replace("\xa0", " ").strip()
    return " · ".join([plain, *labels] if plain else labels)
