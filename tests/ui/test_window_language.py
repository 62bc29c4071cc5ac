"""The real window's frame in Chinese and back: no English left in the top bar, its popovers,
the status bar and the inspector, and English again after switching back without a restart."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from desktop_chat.ui.language import apply_language
from desktop_chat.ui.main_window import MainWindow
from tests.support.visible_text import untranslated

# Popups ask the platform to raise them and grab the keyboard; offscreen it cannot, and says so.
pytestmark = pytest.mark.qt_log_ignore(
    "This plugin does not support raise", "This plugin does not support grabbing the keyboard"
)
MODEL_ID = "demo-model"  # an id, the same in every language


def frame_parts(window: MainWindow) -> list[QWidget]:
    bar = window.top_bar
    dock = window.inspector.dock
    assert dock is not None
    return [bar, bar.target_panel, bar.parameters, window.status, dock]


def english_left(window: MainWindow) -> list[str]:
    found = []
    for part in frame_parts(window):
        found += [
            line
            for line in untranslated(part, kept=(MODEL_ID,))
            # The Tools button is the tools area's own, translated there.
            if not line.startswith("ToolsMenu(")
        ]
    return found


def test_the_frame_speaks_chinese_and_english_again(qtbot: QtBot, open_window) -> None:
    window: MainWindow = open_window()
    window.resize(1366, 768)
    window.inspector.open_dock()
    bar = window.top_bar
    bar.target_panel.open()
    bar.parameters.open()
    QApplication.processEvents()
    assert english_left(window) != []  # the check sees English when there is some

    apply_language("zh_CN")
    qtbot.waitUntil(lambda: window.status.state_label.text() == "就绪", timeout=2000)
    left = english_left(window)
    assert left == [], "\n".join(left)
    assert bar.picker_button.text() == "离线演示 · demo-model"
    assert bar.temperature.specialValueText() == "默认"
    assert window.actions_by_name["New chat"].text() == "新对话"
    assert window.inspector.dock.windowTitle().startswith("检查器")

    apply_language("en")
    qtbot.waitUntil(lambda: window.status.state_label.text() == "Ready", timeout=2000)
    assert bar.picker_button.text() == "Offline demo · demo-model"
    assert bar.params_button.accessibleName() == "Parameters"
    assert window.status.target_label.text() == "Offline demo · demo-model"
    assert window.inspector.dock.summary.text() == "No answer to inspect yet."
    assert window.actions_by_name["New chat"].text() == "New chat"
    bar.parameters.hide()
    bar.target_panel.hide()
