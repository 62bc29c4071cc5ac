"""Keep the window's layout between runs: where the inspector dock is, floating or not, its size.

The file is a cache, written atomically at close: one that cannot be read, or that another
version wrote, is left to be replaced on the next close, with a log line and no word to the user.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QByteArray
from PySide6.QtWidgets import QMainWindow

from desktop_chat import paths

log = logging.getLogger(__name__)

LAYOUT_VERSION = 1  # of the window layout kept between runs (window_state_path)


def restore_layout(window: QMainWindow) -> None:
    """Put the docks back where they were last time.

    Qt keeps the placement of a dock not made yet and applies it when the dock is made
    (inspector/link.py: restoreDockWidget).
    """
    try:
        data = paths.window_state_path().read_bytes()
    except FileNotFoundError:
        return
    except OSError as exc:
        log.warning("window layout not read: %s", exc)
        return
    if not window.restoreState(QByteArray(data), LAYOUT_VERSION):
        log.warning("window layout not restored: written by another version")


def save_layout(window: QMainWindow) -> None:
    """Keep where the docks are for the next start."""
    from desktop_chat.storage.atomic_file import replace_file

    path = paths.window_state_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        replace_file(path, bytes(window.saveState(LAYOUT_VERSION).data()))
    except OSError as exc:  # a layout is worth a log line, not a word to the user
        log.warning("window layout not saved: %s", exc)
