"""The sidebar beside the real window's chat, as the window will hold it: its keys clash with
none of the window's, and the window's minimum width stays what it was."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QShortcut
from PySide6.QtWidgets import QApplication, QHBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from desktop_chat.storage.history import HistoryStore
from desktop_chat.ui.history.sidebar import HistorySidebar
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
    qtbot: QtBot, open_window: WindowFactory, tmp_path: Path
) -> None:
    window = open_window()
    before = window.minimumSizeHint().width()
    keys_before = window_keys(window)
    store = HistoryStore.open(tmp_path / "history.sqlite3")
    try:
        chat = window.centralWidget()
        row_widget = QWidget(window)
        row = QHBoxLayout(row_widget)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        sidebar = HistorySidebar(store, row_widget)
        row.addWidget(sidebar)
        row.addWidget(chat, 1)
        window.setCentralWidget(row_widget)
        qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=2000)

        QApplication.processEvents()  # the layouts take the new row in
        keys = window_keys(window)
        assert len(keys) == len(set(keys)), sorted(keys)  # an ambiguous key does nothing
        assert {"Ctrl+K", "Ctrl+B"} <= set(keys) - set(keys_before)
        assert window.minimumSizeHint().width() == before
        window.resize(1366, 768)
        qtbot.waitUntil(lambda: sidebar.width() == 240, timeout=2000)

        qtbot.keyClick(window.composer.editor, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
        assert sidebar.search_field.hasFocus()
        qtbot.keyClick(window.composer.editor, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier)
        assert sidebar.collapsed
    finally:
        store.close()
