"""The "Jump to latest" button that floats over the transcript while the user reads above.

Streaming never pulls a reader back down (EndFollower); this button says more arrived below and
takes them there, after which the view follows the end again.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QSize, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QToolButton, QWidget

from desktop_chat.i18n import _
from desktop_chat.ui.icons import icon
from desktop_chat.ui.language import Retranslating

MARGIN = 16  # from the bottom of the view, in pixels


class JumpButton(Retranslating, QToolButton):
    """A small rounded button with an arrow, kept at the bottom centre of its parent.

    `requested` is emitted by a click, and by End or Ctrl+End in the `view` it floats over.
    """

    requested = Signal()

    def __init__(self, parent: QWidget, view: QWidget) -> None:
        super().__init__(parent)
        self.clicked.connect(self.requested)
        view.installEventFilter(self)
        self.setObjectName("jumpToLatest")
        self.setIcon(icon("arrow-down"))
        self.setIconSize(QSize(16, 16))
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.setStyleSheet(
            "QToolButton#jumpToLatest { background-color: palette(button);"
            " border: 1px solid palette(mid); border-radius: 14px; padding: 4px 12px; }"
            " QToolButton#jumpToLatest:hover { background-color: palette(alternate-base); }"
            " QToolButton#jumpToLatest:focus { border-color: palette(highlight); }"
        )
        self.hide()
        self._retranslate()

    def place(self) -> None:
        """Sit at the bottom centre of the parent (call when the parent is resized)."""
        parent = self.parentWidget()
        if parent is None:
            return
        self.adjustSize()
        x = (parent.width() - self.width()) // 2
        y = parent.height() - self.height() - MARGIN
        self.move(max(0, x), max(0, y))
        self.raise_()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Take End and Ctrl+End in the view: the end is where the latest text is."""
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            modifiers = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
            if event.key() == Qt.Key.Key_End and modifiers in (
                Qt.KeyboardModifier.NoModifier,
                Qt.KeyboardModifier.ControlModifier,
            ):
                self.requested.emit()
                return True
        return super().eventFilter(watched, event)

    def _retranslate(self) -> None:
        self.setText(_("Jump to latest"))
        self.setToolTip(_("Jump to latest (End)"))
        self.setAccessibleName(_("Jump to latest"))
        if self.isVisible():
            self.place()
