"""Tell a person their settings file cannot be read, and let them choose what happens to it.

The file is never moved or saved over behind their back: the window opens on default settings,
saves nothing, and says what is wrong (the same "settings.json line L column C: ..." the
commands print). The dialog offers to keep the file aside (renamed, nothing deleted) and start
afresh; the banner keeps that offer until they take it or fix the file.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QMessageBox, QWidget

from desktop_chat.i18n import N_, _
from desktop_chat.storage.validation import SettingsFileError

if TYPE_CHECKING:
    from desktop_chat.ui.banner import BannerArea
    from desktop_chat.ui.settings.keeper import SettingsKeeper, Spawn

BANNER = "read-only"  # the key of the window's banner for settings it cannot save
KEEP_ASIDE = N_("Keep it aside and start afresh")
KEEP_ASIDE_SAVE = N_("Keep it aside and save these settings")
TITLE = N_("The settings file cannot be read")


class BrokenSettingsDialog(QMessageBox):
    """Say what is wrong with the file; accepted, the caller keeps it aside."""

    def __init__(self, error: SettingsFileError, *, at_start: bool, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("broken-settings")
        self.setIcon(QMessageBox.Icon.Warning)
        self.setWindowTitle(_(TITLE))
        self.setText(error.summary)
        if at_start:
            what = _(
                "Desktop Chat started with default settings and saves nothing until this is "
                "settled. Fix {path} in a text editor and start again, or keep the file aside "
                "(it is renamed, nothing is deleted) and start afresh."
            )
        else:
            what = _(
                "It was changed outside the window. The settings in use stay as they are but "
                "are not saved until this is settled. Fix {path}, or keep the file aside (it is "
                "renamed, nothing is deleted) and save the settings in use."
            )
        self.setInformativeText(what.format(path=error.path))
        # QMessageBox sizes itself to its short first line; the path needs room to read.
        self.setStyleSheet("QLabel#qt_msgbox_informativelabel { min-width: 30em; }")
        self.keep_button = self.addButton(
            _(KEEP_ASIDE) if at_start else _(KEEP_ASIDE_SAVE), QMessageBox.ButtonRole.AcceptRole
        )
        self.leave_button = self.addButton(
            _("Leave it as it is"), QMessageBox.ButtonRole.RejectRole
        )
        self.setDefaultButton(self.leave_button)
        self.setEscapeButton(self.leave_button)


class FileNotices:
    """Show the keeper's news about the file in `banners`; offer to keep a broken file aside.

    Dialogs open over `parent`; `kept_aside` is called once the broken file was kept aside and
    the settings in use can be saved again.
    """

    def __init__(
        self,
        parent: QWidget,
        banners: BannerArea,
        keeper: SettingsKeeper,
        spawn: Spawn,
        kept_aside: Callable[[], None],
    ) -> None:
        self._parent = parent
        self._banners = banners
        self._keeper = keeper
        self._spawn = spawn
        self._kept_aside = kept_aside
        keeper.file_broken.connect(lambda error: self.offer_fresh_start(error, at_start=False))
        keeper.file_copied.connect(lambda text: banners.show_notice("settings", text, warning=True))
        keeper.file_fixed.connect(self._settled)

    def offer_fresh_start(self, error: SettingsFileError, *, at_start: bool) -> None:
        """Show what is wrong (dialog and banner) and keep the file aside if the person chooses."""
        keep = _(KEEP_ASIDE) if at_start else _(KEEP_ASIDE_SAVE)
        text = _("{problem}. The file is left as it is and settings are not saved.").format(
            problem=error.summary
        )
        self._banners.show_notice(
            BANNER,
            text,
            warning=True,
            action=(f"{keep}…", lambda: self.offer_fresh_start(error, at_start=at_start)),
        )
        if at_start:  # "add a provider" would mislead: the unreadable file may well hold some
            self._banners.dismiss("first-run")
        old = self._parent.findChild(BrokenSettingsDialog)
        if isinstance(old, BrokenSettingsDialog):
            old.done(0)
            old.deleteLater()
        dialog = BrokenSettingsDialog(error, at_start=at_start, parent=self._parent)

        def finished() -> None:
            if dialog.clickedButton() is dialog.keep_button:
                self._spawn(self._keep_aside())
            dialog.deleteLater()

        dialog.finished.connect(finished)
        dialog.open()  # never exec(): a nested event loop would stall every running task

    async def _keep_aside(self) -> None:
        try:
            done = await self._keeper.replace_broken()
        except OSError as exc:
            self._banners.show_notice(
                "settings",
                _("Could not keep the settings file aside: {problem}").format(problem=exc),
                warning=True,
            )
            return
        self._kept_aside()
        self._settled()
        self._banners.show_notice("settings", done)

    def _settled(self) -> None:
        """The file can be read again: nothing is left to choose."""
        self._banners.dismiss(BANNER)
        for dialog in self._parent.findChildren(BrokenSettingsDialog):
            dialog.done(0)
