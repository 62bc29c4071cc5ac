"""The window's side of the settings: the dialog, a change put into the widgets, the notices.

Settings changes apply to the next request without a restart. The keeper saves them and
follows the file; here a change (from the dialog, or written by a `desktop-chat` command) reaches
the theme, the language, the composer, the transcript's zoom, the top bar and the target
chooser. The notices that lead to Settings live here too: the first-run hint (the one notice a
new user reads first) and the warning that a key could not be read.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QWidget

from desktop_chat.i18n import N_, _, current_language
from desktop_chat.ui.language import apply_language, resolve

if TYPE_CHECKING:
    from desktop_chat.storage.secrets import KeyStore
    from desktop_chat.storage.settings import Settings
    from desktop_chat.ui.banner import BannerArea
    from desktop_chat.ui.chat.composer import Composer
    from desktop_chat.ui.chat.status_bar import StatusBar
    from desktop_chat.ui.chat.top_bar import TopBar
    from desktop_chat.ui.chat.transcript import Transcript
    from desktop_chat.ui.settings.dialog import SettingsDialog
    from desktop_chat.ui.settings.keeper import SettingsKeeper
    from desktop_chat.ui.target_chooser import TargetChooser
    from desktop_chat.ui.theme import ThemeController

FIRST_RUN_HINT = N_(
    "You are talking to the built-in offline demo, so you can try everything without a key. "
    "Add a provider and its API key in Settings to talk to a real model."
)


class WindowSettings:
    """Open the Settings dialog (one at a time) and put the settings in use into the widgets."""

    def __init__(
        self,
        window: QWidget,
        keeper: SettingsKeeper,
        keystore: KeyStore,
        theme: ThemeController,
        banners: BannerArea,
        widgets: tuple[TopBar, Transcript, Composer, StatusBar],
        target: TargetChooser,
        focus_composer: Callable[[], None],
        *,
        demo_only: bool,
    ) -> None:
        self.dialog: SettingsDialog | None = None  # while it is open
        self._window = window
        self._keeper = keeper
        self._keystore = keystore
        self._theme = theme
        self._banners = banners
        self._top_bar, self._transcript, self._composer, self._status = widgets
        self._target = target
        self._focus_composer = focus_composer
        self._demo_only = demo_only
        self._key_warning_shown = False
        target.keyring_missing.connect(self._warn_no_keyring)
        self._top_bar.settings_requested.connect(self.open)
        keeper.changed_outside.connect(self._on_changed_outside)
        keeper.save_failed.connect(lambda text: banners.show_notice("save", text, warning=True))

    def open(self) -> None:
        """Open the Settings dialog (non-blocking: open() plus signals, never exec())."""
        if self.dialog is not None and self.dialog.isVisible():
            self.dialog.raise_()
            self.dialog.activateWindow()
            return
        from desktop_chat.ui.settings.dialog import SettingsDialog  # loaded on first use

        dialog = SettingsDialog(self._keeper.settings, self._keystore, self._window)
        dialog.settings_applied.connect(self.apply)
        dialog.finished.connect(lambda _r: self._closed(dialog))
        self.dialog = dialog
        dialog.open()

    def apply(self, settings: Settings) -> None:
        """Use what the dialog applied: save it, show it, and list the models again."""
        self._banners.dismiss("settings")
        self._banners.dismiss("keyring")
        self._key_warning_shown = False
        self._keeper.update(settings)
        self.show_in_widgets()
        self._update_first_run_hint()
        self._target.fetch_models()

    def show_in_widgets(self) -> None:
        settings = self._keeper.settings
        self._theme.set_choice(settings.ui.theme)
        if resolve(settings.ui.language) != current_language():
            apply_language(settings.ui.language)
        self._composer.set_ctrl_enter_sends(settings.ui.send_with_ctrl_enter)
        self._transcript.set_zoom(settings.ui.text_zoom)
        self._top_bar.set_presets(settings.presets)
        self._target.show_settings()

    def show_start_notices(self, notice: str | None, read_only: str | None) -> None:
        """Say what reading the settings file found, and greet a new user."""
        if notice:
            self._banners.show_notice(
                "settings", notice, warning=True, action=(_("Open Settings"), self.open)
            )
        if read_only is not None:
            self._banners.show_notice("read-only", read_only, warning=True)
        self._update_first_run_hint()

    def retranslate(self) -> None:
        hint = self._banners.banner("first-run")
        if hint is not None and hint.label.text() != _(FIRST_RUN_HINT):
            self._show_first_run_hint()  # the one notice a new user reads first

    def _closed(self, dialog: SettingsDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None
        dialog.deleteLater()
        self._focus_composer()

    def _on_changed_outside(self) -> None:
        self.show_in_widgets()
        self._update_first_run_hint()
        self._status.showMessage(_("Settings changed outside the window; now in use"), 5000)

    def _update_first_run_hint(self) -> None:
        if self._keeper.settings.endpoints or self._demo_only:
            self._banners.dismiss("first-run")
        elif self._banners.banner("first-run") is None:
            self._show_first_run_hint()

    def _show_first_run_hint(self) -> None:
        self._banners.show_notice(
            "first-run", _(FIRST_RUN_HINT), action=(_("Open Settings"), self.open)
        )

    def _warn_no_keyring(self, reason: str) -> None:
        if not self._key_warning_shown:
            self._key_warning_shown = True
            self._banners.show_notice(
                "keyring",
                _(
                    "{reason} The request is sent without a key. In Settings you can keep a key "
                    "for this session only."
                ).format(reason=reason),
                warning=True,
                action=(_("Open Settings"), self.open),
            )
