"""The line that offers to undo a deletion: "Deleted “title”  [Undo]", for UNDO_MS.

It only keeps time and says so: the sidebar decides what hiding and deleting mean.
"""

from __future__ import annotations

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from desktop_chat.i18n import _
from desktop_chat.ui.icons import icon
from desktop_chat.ui.language import Retranslating

UNDO_MS = 6000


class UndoBar(Retranslating, QWidget):
    """Offer Undo for a while; `expired` once the offer ends unused, `undone` if taken."""

    undone = Signal()
    expired = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._title = ""
        self.label = QLabel(self)
        self.button = QPushButton(self)
        self.button.setIcon(icon("undo-2"))
        self.button.clicked.connect(self.undone)
        row = QHBoxLayout(self)
        row.setContentsMargins(4, 4, 4, 4)
        row.addWidget(self.label, 1)
        row.addWidget(self.button)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.expired)
        self._retranslate()
        self.hide()

    def _retranslate(self) -> None:
        self.button.setText(_("Undo"))
        self.button.setAccessibleName(_("Undo delete"))
        self.button.setToolTip(_("Undo delete (Ctrl+Z)"))
        if self._title:
            self.label.setText(_("Deleted “{title}”").format(title=self._title))

    def offer(self, title: str) -> None:
        """Show the offer for `title` and start counting (again)."""
        self._title = title
        self.label.setToolTip(title)
        self._retranslate()
        self._timer.start(UNDO_MS)

    def end(self) -> None:
        """Stop counting and hide: the offer was taken, or ended by another deletion."""
        self._timer.stop()
        self.hide()
