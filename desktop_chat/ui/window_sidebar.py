"""Put the history sidebar beside the conversation, and fold it when the window is narrow.

The top bar spans the window; the sidebar sits beside the conversation below it, so it takes
none of the width the top bar needs. Below FOLD_SIDEBAR_BELOW of room for the window's middle
the sidebar folds to its strip so the conversation keeps a readable column; only a crossing of
that width acts, so a fold or unfold by hand in between is respected.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication, QHBoxLayout, QMainWindow, QVBoxLayout, QWidget

from desktop_chat.ui.history.sidebar import HistorySidebar

if TYPE_CHECKING:
    from desktop_chat.storage.history import HistoryStore

# Below this width of the window's middle (the inspector docked beside it takes its share), the
# history sidebar folds to its strip so the conversation keeps a readable column.
FOLD_SIDEBAR_BELOW = 880


def add_sidebar(
    window: QMainWindow, top_bar: QWidget, chat_column: QWidget, history: HistoryStore
) -> HistorySidebar:
    """Make the sidebar and the window's middle: the top bar above, sidebar and chat below."""
    frame = QWidget(window)
    outer = QVBoxLayout(frame)
    outer.setContentsMargins(0, 0, 0, 0)
    outer.setSpacing(0)
    outer.addWidget(top_bar)
    row = QHBoxLayout()
    row.setSpacing(0)  # the sidebar's own minimum width is 0: the window's stays as it was
    sidebar = HistorySidebar(history, frame)
    row.addWidget(sidebar)
    row.addWidget(chat_column, 1)
    outer.addLayout(row, 1)
    window.setCentralWidget(frame)
    return sidebar


class SidebarFit(QObject):
    """Fold the sidebar when the window's middle runs out of room, and unfold it when there is
    room again, unless the user folded it.

    It watches the middle itself (the window's central widget), so whatever narrows it acts: the
    window resized, the inspector docked beside it, or its splitter dragged.
    """

    def __init__(self, sidebar: HistorySidebar, middle: QWidget | None = None) -> None:
        super().__init__(sidebar)
        self._sidebar = sidebar
        self._narrow = False
        self._folded_by_width = False
        if middle is not None:
            middle.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # Qt's name
        if event.type() == QEvent.Type.Resize and isinstance(watched, QWidget):
            self.fit(watched.width())
        return False

    def fit(self, room: int) -> None:
        """Fit to a middle `room` pixels wide."""
        narrow = room < FOLD_SIDEBAR_BELOW
        if narrow == self._narrow:
            return  # only a crossing acts: a fold or unfold by hand in between is respected
        self._narrow = narrow
        if narrow and not self._sidebar.collapsed:
            self._folded_by_width = True
            self._toggle_keeping_focus()
        elif not narrow and self._sidebar.collapsed and self._folded_by_width:
            self._folded_by_width = False
            self._toggle_keeping_focus()

    def _toggle_keeping_focus(self) -> None:
        # The sidebar's toggle moves the focus (right for a click); a resize must not.
        focused = QApplication.focusWidget()
        self._sidebar.toggle_collapsed()
        if focused is not None and focused.isVisible():
            focused.setFocus()
