"""Open the real settings dialog on given settings and press its buttons as a user does."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop_chat.storage.secrets import KeyStore
from desktop_chat.storage.settings import Settings
from desktop_chat.ui.settings.dialog import SettingsDialog


def open_dialog(
    qtbot: QtBot, settings: Settings, store: KeyStore | None = None
) -> tuple[SettingsDialog, list[Settings]]:
    """The dialog, opened, and the list of the settings it applies, newest last."""
    dialog = SettingsDialog(settings, store or KeyStore(session_only=True))
    qtbot.addWidget(dialog)
    applied: list[Settings] = []
    dialog.settings_applied.connect(applied.append)
    dialog.open()
    return dialog, applied


def open_tools_page(
    qtbot: QtBot, settings: Settings, store: KeyStore | None = None
) -> tuple[SettingsDialog, list[Settings]]:
    dialog, applied = open_dialog(qtbot, settings, store)
    dialog.tabs.setCurrentWidget(dialog.tools)
    return dialog, applied


def press(
    qtbot: QtBot, dialog: SettingsDialog, applied: list[Settings], which: str = "Ok"
) -> Settings:
    """Press Ok or Apply and wait for the settings it applies (it may wait on the keyring)."""
    before = len(applied)
    button = dialog.buttons.button(getattr(dialog.buttons.StandardButton, which))
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(applied) > before, timeout=15_000)
    return applied[-1]
