"""Keep the window's settings and the settings file in step, in both directions.

Saving runs in a worker thread, one save at a time and always of the newest settings (two
racing saves could leave the older on disk), through `save_merged`, which keeps what a
`desktop-chat` command wrote meanwhile. Writes from other processes are noticed (SettingsWatcher)
and taken up. A file that cannot be read is never saved over: the keeper says so
(`file_broken`) and the person chooses to fix it or to keep it aside (`replace_broken`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from desktop_chat import paths
from desktop_chat.i18n import _
from desktop_chat.storage.settings import Settings
from desktop_chat.storage.settings_file import load_settings, save_settings, set_aside
from desktop_chat.storage.validation import SettingsError, SettingsFileError

if TYPE_CHECKING:
    import asyncio

    from desktop_chat.ui.settings.watch import SettingsWatcher

Spawn = Callable[[Coroutine[object, object, object]], "asyncio.Task[object]"]

log = logging.getLogger(__name__)


class SettingsKeeper(QObject):
    """The settings in use, saved in the background and kept up with the file."""

    changed_outside = Signal()  # `settings` now hold what another process wrote
    save_failed = Signal(str)  # why the settings could not be saved, for a person
    file_broken = Signal(object)  # SettingsFileError: the file cannot be read; nothing saved
    file_copied = Signal(str)  # a save left out unusable entries; where the old file is kept
    file_fixed = Signal()  # the file that could not be read can be read again (and is in use)

    def __init__(
        self,
        settings: Settings,
        spawn: Spawn,
        parent: QObject | None = None,
        *,
        on_disk: Settings | None = None,
        read_only: bool = False,
    ) -> None:
        """`on_disk` is what the file held when `settings` were read from it (None: unknown,
        and the first save overwrites); `read_only` keeps every change in memory."""
        super().__init__(parent)
        self.settings = settings
        self.read_only = read_only
        self.watcher: SettingsWatcher | None = None
        self._on_disk = on_disk
        self._spawn = spawn
        self._unsaved = False
        self._saver: asyncio.Task[object] | None = None
        self._closed = False
        self._broken = False  # the file could not be read when last looked at

    @property
    def saving(self) -> bool:
        return self._unsaved or (self._saver is not None and not self._saver.done())

    def update(self, settings: Settings) -> None:
        """Use `settings` from now on, and save them in the background."""
        self.settings = settings
        if self.read_only:
            return
        self._unsaved = True
        if self._saver is None or self._saver.done():
            self._saver = self._spawn(self._save_newest())

    def start_saving(self, on_disk: Settings) -> None:
        """Save from now on (the file that could not be read was kept aside), and follow it."""
        self.read_only = False
        self._on_disk = on_disk
        self.watch()
        if self.settings != on_disk:  # changed in this session: keep what the person sees
            self.update(self.settings)

    async def replace_broken(self) -> str:
        """Keep the unreadable file aside and save the settings in use; return what happened.

        Checked again first: a file fixed meanwhile is taken up instead of moved away.
        Raises OSError when the file cannot be renamed.
        """
        import asyncio

        try:
            result = await asyncio.to_thread(load_settings)
        except SettingsFileError as exc:
            aside = await asyncio.to_thread(set_aside, exc.path)
            self._broken = False
            self.start_saving(Settings())
            return _("The settings file that could not be read is kept as {path}.").format(
                path=aside
            )
        self._broken = False
        self._on_disk = result.settings
        self._take_up(result.settings)
        self.start_saving(result.settings)
        return _("The settings file can be read again and is in use.")

    def watch(self) -> None:
        """Follow what other processes write to the file (not when read-only)."""
        if not self.read_only and self.watcher is None:
            from desktop_chat.ui.settings.watch import SettingsWatcher

            self.watcher = SettingsWatcher(paths.settings_path(), self)
            self.watcher.changed.connect(self._on_file_changed)

    async def flush(self, within: float) -> None:
        """Wait (at most `within` seconds) until the newest settings are saved."""
        import asyncio

        if self._saver is not None and not self._saver.done():
            await asyncio.wait({self._saver}, timeout=within)

    def close(self) -> None:
        """Stop taking up changes from the file (the window is closing)."""
        self._closed = True

    async def _save_newest(self) -> None:
        import asyncio

        from desktop_chat.storage.settings_update import kept_notice, merge, save_merged

        while self._unsaved:
            self._unsaved = False
            sent = self.settings
            copies: list[Path] = []
            try:
                if self._on_disk is None:
                    saved = sent
                    await asyncio.to_thread(save_settings, sent)
                else:
                    base = self._on_disk
                    saved = await asyncio.to_thread(save_merged, base, sent, kept=copies.append)
                if self.watcher is not None:
                    self.watcher.written_here()
            except (OSError, SettingsError) as exc:
                log.warning("could not save the settings: %s", exc)
                self.save_failed.emit(
                    _("Could not save the settings: {problem}. They apply until you quit.").format(
                        problem=exc
                    )
                )
                return
            for copy in copies:
                self.file_copied.emit(kept_notice(copy))
            self._on_disk = saved
            if saved != sent:  # kept what a `desktop-chat` command wrote meanwhile: use it too
                self._take_up(merge(sent, self.settings, saved))

    def _on_file_changed(self) -> None:
        if not self._closed and not self.saving:  # while saving, ours are newer
            self._spawn(self._reload())

    async def _reload(self) -> None:
        import asyncio

        try:
            result = await asyncio.to_thread(load_settings)
        except SettingsFileError as exc:  # left as it is; ours stay in use, unsaved
            log.warning("the settings file changed but cannot be read: %s", exc)
            self._broken = True
            self.file_broken.emit(exc)
            return
        except SettingsError as exc:  # a newer version's file: left as it is, ours stay in use
            log.warning("the settings file changed but cannot be used: %s", exc)
            return
        if self._broken:
            self._broken = False
            self.file_fixed.emit()
        if self.saving:
            return  # changed here meanwhile: ours are newer
        self._on_disk = result.settings
        self._take_up(result.settings)

    def _take_up(self, settings: Settings) -> None:
        if settings != self.settings:
            self.settings = settings
            self.changed_outside.emit()
