"""The window follows the chosen language, and changes it while open."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, QLibraryInfo
from PySide6.QtWidgets import QDialogButtonBox, QLabel
from pytestqt.qtbot import QtBot

from desktop_chat import i18n
from desktop_chat.i18n import _
from desktop_chat.ui.banner import Banner
from desktop_chat.ui.language import Retranslating, apply_language, resolve
from desktop_chat.ui.theme import LIGHT_COLORS
from tests.support.visible_text import untranslated


def test_a_widget_retranslates_when_the_language_changes(qtbot: QtBot) -> None:
    banner = Banner("key", "", LIGHT_COLORS)
    qtbot.addWidget(banner)
    banner.show()
    assert banner.close_button.toolTip() == "Dismiss"
    apply_language("zh_CN")
    qtbot.waitUntil(lambda: banner.close_button.toolTip() == "关闭", timeout=2000)
    assert untranslated(banner) == []
    apply_language("en")
    qtbot.waitUntil(lambda: banner.close_button.toolTip() == "Dismiss", timeout=2000)


class _Recording(QLabel):
    """Stands for the Qt class under the mixin: notes each change event it is handed."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[tuple[QEvent.Type, str]] = []

    def changeEvent(self, event: QEvent) -> None:
        self.seen.append((event.type(), self.text()))
        super().changeEvent(event)


class _Greeting(Retranslating, _Recording):
    def __init__(self) -> None:
        super().__init__()
        self._retranslate()

    def _retranslate(self) -> None:
        self.setText(_("Dismiss"))


def test_the_mixin_sets_the_words_again_before_qt_sees_the_change(qtbot: QtBot) -> None:
    label = _Greeting()
    qtbot.addWidget(label)
    apply_language("zh_CN")
    qtbot.waitUntil(lambda: label.text() == "关闭", timeout=2000)
    assert (QEvent.Type.LanguageChange, "关闭") in label.seen  # passed on, already in Chinese
    label.setEnabled(False)
    assert label.seen[-1] == (QEvent.Type.EnabledChange, "关闭")  # other changes pass through


def test_qt_own_buttons_speak_chinese_too(qtbot: QtBot) -> None:
    translations = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    assert translations, "Qt reports no translations folder"
    apply_language("zh_CN")
    box = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
    qtbot.addWidget(box)
    cancel = box.button(QDialogButtonBox.StandardButton.Cancel)
    assert cancel is not None
    assert cancel.text() == "取消"
    assert QCoreApplication.translate("QPlatformTheme", "Cancel") == "取消"


def test_system_follows_the_locale(monkeypatch: pytest.MonkeyPatch) -> None:
    assert resolve("en") == "en"
    assert resolve("zh_CN") == "zh_CN"
    assert resolve("system") in i18n.LANGUAGES
