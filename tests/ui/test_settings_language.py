"""Choosing the language in Settings changes the open window's words, with no restart."""

from __future__ import annotations

from desktop_chat import i18n
from tests.support.settings_dialog import press
from tests.support.settings_sample import KEPT
from tests.support.visible_text import untranslated


def test_chinese_chosen_in_settings_applies_to_the_open_window(qtbot, open_window):
    window = open_window()
    assert window.tools.menu.text() == "Tools (0)"
    window.open_settings()
    dialog = window.settings_dialog
    assert dialog is not None
    applied: list[object] = []
    dialog.settings_applied.connect(applied.append)
    dialog.tabs.setCurrentWidget(dialog.appearance)
    box = dialog.appearance.language
    assert [box.itemText(i) for i in range(box.count())] == ["Follow the system", "English",
                                                             "简体中文"]  # fmt: skip
    box.setCurrentIndex(box.findData("zh_CN"))
    press(qtbot, dialog, applied, "Apply")

    qtbot.waitUntil(lambda: window.tools.menu.text() == "工具（0）", timeout=3000)
    assert i18n.current_language() == "zh_CN"
    assert window.settings.ui.language == "zh_CN"
    # The dialog stays open, in the new language: its pages, tabs and buttons.
    qtbot.waitUntil(lambda: dialog.windowTitle() == "设置", timeout=3000)
    assert dialog.tabs.tabText(2) == "外观(&A)"
    assert box.itemText(0) == "跟随系统"
    apply = dialog.buttons.button(dialog.buttons.StandardButton.Apply)
    qtbot.waitUntil(lambda: apply.accessibleName() == "应用", timeout=3000)
    for page in (dialog.appearance, dialog.network, dialog.endpoints, dialog.tools):
        dialog.tabs.setCurrentWidget(page)
        assert untranslated(dialog, KEPT) == []
    dialog.tabs.setCurrentWidget(dialog.appearance)

    box.setCurrentIndex(box.findData("en"))
    press(qtbot, dialog, applied, "Ok")
    qtbot.waitUntil(lambda: window.tools.menu.text() == "Tools (0)", timeout=3000)
    assert window.settings.ui.language == "en"
