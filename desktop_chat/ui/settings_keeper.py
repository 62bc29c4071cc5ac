"""Keep the window's settings and the settings file in step, in both directions.

Saving runs in a worker thread, one save at a time and always of the newest settings (two
racing saves could leave the older on disk), through `save_merged`, which keeps what a
`desktop-chat` command wrote meanwhile. Writes from other processes are noticed (SettingsWatcher)
and taken up; a file broken from outside is moved aside and the settings in use saved again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from desktop_chat import paths
from desktop_chat.storage.settings import Settings, SettingsError, load_settings, save_settings

if TYPE_CHECKING:
    import asyncio

    from desktop_chat.ui.settings_watch import SettingsWatcher

Spawn = Callable[[Coroutine[object, object, object]], "asyncio.Task[object]"]

log = logging.getLogger(__name__)


class SettingsKeeper(QObject):
    """The settings in use, saved in the background and kept up with the file."""

    changed_outside = Signal()  # `settings` now hold what another process wrote
    save_failed = Signal(str)  # why the settings could not be saved, for a person
    file_replaced = Signal(str)  # the file was unusable: moved aside, ours saved in its place

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

    def watch(self) -> None:
        """Follow what other processes write to the file (not when read-only)."""
        if not self.read_only and self.watcher is None:
            from desktop_chat.ui.settings_watch import SettingsWatcher

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

        from desktop_chat.storage.settings_update import merge, save_merged

        while self._unsaved:
            self._unsaved = False
            sent = self.settings
            try:
                if self._on_disk is None:
                    saved = sent
                    await asyncio.to_thread(save_settings, sent)
                else:
                    saved = await asyncio.to_thread(save_merged, self._on_disk, sent)
                if self.watcher is not None:
                    self.watcher.written_here()
            except (OSError, SettingsError) as exc:
                log.warning("could not save the settings: %s", exc)
                self.save_failed.emit(
                    f"Could not save the settings: {exc}. They apply until you quit."
                )
                return
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
        except SettingsError as exc:  # a newer version's file: left as it is, ours stay in use
            log.warning("the settings file changed but cannot be used: %s", exc)
            return
        if self.saving:
            return  # changed here meanwhile: ours are newer
        self._on_disk = result.settings
        if result.notice:  # unreadable, and moved aside: the settings in use are the good copy
            self.file_replaced.emit(f"{result.notice} The settings in use were saved again.")
            self.update(self.settings)
            return
        self._take_up(result.settings)

    def _take_up(self, settings: Settings) -> None:
        if settings != self.settings:
            self.settings = settings
            self.changed_outside.emit()
