"""Notice when the settings file changes on disk, so the window follows `desktop-chat` commands.

The CLI and the window share one settings file. Watching its directory (not only the file) keeps
working across atomic replaces, which give the file a new inode each time. Bursts of events are
merged into one `changed` signal shortly after the last.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from PySide6.QtCore import QFileSystemWatcher, QObject, QTimer, Signal

SETTLE_MS = 150


class SettingsWatcher(QObject):
    """Emit `changed` once another process has written the file at `path`."""

    changed = Signal()

    def __init__(self, path: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.path = path
        self._watcher = QFileSystemWatcher(self)
        self._settle = QTimer(self)
        self._settle.setSingleShot(True)
        self._settle.setInterval(SETTLE_MS)
        self._settle.timeout.connect(self._on_settled)
        self._watcher.directoryChanged.connect(lambda _path: self._settle.start())
        self._watcher.fileChanged.connect(lambda _path: self._settle.start())
        self._last = self._stamp()
        # A fresh profile has no settings directory until the first save: make it, to watch it.
        # In a read-only place nothing will be written there to notice.
        with contextlib.suppress(OSError):
            path.parent.mkdir(parents=True, exist_ok=True)
        self._watch()

    def written_here(self) -> None:
        """Take the file as it is now for this process's own write: no `changed` for it."""
        self._last = self._stamp()

    def _watch(self) -> None:
        for target in (self.path.parent, self.path):
            if (
                target.exists()
                and str(target) not in self._watcher.files() + self._watcher.directories()
            ):
                self._watcher.addPath(str(target))

    def _stamp(self) -> tuple[int, int] | None:
        try:
            stat = self.path.stat()
        except OSError:
            return None
        return stat.st_mtime_ns, stat.st_size

    def _on_settled(self) -> None:
        self._watch()  # the directory may have been made, the file replaced
        stamp = self._stamp()
        if stamp != self._last:  # other files in the directory (logs, backups) change too
            self._last = stamp
            self.changed.emit()
