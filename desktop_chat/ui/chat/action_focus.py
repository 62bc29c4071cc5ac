"""Which messages show their action icons: the one under the mouse, the keyboard's, the last.

The icons are links in the transcript's document (SafeBrowser explains why); this follows the
mouse over the view and the keyboard through its links, and tells the view whose to paint. A
link reached with Tab is named aloud and in a tooltip, as hovering it would.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QMouseEvent, QTextCursor
from PySide6.QtWidgets import QToolTip

from desktop_chat.ui.chat.safe_browser import SafeBrowser

MessageAt = Callable[[int], int | None]  # document position -> message index (None: none)


class ActionFocus(QObject):
    """Keep `view` painting the action icons of the messages the user is on."""

    def __init__(
        self,
        view: SafeBrowser,
        message_at: MessageAt,
        always: Callable[[], int | None],
        is_action: Callable[[str], bool],
        say: Callable[[str], None],
    ) -> None:
        super().__init__(view)
        self._view = view
        self._message_at = message_at
        self._always = always  # the message whose actions always show (the last), if any
        self._is_action = is_action
        self._say = say
        self._hovered: int | None = None
        view.viewport().installEventFilter(self)
        view.cursorPositionChanged.connect(self._on_cursor_moved)
        view.link_focused.connect(self._on_cursor_moved)

    def update(self) -> None:
        """Tell the view whose icons to paint now (after messages were added or removed)."""
        owners = set()
        always = self._always()
        if always is not None:
            owners.add(always)
        if self._hovered is not None:
            owners.add(self._hovered)
        cursor = self._view.textCursor()
        if self._view.hasFocus() or cursor.hasSelection():
            focused = self._message_at(cursor.position())
            if focused is not None:
                owners.add(focused)
        self._view.show_actions_of(owners)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Follow the mouse over the view's text."""
        if event.type() == QEvent.Type.MouseMove and isinstance(event, QMouseEvent):
            position = self._view.cursorForPosition(event.position().toPoint()).position()
            self._hovered = self._message_at(position)
            self.update()
        elif event.type() == QEvent.Type.Leave:
            self._hovered = None
            self.update()
        return super().eventFilter(watched, event)

    def _on_cursor_moved(self) -> None:
        self.update()
        cursor = self._view.textCursor()
        if not cursor.hasSelection():
            return
        probe = QTextCursor(self._view.document())
        probe.setPosition(max(cursor.position(), cursor.anchor()))  # the selection's last char
        fmt = probe.charFormat()
        if fmt.isAnchor() and fmt.toolTip() and self._is_action(fmt.anchorHref()):
            # A keyboard user lands on an icon: say its name, and show it as the mouse would.
            self._say(fmt.toolTip())
            rect = self._view.cursorRect(cursor)
            QToolTip.showText(self._view.viewport().mapToGlobal(rect.bottomLeft()), fmt.toolTip())
