"""A small panel that opens under a top-bar button: the target picker and the parameters.

A `Qt.Popup` window, shown with `show()` and never `exec()` (a nested event loop would stall the
asyncio tasks). Clicking outside closes it (Qt does that for popups), so does Esc; focus then
returns to the button that opened it, so a keyboard user goes on where they were. What is changed
inside applies at once: the panel holds the controls, it is not a dialog with OK and Cancel.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QPoint, QSize, Qt, Signal
from PySide6.QtGui import QGuiApplication, QHideEvent, QKeyEvent
from PySide6.QtWidgets import QAbstractButton, QFrame, QLabel, QWidget

# QLabel sizes a mnemonic label ("&Temperature") by the advance of its text, but a final glyph
# such as "e" inks a pixel or two past it, and QLabel clips its text to its contents: the room
# must be in the label's size, not in a contents margin (which clips the ink just the same).
LABEL_INK_MARGIN = 3


class _FormLabel(QLabel):
    """A label that asks for room for its last glyph's ink."""

    def sizeHint(self) -> QSize:
        return super().sizeHint() + QSize(LABEL_INK_MARGIN, 0)

    def minimumSizeHint(self) -> QSize:
        return super().minimumSizeHint() + QSize(LABEL_INK_MARGIN, 0)


def form_label(parent: QWidget, buddy: QWidget) -> QLabel:
    """A label whose Alt+letter moves to `buddy`, with room for its last glyph's ink."""
    label = _FormLabel(parent)
    label.setBuddy(buddy)
    return label


class Popover(QFrame):
    """A popup panel anchored under `anchor`; `open()` shows it there with `focus` focused."""

    closed = Signal()

    def __init__(self, anchor: QAbstractButton) -> None:
        super().__init__(anchor, Qt.WindowType.Popup)
        self.anchor = anchor
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        self.first_focus: QWidget | None = None
        self._hidden_at = 0.0

    def open(self) -> None:
        """Show under the anchor, kept on its screen, with the first control focused."""
        self.adjustSize()
        below = self.anchor.mapToGlobal(QPoint(0, self.anchor.height()))
        screen = self.anchor.screen() or QGuiApplication.primaryScreen()
        if screen is not None:
            area = screen.availableGeometry()
            below.setX(max(area.left(), min(below.x(), area.right() - self.width())))
        self.move(below)
        self.show()
        self.activateWindow()
        if self.first_focus is not None:
            self.first_focus.setFocus(Qt.FocusReason.PopupFocusReason)

    def toggle(self) -> None:
        """Open, or close; a click on the anchor that just closed the popup leaves it closed."""
        if self.isVisible():
            self.hide()
        elif time.monotonic() - self._hidden_at > 0.3:
            self.open()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.hide()
            event.accept()
            return
        super().keyPressEvent(event)

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        # The press on the anchor that closes the popup is followed by the anchor's click.
        self._hidden_at = time.monotonic()
        if self.anchor.isVisible():
            self.anchor.setFocus(Qt.FocusReason.PopupFocusReason)
        self.closed.emit()
