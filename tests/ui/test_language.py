"""The window follows the chosen language, and changes it while open."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QCoreApplication, QLibraryInfo
from PySide6.QtWidgets import QDialogButtonBox
from pytestqt.qtbot import QtBot

from desktop_chat import i18n
from desktop_chat.ui.banner import Banner
from desktop_chat.ui.language import apply_language, resolve
from desktop_chat.ui.theme import LIGHT_COLORS
from tests.support.visible_text import untranslated


@pytest.fixture(autouse=True)
def _back_to_english() -> Iterator[None]:
    yield
    apply_language("en")


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
