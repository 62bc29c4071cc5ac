"""Read what the window needs before its frame shows: the settings, the theme; then preload.

Kept apart from the window so start-up reads in order: the settings file is read once (a file
that cannot be read is left as it is and the window runs read-only), the theme is in place
before the first paint, and what the first answer needs is imported off the UI thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from desktop_chat.i18n import _
from desktop_chat.storage.settings import Settings
from desktop_chat.storage.settings_file import load_settings
from desktop_chat.storage.validation import SettingsError, SettingsFileError

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication

    from desktop_chat.ui.theme import ThemeController


@dataclass(frozen=True, slots=True)
class StartSettings:
    """The settings the window starts with, and what to tell the user about the file."""

    settings: Settings
    notice: str | None = None  # a repair made while reading, worth a banner
    read_only: str | None = None  # why changes are not saved in this session
    on_disk: Settings | None = None  # what the file held, so saves keep others' writes
    unreadable: SettingsFileError | None = None  # offered a fresh start


def read_start_settings() -> StartSettings:
    """Read the settings file; one that is unreadable, or a newer version's, is left as it is."""
    try:
        result = load_settings()  # one small file; before the window exists nothing waits on it
    except SettingsError as exc:
        return StartSettings(
            Settings(),
            read_only=_("{error}. Settings changes are not saved in this session.").format(
                error=exc
            ),
            unreadable=exc if isinstance(exc, SettingsFileError) else None,
        )
    return StartSettings(result.settings, notice=result.notice, on_disk=result.settings)


def theme_controller(app: QApplication, settings: Settings) -> ThemeController:
    """The app's one theme controller, set to the settings' choice (made on first use)."""
    from desktop_chat.ui.theme import ThemeController

    existing = app.findChild(ThemeController)
    if isinstance(existing, ThemeController):
        existing.set_choice(settings.ui.theme)
        return existing
    return ThemeController(app, settings.ui.theme)


def preload() -> None:
    """Import what the first answer needs, off the UI thread, so sending it does not wait."""
    import importlib

    from desktop_chat.ui.chat.markdown import DEFERRED_MODULES

    # httpcore, and anyio's asyncio backend that its pool loads on the first request (~30 ms).
    network = ("httpcore", "anyio._backends._asyncio")
    for name in ("desktop_chat.core.engine", *network, *DEFERRED_MODULES):
        importlib.import_module(name)
    from desktop_chat.core.transport import TransportConfig, tls_verification

    tls_verification(TransportConfig())  # the shared TLS context: it reads every system CA
