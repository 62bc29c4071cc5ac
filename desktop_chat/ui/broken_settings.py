"""Tell a person their settings file cannot be read, and let them choose what happens to it.

The file is never moved or saved over behind their back: the window opens on default settings,
saves nothing, and says what is wrong (the same "settings.json line L column C: ..." the
commands print). The dialog offers to keep the file aside (renamed, nothing deleted) and start
afresh; the banner keeps that offer until they take it or fix the file.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QMessageBox, QWidget

from desktop_chat.storage.validation import SettingsFileError

if TYPE_CHECKING:
    from desktop_chat.ui.main_window import MainWindow

BANNER = "read-only"  # the key of the window's banner for settings it cannot save
KEEP_ASIDE = "Keep it aside and start afresh"
KEEP_ASIDE_SAVE = "Keep it aside and save these settings"
TITLE = "The settings file cannot be read"


class BrokenSettingsDialog(QMessageBox):
    """Say what is wrong with the file; accepted, the caller keeps it aside."""

    def __init__(self, error: SettingsFileError, *, at_start: bool, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("broken-settings")
        self.setIcon(QMessageBox.Icon.Warning)
        self.setWindowTitle(TITLE)
        self.setText(error.summary)
        if at_start:
            what = (
                "Desktop Chat started with default settings and saves nothing until this is "
                f"settled. Fix {error.path} in a text editor and start again, or keep the file "
                "aside (it is renamed, nothing is deleted) and start afresh."
            )
        else:
            what = (
                "It was changed outside the window. The settings in use stay as they are but "
                f"are not saved until this is settled. Fix {error.path}, or keep the file aside "
                "(it is renamed, nothing is deleted) and save the settings in use."
            )
        self.setInformativeText(what)
        # QMessageBox sizes itself to its short first line; the path needs room to read.
        self.setStyleSheet("QLabel#qt_msgbox_informativelabel { min-width: 30em; }")
        self.keep_button = self.addButton(
            KEEP_ASIDE if at_start else KEEP_ASIDE_SAVE, QMessageBox.ButtonRole.AcceptRole
        )
        self.leave_button = self.addButton("Leave it as it is", QMessageBox.ButtonRole.RejectRole)
        self.setDefaultButton(self.leave_button)
        self.setEscapeButton(self.leave_button)


def offer_fresh_start(window: MainWindow, error: SettingsFileError, *, at_start: bool) -> None:
    """Show what is wrong (dialog and banner) and keep the file aside if the person chooses."""
    keep = KEEP_ASIDE if at_start else KEEP_ASIDE_SAVE
    text = f"{error.summary}. The file is left as it is and settings are not saved."
    window.banners.show_notice(
        BANNER,
        text,
        warning=True,
        action=(f"{keep}…", lambda: offer_fresh_start(window, error, at_start=at_start)),
    )
    if at_start:  # "add a provider" would mislead: the unreadable file may well hold some
        window.banners.dismiss("first-run")
    old = window.findChild(BrokenSettingsDialog)
    if isinstance(old, BrokenSettingsDialog):
        old.done(0)
        old.deleteLater()
    dialog = BrokenSettingsDialog(error, at_start=at_start, parent=window)

    def finished() -> None:
        if dialog.clickedButton() is dialog.keep_button:
            window.spawn(_keep_aside(window))
        dialog.deleteLater()

    dialog.finished.connect(finished)
    dialog.open()  # never exec(): a nested event loop would stall every running task


async def _keep_aside(window: MainWindow) -> None:
    try:
        done = await window.settings_keeper.replace_broken()
    except OSError as exc:
        window.banners.show_notice(
            "settings", f"Could not keep the settings file aside: {exc}", warning=True
        )
        return
    window.read_only = window.demo_only
    _settled(window)
    window.banners.show_notice("settings", done)


def connect_file_notices(window: MainWindow) -> None:
    """Show the keeper's news about the file: unreadable now, or a copy kept before a save."""
    keeper = window.settings_keeper
    keeper.file_broken.connect(lambda error: offer_fresh_start(window, error, at_start=False))
    keeper.file_copied.connect(
        lambda text: window.banners.show_notice("settings", text, warning=True)
    )
    keeper.file_fixed.connect(lambda: _settled(window))


def _settled(window: MainWindow) -> None:
    """The file can be read again: nothing is left to choose."""
    window.banners.dismiss(BANNER)
    for dialog in window.findChildren(BrokenSettingsDialog):
        dialog.done(0)
