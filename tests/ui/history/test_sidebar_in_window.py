"""The sidebar beside the real window's chat: its keys clash with none of the window's, and the
window's minimum width stays what the chat alone needs."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QShortcut
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from tests.support.window import WindowFactory


def window_keys(root: QWidget) -> list[str]:
    """Every shortcut that acts across the window (not only inside one widget)."""
    keys = []
    for action in root.findChildren(QAction):
        if action.shortcutContext() in (
            Qt.ShortcutContext.WindowShortcut,
            Qt.ShortcutContext.ApplicationShortcut,
        ):
            keys += [sequence.toString() for sequence in action.shortcuts()]
    for shortcut in root.findChildren(QShortcut):
        keys.append(shortcut.key().toString())
    return [key for key in keys if key]


def test_the_sidebar_beside_the_chat_takes_free_keys_and_no_minimum_width(
    qtbot: QtBot, open_window: WindowFactory
) -> None:
    window = open_window()
    sidebar = window.sidebar
    assert sidebar is not None
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=2000)
    QApplication.processEvents()  # the layouts take the row in

    keys = window_keys(window)
    assert len(keys) == len(set(keys)), sorted(keys)  # an ambiguous key does nothing
    assert {"Ctrl+K", "Ctrl+B", "Ctrl+N", "Ctrl+F"} <= set(keys)
    chat_column = window.transcript.parentWidget()
    assert chat_column is not window.centralWidget()
    # The sidebar adds nothing to the width the window needs: the top bar spans the window.
    needed = max(window.top_bar.minimumSizeHint().width(), chat_column.minimumSizeHint().width())
    assert window.centralWidget().minimumSizeHint().width() == needed
    window.resize(1366, 768)

    qtbot.waitUntil(lambda: sidebar.width() == 240, timeout=2000)

    qtbot.keyClick(window.composer.editor, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    assert sidebar.search_field.hasFocus()
    qtbot.keyClick(window.composer.editor, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier)
    assert sidebar.collapsed
